import { sampleBatch, startTestDatabase } from "@msgevents/testkit";
import pg from "pg";
import { expect, test } from "vitest";
import { migrate, normalizeBatch, PartitionManager } from "../src/index.ts";

test("smoke: migrate, partition, insert", async () => {
  const db = await startTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  try {
    await migrate(pool);
    await migrate(pool);
    const { events, rejected } = normalizeBatch(sampleBatch("batch-all-types"));
    expect(rejected).toEqual([{ index: 25, reason: "msys.message_event: missing event_id" }]);
    const pm = new PartitionManager(pool);
    await pm.ensureFor(events.map((e) => e.eventTime));
    for (const e of events) {
      await pool.query(
        "insert into events (event_time, type, event_id, batch_id, received_at, payload) values ($1,$2,$3,'b',now(),$4) on conflict do nothing",
        [e.eventTime, e.type, e.eventId, e.payload],
      );
    }
    const count = await pool.query("select count(*)::int n from events");
    expect(count.rows[0].n).toBe(26);
  } finally {
    await pool.end();
    await db.close();
  }
});

import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestDatabase } from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { events, migrate, migrationsFolder, normalizeBatch, PartitionManager, toEventRows } from "../src/index.ts";
import { type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
});
afterAll(() => db?.close());

function rows(...fields: Record<string, unknown>[]) {
  return normalizeBatch(
    fields.map((extra, index) => ({
      msys: {
        message_event: {
          type: "delivery",
          event_id: `${Date.now()}${index}${Math.floor(Math.random() * 1e6)}`,
          timestamp: "1718000000",
          ...extra,
        },
      },
    })),
  ).events;
}

async function listed(): Promise<{ field: string; value: string }[]> {
  const result = await db.pool.query("SELECT field, value FROM search_values ORDER BY field, value");
  return result.rows;
}

test("storing events lists each new campaign and template value once", async () => {
  await storeEvents(
    db.pool,
    rows({ campaign_id: "spring", template_id: "welcome" }, { campaign_id: "spring" }, { campaign_id: "fall" }),
  );
  await storeEvents(db.pool, rows({ campaign_id: "spring", template_id: "welcome" }, { template_id: "receipt" }));

  expect(await listed()).toEqual([
    { field: "campaign_id", value: "fall" },
    { field: "campaign_id", value: "spring" },
    { field: "template_id", value: "receipt" },
    { field: "template_id", value: "welcome" },
  ]);
});

test("values of a rolled-back load are not listed", async () => {
  const before = await listed();
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN");
    await drizzle({ client })
      .insert(events)
      .values(await toEventRows(rows({ campaign_id: "never-committed" }), { batchId: "b", receivedAt: new Date() }));
    await client.query("ROLLBACK");
  } finally {
    client.release();
  }
  expect(await listed()).toEqual(before);
});

test("a value too long for its column is recorded as such, not listed", async () => {
  await storeEvents(db.pool, rows({ campaign_id: `long-${"x".repeat(2000)}` }));
  const overlong = await db.pool.query("SELECT field, value FROM search_values WHERE field LIKE '%:overlong'");
  expect(overlong.rows).toEqual([{ field: "campaign_id:overlong", value: "" }]);
});

test("counting by value refuses a column without a value index", async () => {
  await expect(
    db.pool.query("SELECT msgevents_count_by_value('rcpt_to', ARRAY['a'], now() - interval '1 day', now())"),
  ).rejects.toMatchObject({ code: "22023" });
});

test("migrating a database that already holds events lists their values", async () => {
  const earlier = await mkdtemp(path.join(os.tmpdir(), "msgevents-migrations-"));
  const database = await startTestDatabase();
  const pool = database.pool({ max: 2 });
  try {
    // The migrations as released before search_values was filled: everything up to 0005.
    await cp(migrationsFolder, earlier, { recursive: true });
    const journalPath = path.join(earlier, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { tag: string }[] };
    const cutAt = journal.entries.findIndex((entry) => entry.tag === "0006_value_catalog");
    await writeFile(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cutAt) }));
    await migrate(pool, { migrationsFolder: earlier });
    // Stored as the loader of that release stored events: every field beyond the columns in payload, no body.
    await new PartitionManager(pool).ensureFor([new Date("2024-06-01T00:00:00Z")]);
    await pool.query(
      `INSERT INTO events (event_time, type, event_id, batch_id, received_at, campaign_id, template_id, payload)
       VALUES ('2024-06-01T10:00:00Z', 'delivery', 'before-1', 'b', now(), 'before-upgrade', 'old-template', '{"x": 1}')`,
    );
    expect((await pool.query("SELECT count(*)::int AS n FROM search_values")).rows).toEqual([{ n: 0 }]);

    await migrate(pool);

    const result = await pool.query("SELECT field, value FROM search_values ORDER BY field");
    expect(result.rows).toEqual([
      { field: "campaign_id", value: "before-upgrade" },
      { field: "template_id", value: "old-template" },
    ]);
  } finally {
    await pool.end();
    await database.close();
    await rm(earlier, { recursive: true, force: true });
  }
});

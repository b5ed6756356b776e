import { EVENT_BODIES_BACKFILL, migrate, normalizeBatch, runBackfills } from "@msgevents/schema";
import { storeEventsAsBefore0013 } from "@msgevents/schema/testing";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { deleteEvents, findEventsInDay } from "../src/index.ts";

// Events stored before event bodies and batch numbers (0013, 0014) and converted by the event-bodies backfill (0018)
// name their batch by number and keep most fields in the encoded body: the eraser must still find them by recipient,
// name the raw batch they came from, and delete them with the search counts kept exact.

const ALICE = "alice.smith@example.com";
const DAYS = ["2025-03-01", "2025-03-02"];

let database: TestDatabase;
let pool: pg.Pool;

const event = (type: string, id: string, rcpt: string, day: string) => ({
  msys: {
    [type === "open" ? "track_event" : "message_event"]: {
      type,
      event_id: id,
      rcpt_to: rcpt,
      raw_rcpt_to: rcpt.toUpperCase(),
      timestamp: String(Date.parse(`${day}T10:00:00Z`) / 1000),
      campaign_id: "spring sale",
      rcpt_meta: { name: rcpt.split("@")[0] },
      user_agent: "Mozilla/5.0",
    },
  },
});

beforeAll(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 2 });
  await migrate(pool);
  await pool.query(
    `INSERT INTO batches (batch_id, object_key, received_at, status)
     VALUES ('old-batch', 'batches/old-batch.json', now(), 'loaded')`,
  );
  const records = DAYS.flatMap((day, index) => [
    event("delivery", `a${index}`, ALICE, day),
    event("open", `o${index}`, ALICE, day),
    event("delivery", `b${index}`, "bob@example.org", day),
  ]);
  const stored = await storeEventsAsBefore0013(pool, normalizeBatch(records).events, {
    batchId: "old-batch",
    receivedAt: new Date(),
  });
  expect(stored).toBe(6);
  await pool.query("SELECT msgevents_register_backfill($1, true)", [EVENT_BODIES_BACKFILL.name]);
  expect((await runBackfills(pool, { backfills: [EVENT_BODIES_BACKFILL] })).remaining).toBe(0);
  const { rows } = await pool.query(
    "SELECT count(*)::int AS n FROM events WHERE body IS NOT NULL AND batch_id IS NULL AND batch_number IS NOT NULL",
  );
  expect(rows[0]?.n).toBe(6);
});

afterAll(async () => {
  await pool?.end();
  await database?.close();
});

test("the eraser finds converted events by recipient, names their raw batch, and deletes them with exact search counts", async () => {
  const { rows } = await pool.query<{ token: number }>("SELECT hashtext('r=' || $1) AS token", [ALICE]);
  const tokens = rows.map((row) => row.token);
  const found = [];
  for (const day of DAYS) found.push(...(await findEventsInDay(pool, day, tokens)));
  expect(found.map((row) => [row.eventId, row.recipient, row.batchId]).sort()).toEqual([
    ["a0", ALICE, "old-batch"],
    ["a1", ALICE, "old-batch"],
    ["o0", ALICE, "old-batch"],
    ["o1", ALICE, "old-batch"],
  ]);

  expect(await deleteEvents(pool, found)).toBe(4);
  const left = await pool.query<{ event_id: string }>("SELECT event_id FROM events ORDER BY 1");
  expect(left.rows.map((row) => row.event_id)).toEqual(["b0", "b1"]);
  // The DELETE trigger took off what the INSERT trigger added when the events were stored (before the conversion):
  // the counts equal a recount of what is left.
  const counts = async () =>
    (await pool.query("SELECT to_jsonb(c) AS row FROM search_token_counts AS c WHERE events <> 0 ORDER BY 1")).rows;
  const kept = await counts();
  for (const day of DAYS) await pool.query("SELECT msgevents_fill_search_token_counts($1::date)", [day]);
  expect(kept).toEqual(await counts());
  expect(kept.length).toBeGreaterThan(0);
});

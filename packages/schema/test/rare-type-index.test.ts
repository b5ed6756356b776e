import { generateEvents, startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  COMMON_EVENT_TYPES,
  migrate,
  normalizeBatch,
  PartitionManager,
  RARE_TYPE_INDEX,
  RARE_TYPE_INDEX_BACKFILL,
  runBackfills,
} from "../src/index.ts";
import { migrateBefore, storeEvents } from "./support.ts";

// Migration 0021 creates the rare-type index on the parent alone (ON ONLY: nothing built, whatever is stored); the
// partitions created after it get their copy at creation, those stored before it from the backfill, a day at a time.

const DAYS = ["2024-06-01", "2024-06-02", "2024-06-03"];

let database: TestDatabase;
let pool: pg.Pool;

beforeEach(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 2 });
});

afterEach(async () => {
  await pool?.end();
  await database?.close();
});

/**
 * A database migrated with every migration before 0021 that holds `count` generated events up to `to` (from
 * 2024-06-01), then migrated to the latest. Returns how many events were stored.
 */
async function upgradedWithEvents(count: number, seed: number, to: string): Promise<number> {
  await migrateBefore(pool, "0021");
  const records = generateEvents(count, { seed, from: new Date("2024-06-01T00:00:00Z"), to: new Date(to) });
  const stored = await storeEvents(pool, normalizeBatch(records).events);
  await migrate(pool);
  return stored;
}

/** Each day partition's copy of the rare-type index (attached to the parent's), by partition, with its definition. */
async function dayCopies(): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ partition: string; definition: string }>(
    `SELECT t.relname AS partition, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_inherits ih JOIN pg_index i ON i.indexrelid = ih.inhrelid JOIN pg_class t ON t.oid = i.indrelid
     WHERE ih.inhparent = to_regclass($1) ORDER BY t.relname`,
    [RARE_TYPE_INDEX],
  );
  return Object.fromEntries(rows.map((row) => [row.partition, row.definition]));
}

async function parentIsValid(): Promise<boolean> {
  const { rows } = await pool.query<{ valid: boolean }>(
    "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)",
    [RARE_TYPE_INDEX],
  );
  return rows[0]?.valid ?? false;
}

/**
 * A day's copy of the index as PostgreSQL prints it. `filled`: the day was created after migration 0027, which sets
 * fillfactor 100 on the B-trees of each new day (the backfill builds its copies on older days with the default).
 */
const expectedCopy = (partition: string, { filled = false } = {}) =>
  `CREATE INDEX ${partition}_type_event_time_idx ON public.${partition} USING btree (type, event_time)${filled ? " WITH (fillfactor='100')" : ""} WHERE (type <> ALL (ARRAY[${COMMON_EVENT_TYPES.map((type) => `'${type}'::text`).join(", ")}]))`;

describe("the rare-type index (migration 0021)", () => {
  test("is built on the days stored before it by its backfill, one day each, and is valid once they all have it", async () => {
    expect(await upgradedWithEvents(900, 31, "2024-06-04T00:00:00Z")).toBe(900);
    const partitions = DAYS.map((day) => `events_${day.replaceAll("-", "")}`);
    expect(await dayCopies()).toEqual({});
    expect(await parentIsValid()).toBe(false);
    const queued = await pool.query<{ day: string }>(
      "SELECT day::text FROM backfill_days WHERE backfill = $1 AND done_at IS NULL ORDER BY day",
      [RARE_TYPE_INDEX_BACKFILL.name],
    );
    expect(queued.rows.map((row) => row.day)).toEqual(DAYS);

    const run = await runBackfills(pool, { backfills: [RARE_TYPE_INDEX_BACKFILL] });
    expect(run.failed).toEqual([]);
    expect(run.remaining).toBe(0);
    expect(run.filled.map((day) => day.day)).toEqual([...DAYS].reverse());
    // The day's rows, as the build counted them.
    const perDay = await pool.query<{ day: string; n: number }>(
      "SELECT (event_time AT TIME ZONE 'UTC')::date::text AS day, count(*)::int AS n FROM events GROUP BY 1 ORDER BY 1",
    );
    expect(run.filled.map((day) => day.events).reverse()).toEqual(perDay.rows.map((row) => row.n));
    expect(await dayCopies()).toEqual(Object.fromEntries(partitions.map((name) => [name, expectedCopy(name)])));
    expect(await parentIsValid()).toBe(true);

    // A rare type's search reads the day's copy.
    await pool.query("ANALYZE events");
    const plan = await pool.query<{ "QUERY PLAN": string }>(
      `EXPLAIN SELECT count(*) FROM events
       WHERE type = 'bounce' AND event_time >= '2024-06-02T00:00:00Z' AND event_time < '2024-06-03T00:00:00Z'`,
    );
    expect(plan.rows.map((row) => row["QUERY PLAN"]).join("\n")).toContain("events_20240602_type_event_time_idx");
  });

  test("a day that already has its copy is left as it is, and a day retention dropped counts nothing", async () => {
    await migrate(pool);
    await new PartitionManager(pool).ensureFor([new Date("2024-06-01T12:00:00Z")]);
    // Created after 0021: the partition has its copy from the start.
    expect(await dayCopies()).toEqual({ events_20240601: expectedCopy("events_20240601", { filled: true }) });
    const before = await pool.query("SELECT indexrelid FROM pg_index WHERE indrelid = 'events_20240601'::regclass");

    const fill = (day: string) =>
      pool.query<{ events: string }>("SELECT msgevents_fill_rare_type_index($1::date) AS events", [day]);
    expect((await fill("2024-06-01")).rows[0]?.events).toBe("0");
    const after = await pool.query("SELECT indexrelid FROM pg_index WHERE indrelid = 'events_20240601'::regclass");
    expect(after.rows).toEqual(before.rows);
    expect((await fill("2019-01-01")).rows[0]?.events).toBe("0");
  });

  test("a day whose partition a load holds is not waited for past the lock timeout, and is built at the next run", async () => {
    expect(await upgradedWithEvents(200, 32, "2024-06-02T00:00:00Z")).toBe(200);

    const load = await pool.connect();
    try {
      await load.query("BEGIN");
      await load.query("LOCK TABLE events_20240601 IN ROW EXCLUSIVE MODE");
      const held = await runBackfills(pool, { backfills: [RARE_TYPE_INDEX_BACKFILL], lockTimeoutMs: 200 });
      expect(held.filled).toEqual([]);
      expect(held.failed).toEqual([expect.objectContaining({ day: "2024-06-01", code: "55P03" })]);
      expect(await dayCopies()).toEqual({});
    } finally {
      await load.query("ROLLBACK");
      load.release();
    }
    const next = await runBackfills(pool, { backfills: [RARE_TYPE_INDEX_BACKFILL] });
    expect(next.filled.map((day) => day.day)).toEqual(["2024-06-01"]);
    expect(await dayCopies()).toEqual({ events_20240601: expectedCopy("events_20240601") });
    expect(await parentIsValid()).toBe(true);
  });
});

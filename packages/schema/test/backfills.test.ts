import { generateEvents } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  BACKFILLS,
  type Backfill,
  BackfillError,
  dropExpiredPartitions,
  METRIC_ROLLUPS_0016_BACKFILL,
  normalizeBatch,
  readBackfillProgress,
  runBackfills,
} from "../src/index.ts";
import { type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// Backfills on a current schema: events are stored (the triggers count them), the derived tables are then emptied
// and every day queued, as an upgraded database holds them; the fills must bring back exactly what the triggers wrote.

const DAYS = ["2024-06-03", "2024-06-02", "2024-06-01"];
/** The backfills of derived tables (the event-bodies backfill, which rewrites events, has tests of its own). */
const DERIVED_BACKFILLS = BACKFILLS.filter((backfill) => backfill.tables.length > 0);
/** The tables they fill (the Metrics API rollups and the search counts). */
const DERIVED = [...new Set(DERIVED_BACKFILLS.flatMap((backfill) => backfill.tables))];

let db: MigratedDatabase;
let pool: pg.Pool;
let keptByTriggers: Record<string, unknown[]>;

/** Every row of each derived table, in key order. */
async function derivedRows(): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of DERIVED) {
    const result = await pool.query(`SELECT to_jsonb(t) AS row FROM ${table} AS t ORDER BY 1`);
    rows[table] = result.rows.map((row) => row.row);
  }
  return rows;
}

/** The derived tables as an upgrade leaves them: empty, with every day of both backfills pending. */
async function queueEveryDay(): Promise<void> {
  await pool.query(`TRUNCATE ${DERIVED.join(", ")}`);
  await pool.query("DELETE FROM backfill_days");
  await pool.query("UPDATE backfills SET started_at = NULL");
  for (const backfill of DERIVED_BACKFILLS)
    await pool.query("SELECT msgevents_register_backfill($1, true)", [backfill.name]);
}

async function pendingDays(): Promise<string[]> {
  const { rows } = await pool.query<{ key: string }>(
    "SELECT backfill || ' ' || day::text AS key FROM backfill_days WHERE done_at IS NULL ORDER BY 1",
  );
  return rows.map((row) => row.key);
}

beforeAll(async () => {
  db = await startMigratedDatabase();
  pool = db.pool;
  const records = generateEvents(900, {
    seed: 5,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-04T00:00:00Z"),
    campaigns: 6,
    recipientDomains: 12,
  });
  await storeEvents(pool, normalizeBatch(records).events);
  keptByTriggers = await derivedRows();
  expect(keptByTriggers.metric_rollups?.length).toBeGreaterThan(0);
  expect(keptByTriggers.search_token_counts?.length).toBeGreaterThan(0);
});

afterAll(async () => {
  await db?.close();
});

beforeEach(async () => {
  await queueEveryDay();
});

describe("runBackfills", () => {
  test("fills every queued day, newest first, with exactly the rows the triggers keep", async () => {
    expect(await pendingDays()).toHaveLength(9);
    const result = await runBackfills(pool, { backfills: DERIVED_BACKFILLS });
    expect(result.failed).toEqual([]);
    expect(result.remaining).toBe(0);
    expect(result.filled.map((day) => `${day.day} ${day.backfill}`)).toEqual(
      DAYS.flatMap((day) => [`${day} metric_rollups`, `${day} metric_rollups_0016`, `${day} search_token_counts`]),
    );
    // The metric_rollups backfill has nothing left to do since 0016's recounts every metric rollup.
    expect(result.filled.reduce((sum, day) => sum + day.events, 0)).toBe(2 * 900);
    expect(await derivedRows()).toEqual(keptByTriggers);
  });

  test("filling a day again changes nothing, and a run with nothing queued does nothing", async () => {
    await runBackfills(pool, { backfills: DERIVED_BACKFILLS });
    await pool.query("UPDATE backfill_days SET done_at = NULL WHERE day = '2024-06-02'");
    const again = await runBackfills(pool, { backfills: DERIVED_BACKFILLS });
    expect(again.filled.map((day) => day.day)).toEqual(["2024-06-02", "2024-06-02", "2024-06-02"]);
    expect(await derivedRows()).toEqual(keptByTriggers);
    expect(await runBackfills(pool, { backfills: DERIVED_BACKFILLS })).toEqual({
      filled: [],
      failed: [],
      remaining: 0,
    });
  });

  test("a run stopped after a day leaves the rest queued, and the next run finishes them", async () => {
    const stop = new AbortController();
    const first = await runBackfills(pool, {
      backfills: DERIVED_BACKFILLS,
      signal: stop.signal,
      onDay: () => stop.abort(),
    });
    expect(first.filled).toHaveLength(1);
    expect(first.remaining).toBe(8);
    expect(await runBackfills(pool, { backfills: DERIVED_BACKFILLS, budgetMs: 0 })).toEqual({
      filled: [],
      failed: [],
      remaining: 8,
    });
    const second = await runBackfills(pool, { backfills: DERIVED_BACKFILLS });
    expect(second.filled).toHaveLength(8);
    expect(await derivedRows()).toEqual(keptByTriggers);
  });

  test("runners started at once fill each day once between them", async () => {
    const other = db.database.pool({ max: 2 });
    try {
      const results = await Promise.all([
        runBackfills(pool, { backfills: DERIVED_BACKFILLS }),
        runBackfills(other, { backfills: DERIVED_BACKFILLS }),
        runBackfills(pool, { backfills: DERIVED_BACKFILLS }),
      ]);
      const filled = results.flatMap((result) => result.filled.map((day) => `${day.backfill} ${day.day}`));
      expect(filled.sort()).toEqual(
        DERIVED_BACKFILLS.flatMap((backfill) => DAYS.map((day) => `${backfill.name} ${day}`)).sort(),
      );
      expect(await derivedRows()).toEqual(keptByTriggers);
    } finally {
      await other.end();
    }
  });

  test("a day whose loads hold it past the lock timeout is retried, and raises the alarm only once it keeps failing", async () => {
    const holder = db.database.client();
    await holder.connect();
    try {
      // An open load transaction on the newest day: its fill must wait, and gives up after lockTimeoutMs. So does
      // the day before's, which locks the next day too (the part of its last hours of :15 and :30 zones).
      await holder.query("BEGIN; LOCK TABLE events_20240603 IN ROW EXCLUSIVE MODE");
      const options = { lockTimeoutMs: 50, backfills: [METRIC_ROLLUPS_0016_BACKFILL] };
      const first = await runBackfills(pool, options);
      expect(first.filled.map((day) => day.day)).toEqual(["2024-06-01"]);
      expect(first.failed).toMatchObject([
        { backfill: "metric_rollups_0016", day: "2024-06-03", code: "55P03", failures: 1 },
        { backfill: "metric_rollups_0016", day: "2024-06-02", code: "55P03", failures: 1 },
      ]);
      await expect(runBackfills(pool, options)).resolves.toMatchObject({
        failed: [{ failures: 2 }, { failures: 2 }],
      });
      const third = await runBackfills(pool, options).catch((error: unknown) => error);
      expect(third).toBeInstanceOf(BackfillError);
      expect((third as BackfillError).message).toMatch(/metric_rollups_0016 2024-06-03 \(3 time\(s\) in a row: .*lock/);
      const progress = (await readBackfillProgress(pool)).find((backfill) => backfill.name === "metric_rollups_0016");
      expect(progress).toMatchObject({ status: "failing", daysDone: 1, daysTotal: 3 });
      expect(progress?.lastError).toMatch(/lock/);
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    const after = await runBackfills(pool, { backfills: DERIVED_BACKFILLS });
    expect(after.filled.map((day) => `${day.backfill} ${day.day}`)).toContain("metric_rollups_0016 2024-06-03");
    expect(await derivedRows()).toEqual(keptByTriggers);
    const progress = (await readBackfillProgress(pool)).find((backfill) => backfill.name === "metric_rollups_0016");
    expect(progress).toMatchObject({ status: "done", daysDone: 3, lastError: null });
  });

  test("a fill that fails otherwise raises the alarm at once, after the other days are done, and keeps its error", async () => {
    await pool.query(`
      CREATE OR REPLACE FUNCTION msgevents_fill_test_broken(day date) RETURNS bigint LANGUAGE plpgsql AS $$
      BEGIN
        IF day = '2024-06-02' THEN RAISE EXCEPTION 'cannot fill %', day; END IF;
        RETURN 0;
      END $$`);
    const broken: Backfill = { name: "test_broken", migration: "test", tables: [], fill: "msgevents_fill_test_broken" };
    try {
      await pool.query("SELECT msgevents_register_backfill('test_broken', true)");
      const error = await runBackfills(pool, { backfills: [broken] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackfillError);
      expect((error as BackfillError).result.filled.map((day) => day.day)).toEqual(["2024-06-03", "2024-06-01"]);
      expect((error as BackfillError).message).toContain(
        "test_broken 2024-06-02 (1 time(s) in a row: cannot fill 2024-06-02)",
      );
      const progress = (await readBackfillProgress(pool)).find((backfill) => backfill.name === "test_broken");
      expect(progress).toMatchObject({
        status: "failing",
        daysDone: 2,
        daysTotal: 3,
        lastError: "cannot fill 2024-06-02",
      });
    } finally {
      await pool.query("DELETE FROM backfill_days WHERE backfill = 'test_broken'");
      await pool.query("DELETE FROM backfills WHERE name = 'test_broken'");
    }
  });
});

describe("readBackfillProgress", () => {
  test("shows each backfill's days done of total, events filled and their rate, and when it started and finished", async () => {
    const derived = async () =>
      (await readBackfillProgress(pool)).filter((progress) =>
        DERIVED_BACKFILLS.some((backfill) => backfill.name === progress.name),
      );
    expect(await derived()).toMatchObject([
      { name: "metric_rollups", status: "waiting", daysDone: 0, daysTotal: 3, eventsFilled: 0, startedAt: null },
      { name: "metric_rollups_0016", status: "waiting", daysDone: 0, daysTotal: 3, eventsPerSecond: null },
      { name: "search_token_counts", status: "waiting", daysDone: 0, daysTotal: 3, eventsPerSecond: null },
    ]);
    const stop = new AbortController();
    await runBackfills(pool, { backfills: DERIVED_BACKFILLS, signal: stop.signal, onDay: () => stop.abort() });
    const [rollups] = await derived();
    expect(rollups).toMatchObject({ status: "filling", daysDone: 1, finishedAt: null });
    expect(rollups?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await runBackfills(pool, { backfills: DERIVED_BACKFILLS });
    for (const progress of await derived()) {
      expect(progress).toMatchObject({ status: "done", daysDone: 3, daysTotal: 3, lastError: null });
      // metric_rollups reads nothing since 0016's backfill recounts every metric rollup.
      if (progress.name === "metric_rollups") expect(progress.eventsFilled).toBe(0);
      else expect(progress.eventsPerSecond).toBeGreaterThan(0);
      expect(progress.finishedAt).toMatch(/Z$/);
    }
  });
});

describe("retention", () => {
  test("a queued day whose partition retention dropped is done with nothing to read", async () => {
    const dropped = await dropExpiredPartitions(pool, {
      retentionDays: 1,
      now: new Date("2024-06-03T00:00:00Z"),
    });
    expect(dropped).toEqual(["events_20240601"]);
    const result = await runBackfills(pool, { backfills: DERIVED_BACKFILLS });
    expect(result.filled.filter((day) => day.day === "2024-06-01").map((day) => day.events)).toEqual([0, 0, 0]);
    expect(result.remaining).toBe(0);
    const rows = await pool.query("SELECT count(*)::int AS n FROM metric_rollups WHERE bucket_start < '2024-06-02'");
    expect(rows.rows[0].n).toBe(0);
  });
});

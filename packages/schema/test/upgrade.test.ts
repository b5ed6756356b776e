import { earlierMigrations, generateEvents, startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { migrate, migrationTags, normalizeBatch } from "../src/index.ts";
import { migrateBefore, storeLegacyEvents } from "./support.ts";

// Upgrading databases that hold events, from the states earlier versions of main left (the committed 11cc0ad
// migrations, cut before a migration): the migrations read no event and queue, for each backfill whose table they
// created, every day that exists.

const DAYS = ["2024-06-01", "2024-06-02", "2024-06-03"];

let database: TestDatabase;
/** One connection, so that the statistics of everything done through it can be flushed before they are read. */
let pool: pg.Pool;

beforeEach(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 1 });
});

afterEach(async () => {
  await pool?.end();
  await database?.close();
});

/** A database in the state of the 11cc0ad migrations before `before` (all of them without it), holding 600 events. */
async function earlierDatabaseWithEvents(before?: string): Promise<void> {
  const earlier = await earlierMigrations(before === undefined ? {} : { before });
  try {
    await migrate(pool, { migrationsFolder: earlier.folder });
  } finally {
    await earlier.remove();
  }
  const records = generateEvents(600, {
    seed: 9,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-04T00:00:00Z"),
  });
  expect(await storeLegacyEvents(pool, normalizeBatch(records).events)).toBe(600);
}

/**
 * Rows read and written in each day partition, as the statistics count them (scans started, rows inserted, updated,
 * deleted). The connection's pending statistics are flushed first: they are reported when the session goes idle
 * after pg_stat_force_next_flush(), before it answers.
 */
async function partitionActivity(): Promise<Record<string, string>> {
  await pool.query("SELECT pg_stat_force_next_flush()");
  const { rows } = await pool.query<{ name: string; activity: string }>(`
    SELECT relname AS name,
           concat_ws(' ', seq_scan, coalesce(idx_scan, 0), n_tup_ins, n_tup_upd, n_tup_del) AS activity
    FROM pg_stat_user_tables WHERE relname ~ '^events_[0-9]{8}$' ORDER BY relname`);
  return Object.fromEntries(rows.map((row) => [row.name, row.activity]));
}

async function queuedDays(): Promise<Record<string, string[]>> {
  const { rows } = await pool.query<{ name: string; days: string[] }>(`
    SELECT b.name, coalesce(array_agg(d.day::text ORDER BY d.day) FILTER (WHERE d.day IS NOT NULL), '{}') AS days
    FROM backfills b LEFT JOIN backfill_days d ON d.backfill = b.name AND d.done_at IS NULL
    GROUP BY b.name ORDER BY b.name`);
  return Object.fromEntries(rows.map((row) => [row.name, row.days]));
}

async function count(table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? 0;
}

describe("upgrading a database that holds events", () => {
  test("from before the rollups (0007): 0008-0032 read no event and queue every day of every backfill (0031's and 0032's conversions once loads name ids)", async () => {
    await earlierDatabaseWithEvents("0008");
    const before = await partitionActivity();
    expect(Object.keys(before)).toEqual(DAYS.map((day) => `events_${day.replaceAll("-", "")}`));

    expect(await migrate(pool)).toEqual(await migrationTags({ first: "0008" }));

    expect(await partitionActivity()).toEqual(before);
    expect(await queuedDays()).toEqual({
      event_bodies_0018: DAYS,
      metric_rollups: DAYS,
      metric_rollups_0016: DAYS,
      rare_type_index_0021: DAYS,
      search_token_counts: DAYS,
      text_refs_index_0030: DAYS,
      texts_by_id_0031: [],
      payload_refs_index_0032: DAYS,
      payloads_by_id_0032: [],
    });
    expect(await count("metric_rollups")).toBe(0);
    expect(await count("search_token_counts")).toBe(0);
  });

  test("from after the rollups (0009): only the search counts, which 0010 creates now, 0016's recount of the metric rollups, 0018's event bodies and the indexes of 0021, 0030 and 0032 are queued", async () => {
    await earlierDatabaseWithEvents("0010");
    const rollups = await count("metric_rollups");
    expect(rollups).toBeGreaterThan(0);
    const before = await partitionActivity();
    expect(await migrate(pool)).toEqual(await migrationTags({ first: "0010" }));
    expect(await partitionActivity()).toEqual(before);
    expect(await queuedDays()).toEqual({
      event_bodies_0018: DAYS,
      metric_rollups: [],
      metric_rollups_0016: DAYS,
      rare_type_index_0021: DAYS,
      search_token_counts: DAYS,
      text_refs_index_0030: DAYS,
      texts_by_id_0031: [],
      payload_refs_index_0032: DAYS,
      payloads_by_id_0032: [],
    });
    expect(await count("metric_rollups")).toBe(rollups);
  });

  test("from 11cc0ad (0010, whose migrations filled both tables): 0011 reads no event and queues nothing, 0016 its recount of the metric rollups, 0018 the event bodies, 0021, 0030 and 0032 their indexes", async () => {
    await earlierDatabaseWithEvents();
    const before = await partitionActivity();
    expect(await migrate(pool)).toEqual(await migrationTags({ first: "0011" }));
    expect(await partitionActivity()).toEqual(before);
    expect(await queuedDays()).toEqual({
      event_bodies_0018: DAYS,
      metric_rollups: [],
      metric_rollups_0016: DAYS,
      rare_type_index_0021: DAYS,
      search_token_counts: [],
      text_refs_index_0030: DAYS,
      texts_by_id_0031: [],
      payload_refs_index_0032: DAYS,
      payloads_by_id_0032: [],
    });
  });

  test("from 0017 (event bodies and batch numbers, before their backfill): 0018, 0021, 0030 and 0032 read no event and queue every day of their backfills", async () => {
    await migrateBefore(pool, "0018");
    const records = generateEvents(300, {
      seed: 10,
      from: new Date("2024-06-01T00:00:00Z"),
      to: new Date("2024-06-04T00:00:00Z"),
    });
    expect(await storeLegacyEvents(pool, normalizeBatch(records).events)).toBe(300);
    const before = await partitionActivity();
    expect(await migrate(pool)).toEqual(await migrationTags({ first: "0018" }));
    expect(await partitionActivity()).toEqual(before);
    expect(await queuedDays()).toEqual({
      event_bodies_0018: DAYS,
      metric_rollups: [],
      metric_rollups_0016: [],
      rare_type_index_0021: DAYS,
      search_token_counts: [],
      text_refs_index_0030: DAYS,
      texts_by_id_0031: [],
      payload_refs_index_0032: DAYS,
      payloads_by_id_0032: [],
    });
  });
});

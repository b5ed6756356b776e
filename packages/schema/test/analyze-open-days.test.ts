import { createEventGenerator } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { analyzeOpenPartitions, maintainPartitions, normalizeBatch, PartitionManager } from "../src/index.ts";
import { type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// The day still being written is analyzed by the hourly maintenance each time its rows have doubled, so that searches
// of it are planned with its values (which types are rare) before autovacuum gets to it.

const NOW = new Date("2024-06-01T18:00:00Z");
const TODAY = "events_20240601";
const YESTERDAY = "events_20240531";

let db: MigratedDatabase;
/** One connection, so that the statistics of what it stored can be flushed before they are read. */
let single: pg.Pool;
let seed = 40;

beforeAll(async () => {
  db = await startMigratedDatabase();
  single = db.database.pool({ max: 1 });
  await new PartitionManager(single).ensureAround(NOW, { daysBack: 1, daysAhead: 1 });
  // Autovacuum analyzing a day on its own would take the count of analyses out of the test's hands.
  for (const table of [TODAY, YESTERDAY]) await single.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
});
afterAll(async () => {
  await single?.end();
  await db?.close();
});

/** Stores `count` generated events between `from` and `to`, and flushes the statistics of their inserts. */
async function store(count: number, from: string, to: string): Promise<void> {
  seed += 1;
  const records = createEventGenerator({ seed, total: count, from: new Date(from), to: new Date(to) }).take(count);
  await storeEvents(single, normalizeBatch(records).events, `batch-${seed}`);
  await single.query("SELECT pg_stat_force_next_flush()");
}

async function analyses(table: string): Promise<number> {
  const { rows } = await single.query<{ n: number }>(
    "SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE relname = $1",
    [table],
  );
  return rows[0]?.n ?? 0;
}

describe("analyzing the days still being written", () => {
  test("a day is first analyzed at 1,000 rows, then each time its rows have doubled; ended days are left to their vacuum", async () => {
    await store(600, "2024-06-01T00:00:00Z", "2024-06-01T06:00:00Z");
    await store(1500, "2024-05-31T00:00:00Z", "2024-06-01T00:00:00Z");
    expect(await analyzeOpenPartitions(single, { now: NOW })).toEqual([]);

    await store(600, "2024-06-01T06:00:00Z", "2024-06-01T08:00:00Z");
    expect(await analyzeOpenPartitions(single, { now: NOW })).toEqual([TODAY]);
    expect(await analyses(TODAY)).toBe(1);
    expect(await analyses(YESTERDAY)).toBe(0);
    expect(await analyzeOpenPartitions(single, { now: NOW })).toEqual([]);

    // 1,200 rows at the analysis: 1,100 more are not a doubling, 1,200 are.
    await store(1100, "2024-06-01T08:00:00Z", "2024-06-01T10:00:00Z");
    expect(await analyzeOpenPartitions(single, { now: NOW })).toEqual([]);
    await store(100, "2024-06-01T10:00:00Z", "2024-06-01T11:00:00Z");
    expect(await analyzeOpenPartitions(single, { now: NOW, vacuumBudgetMs: 0 })).toEqual([]);
    expect(await analyzeOpenPartitions(single, { now: NOW })).toEqual([TODAY]);
    expect(await analyses(TODAY)).toBe(2);
  });

  test("the hourly maintenance does it, and reports the days it analyzed", async () => {
    await store(2500, "2024-06-01T11:00:00Z", "2024-06-01T17:00:00Z");
    const result = await maintainPartitions(single, { now: NOW, daysBack: 1, daysAhead: 1 });
    expect(result.analyzed).toEqual([TODAY]);
    expect(result.vacuumed).toEqual([YESTERDAY]);
    expect(await analyses(TODAY)).toBe(3);
  });
});

import { createEventGenerator } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compactEndedDays, dropExpiredPartitions, maintainPartitions, normalizeBatch } from "../src/index.ts";
import { SEARCH_COUNTS_BY_QUARTER, searchCountsAgainstRecount } from "../src/testing/index.ts";
import { type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// The hourly maintenance compacts each ended day's search counts into a row per token (migration 0022). Whatever
// happens to the day before, during or after (late events, erasures, the counts' backfill, retention), every quarter
// hour's count must stay the number of its stored events holding the token: searches count their matches from it.

const NOW = new Date("2024-06-04T12:00:00Z");

let db: MigratedDatabase;
let seed = 70;

beforeAll(async () => {
  db = await startMigratedDatabase();
});
afterAll(async () => {
  await db?.close();
});

/** Stores `count` generated events between `from` and `to` in batches of 200 (one INSERT, one trigger run each). */
async function store(count: number, from: string, to: string): Promise<void> {
  seed += 1;
  const records = createEventGenerator({ seed, total: count, from: new Date(from), to: new Date(to) }).take(count);
  for (let start = 0; start < records.length; start += 200) {
    await storeEvents(db.pool, normalizeBatch(records.slice(start, start + 200)).events, `batch-${seed}-${start}`);
  }
}

async function rows(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) AS counted`, params);
  return Number(rows[0]?.n);
}

const quarterRowsOf = (day: string) =>
  rows("SELECT FROM search_token_counts WHERE (bucket_start AT TIME ZONE 'UTC')::date = $1::date", [day]);
const compactedRowsOf = (day: string) => rows("SELECT FROM search_token_day_counts WHERE day = $1::date", [day]);

async function expectCountsToMatchRecount(): Promise<void> {
  const counts = await searchCountsAgainstRecount(db.pool);
  expect(counts).toMatchObject({ differing: 0, invalid: 0 });
  expect(counts.kept).toBeGreaterThan(0);
}

describe("compacting the search counts of ended days", () => {
  test("the maintenance moves each ended day into a row per token, every quarter hour's count unchanged", async () => {
    await store(2000, "2024-06-01T00:00:00Z", "2024-06-04T12:00:00Z");
    const before = (await db.pool.query(`${SEARCH_COUNTS_BY_QUARTER} ORDER BY 1, 2`)).rows;
    const quarterRows = await quarterRowsOf("2024-06-02");

    const result = await maintainPartitions(db.pool, { now: NOW, daysBack: 1, daysAhead: 1 });

    expect(result.compacted).toEqual(["2024-06-01", "2024-06-02", "2024-06-03"]);
    expect((await db.pool.query(`${SEARCH_COUNTS_BY_QUARTER} ORDER BY 1, 2`)).rows).toEqual(before);
    for (const day of result.compacted) expect(await quarterRowsOf(day)).toBe(0);
    // Today is still being written: its counts stay where loads add to them.
    expect(await quarterRowsOf("2024-06-04")).toBeGreaterThan(0);
    expect(await compactedRowsOf("2024-06-04")).toBe(0);
    expect(await compactedRowsOf("2024-06-02")).toBeLessThan(quarterRows);
    expect(await compactEndedDays(db.pool, { now: NOW })).toEqual([]);
  });

  test("events that arrive for a compacted day are counted in rows of their own, merged by the next run", async () => {
    await store(300, "2024-06-02T06:00:00Z", "2024-06-02T18:00:00Z");
    expect(await quarterRowsOf("2024-06-02")).toBeGreaterThan(0);
    await expectCountsToMatchRecount();

    expect(await compactEndedDays(db.pool, { now: NOW })).toEqual(["2024-06-02"]);
    expect(await quarterRowsOf("2024-06-02")).toBe(0);
    await expectCountsToMatchRecount();
  });

  test("an erasure lowers counts in both places, removing what reaches zero", async () => {
    // A late event's count in a row of its own beside the compacted day's row, and erasures over both.
    await store(100, "2024-06-03T10:00:00Z", "2024-06-03T11:00:00Z");
    const deleted = await db.pool.query(
      "DELETE FROM events WHERE event_time >= '2024-06-03T00:00:00Z' AND event_time < '2024-06-03T12:00:00Z' AND (type = 'delivery' OR rcpt_to LIKE 'a%')",
    );
    expect(deleted.rowCount).toBeGreaterThan(0);
    await expectCountsToMatchRecount();
    // A whole hour erased: its quarter hours are gone from the compacted rows, not kept as zeros.
    await db.pool.query(
      "DELETE FROM events WHERE event_time >= '2024-06-01T05:00:00Z' AND event_time < '2024-06-01T06:00:00Z'",
    );
    await expectCountsToMatchRecount();
    expect(
      await rows(
        `SELECT FROM search_token_day_counts AS d, unnest(d.quarters) AS q(quarter)
         WHERE d.day = '2024-06-01' AND q.quarter BETWEEN 20 AND 23`,
      ),
    ).toBe(0);
  });

  test("erasing every event of a token's day removes its compacted row", async () => {
    await db.pool.query(
      "DELETE FROM events WHERE event_time >= '2024-06-01T00:00:00Z' AND event_time < '2024-06-01T12:00:00Z' AND type = 'delivery'",
    );
    await expectCountsToMatchRecount();
    expect(await rows("SELECT FROM search_token_day_counts WHERE day = '2024-06-01' AND token = 't=delivery'")).toBe(1);
    await db.pool.query(
      "DELETE FROM events WHERE event_time >= '2024-06-01T00:00:00Z' AND event_time < '2024-06-02T00:00:00Z' AND type = 'delivery'",
    );
    expect(await rows("SELECT FROM search_token_day_counts WHERE day = '2024-06-01' AND token = 't=delivery'")).toBe(0);
    await expectCountsToMatchRecount();
  });

  test("the counts' backfill recounts a compacted day from its events without counting it twice", async () => {
    await db.pool.query("SELECT msgevents_fill_search_token_counts('2024-06-02')");
    expect(await compactedRowsOf("2024-06-02")).toBe(0);
    expect(await quarterRowsOf("2024-06-02")).toBeGreaterThan(0);
    await expectCountsToMatchRecount();
    // (2024-06-03 too: the late events of the erasure test above.)
    expect(await compactEndedDays(db.pool, { now: NOW })).toEqual(["2024-06-02", "2024-06-03"]);
    await expectCountsToMatchRecount();
  });

  test("loads and erasures of a day while it is compacted are neither lost nor counted twice", async () => {
    await store(1500, "2024-06-03T00:00:00Z", "2024-06-04T00:00:00Z");
    await Promise.all([
      compactEndedDays(db.pool, { now: NOW }),
      store(600, "2024-06-03T00:00:00Z", "2024-06-04T00:00:00Z"),
      db.pool.query(
        "DELETE FROM events WHERE event_time >= '2024-06-03T00:00:00Z' AND event_time < '2024-06-04T00:00:00Z' AND rcpt_to LIKE 'b%'",
      ),
      compactEndedDays(db.pool, { now: NOW }),
    ]);
    await expectCountsToMatchRecount();
    await compactEndedDays(db.pool, { now: NOW });
    expect(await quarterRowsOf("2024-06-03")).toBe(0);
    await expectCountsToMatchRecount();
  });

  test("retention drops a day's compacted counts with its partition", async () => {
    expect(await compactedRowsOf("2024-06-01")).toBeGreaterThan(0);
    const dropped = await dropExpiredPartitions(db.pool, {
      retentionDays: 1,
      now: new Date("2024-06-03T00:00:00Z"),
    });
    expect(dropped).toEqual(["events_20240601"]);
    expect(await compactedRowsOf("2024-06-01")).toBe(0);
    await expectCountsToMatchRecount();
  });
});

import { METRIC_ROLLUPS_0016_BACKFILL, migrate, runBackfills } from "@msgevents/schema";
import { type EarlierMigrations, earlierMigrations, generateEvents } from "@msgevents/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { expectDerivedTablesToMatchRecount, metricAnswers, recountedMetricAnswers } from "./recount.ts";
import { insertLegacyRecords, type QueryFixture, startQueryFixture } from "./support.ts";

// A database whose Metrics API rollups were kept before migration 0016 (11cc0ad's migrations: uniques per 15 minutes
// and per day, no reason rollups) is upgraded: every day stored is queued for the metric_rollups_0016 backfill. Every
// Metrics API answer (uniques per minute, per hour of Kathmandu and Kolkata, per day among them) must be the same with
// no day filled, as the days are filled one by one, and after.

let fixture: QueryFixture;
let earlier: EarlierMigrations;

beforeAll(async () => {
  earlier = await earlierMigrations();
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"), { migrationsFolder: earlier.folder });
  const spread = generateEvents(900, {
    seed: 23,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-04T00:00:00Z"),
    campaigns: 8,
    recipientDomains: 20,
  });
  // Messages opened again within minutes either side of midnight: hours of :15 and :30 zones that cut the day.
  const midnight = generateEvents(600, {
    seed: 24,
    from: new Date("2024-06-01T23:20:00Z"),
    to: new Date("2024-06-02T00:40:00Z"),
    campaigns: 4,
    recipientDomains: 8,
  });
  await insertLegacyRecords(fixture, [...spread, ...midnight]);
  const { rows } = await fixture.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM metric_rollups");
  expect(rows[0]?.n).toBeGreaterThan(0);
  expect(await migrate(fixture.pool)).toContain("0016_sparkpost_metrics");
});

afterAll(async () => {
  await fixture?.close();
  await earlier?.remove();
});

async function pendingDays(): Promise<string[]> {
  const { rows } = await fixture.pool.query<{ day: string }>(
    "SELECT day::text AS day FROM backfill_days WHERE backfill = 'metric_rollups_0016' AND done_at IS NULL ORDER BY 1",
  );
  return rows.map((row) => row.day);
}

test("every metrics answer is the same with no day recounted, as each day is, and after; then the rollups equal a recount", async () => {
  expect(await pendingDays()).toEqual(["2024-06-01", "2024-06-02", "2024-06-03"]);
  const recounted = await recountedMetricAnswers(fixture.db);
  expect(JSON.stringify(recounted)).toMatch(/"count_unique_confirmed_opened":[1-9]/);
  expect(await metricAnswers(fixture.db)).toEqual(recounted);
  for (const left of [2, 1, 0]) {
    const stop = new AbortController();
    // This backfill's days alone (0018's event bodies are queued for the same days and have tests of their own).
    await runBackfills(fixture.pool, {
      backfills: [METRIC_ROLLUPS_0016_BACKFILL],
      signal: stop.signal,
      onDay: () => stop.abort(),
    });
    expect(await pendingDays()).toHaveLength(left);
    expect(await metricAnswers(fixture.db)).toEqual(recounted);
  }
  await expectDerivedTablesToMatchRecount(fixture);
});

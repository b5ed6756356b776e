import { createEventGenerator } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { maintainPartitions, normalizeBatch, pruneEngagement } from "../src/index.ts";
import { type MigratedDatabase, rowsAsCounted, startMigratedDatabase, storeEvents } from "./support.ts";

// metric_engagement (which message had which unique engagement, per UTC day) only serves the day's later engagement
// events, so the hourly maintenance prunes it past the late-arrival horizon (migration 0026). Unique metrics must stay
// what a recount of the stored events gives, including after late events for a pruned day.

const NOW = new Date("2024-06-04T12:00:00Z");
const FROM = new Date("2024-05-28T00:00:00Z");
const TO = new Date("2024-06-04T11:00:00Z");
/** The first day whose rows are kept: today (2024-06-04) less the default 3 days. */
const KEEP_FROM = "2024-06-01";

type TrackEvent = { type: string; event_id: string; timestamp: string };
type WebhookRecord = { msys: Record<string, TrackEvent> };

let db: MigratedDatabase;
const generated = createEventGenerator({ seed: 26, total: 8000, from: FROM, to: TO }).take(8000) as WebhookRecord[];

beforeAll(async () => {
  db = await startMigratedDatabase();
  await db.pool.query("CREATE VIEW metric_days AS SELECT * FROM metric_rollups WHERE bucket_minutes = 1440");
  await store(generated, "traffic");
});
afterAll(() => db?.close());

async function store(records: WebhookRecord[], batch: string): Promise<void> {
  const { events } = normalizeBatch(records);
  for (let start = 0; start < events.length; start += 500) {
    await storeEvents(db.pool, events.slice(start, start + 500), `${batch}-${start}`);
  }
}

async function engagementRows(where: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM metric_engagement WHERE ${where}`);
  return Number(rows[0]?.n);
}

/** What the Metrics API's unique metrics read: the hour and day uniques, and the day rows' minute uniques. */
async function uniqueMetrics(): Promise<string[]> {
  return [...(await rowsAsCounted(db.pool, "metric_unique_rollups")), ...(await rowsAsCounted(db.pool, "metric_days"))];
}

/** The same metrics counted again from every stored event at once by the rollup trigger's statement (destructive). */
async function recountedUniqueMetrics(): Promise<string[]> {
  await db.pool.query("TRUNCATE metric_rollups, bounce_rollups, metric_unique_rollups, metric_engagement");
  const { rows } = await db.pool.query<{ sql: string }>(
    "SELECT msgevents_rollup_statement('(SELECT * FROM events)') AS sql",
  );
  await db.pool.query(rows[0]?.sql ?? "");
  return uniqueMetrics();
}

/** Copies of stored opens and clicks of 2024-05-30 (midday, so no row of the day before is written): same messages. */
function lateCopies(): WebhookRecord[] {
  const dayStart = Date.parse("2024-05-30T06:00:00Z") / 1000;
  const dayEnd = Date.parse("2024-05-30T18:00:00Z") / 1000;
  return generated.flatMap((record) =>
    Object.entries(record.msys).flatMap(([kind, event]) => {
      const seconds = Number(event.timestamp);
      if (!["open", "initial_open", "click"].includes(event.type) || seconds < dayStart || seconds >= dayEnd) return [];
      const late = { ...event, event_id: `${event.event_id}9`, timestamp: String(seconds + 90) };
      return [{ msys: { [kind]: late } }];
    }),
  );
}

describe("pruning metric_engagement past the late-arrival horizon", () => {
  test("the maintenance deletes the rows of the days past the horizon, and no metric changes", async () => {
    const kept = await engagementRows(`day >= '${KEEP_FROM}'`);
    const before = await uniqueMetrics();
    expect(await engagementRows(`day < '${KEEP_FROM}'`)).toBeGreaterThan(0);

    const result = await maintainPartitions(db.pool, { now: NOW, daysBack: 1, daysAhead: 1 });

    expect(result.engagementPruned).toEqual(["2024-05-27", "2024-05-28", "2024-05-29", "2024-05-30", "2024-05-31"]);
    expect(result.engagementRecounted).toEqual([]);
    expect(await engagementRows(`day < '${KEEP_FROM}'`)).toBe(0);
    expect(await engagementRows(`day >= '${KEEP_FROM}'`)).toBe(kept);
    expect(await uniqueMetrics()).toEqual(before);
    expect(await pruneEngagement(db.pool, { now: NOW })).toEqual({ pruned: [], recounted: [] });
  });

  test("late engagement of a pruned day is recounted by the next run, and its rows pruned again", async () => {
    const late = lateCopies();
    expect(late.length).toBeGreaterThan(20);
    await store(late, "late");
    // Counted with nothing to check against: each message's second open counts as its day's first again.
    const overcounted = await uniqueMetrics();
    expect(await engagementRows("day = '2024-05-30'")).toBeGreaterThan(0);

    const result = await maintainPartitions(db.pool, { now: NOW, daysBack: 1, daysAhead: 1 });

    expect(result).toMatchObject({ engagementPruned: [], engagementRecounted: ["2024-05-30"] });
    expect(result.compacted).toContain("2024-05-30");
    expect(await engagementRows(`day < '${KEEP_FROM}'`)).toBe(0);
    const maintained = await uniqueMetrics();
    const recounted = await recountedUniqueMetrics();
    expect(maintained).toEqual(recounted);
    expect(overcounted).not.toEqual(recounted);
  });

  test("a horizon shorter than a day is refused", async () => {
    await expect(pruneEngagement(db.pool, { now: NOW, keepDays: 0 })).rejects.toThrow(/keepDays/);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Logger } from "@aws-lambda-powertools/logger";
import { type LoaderDeps, loadBatch } from "@msgevents/loader";
import { BACKFILLS, migrate, PartitionManager, runBackfills } from "@msgevents/schema";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import { type EarlierMigrations, earlierMigrations, generateEvents, type WebhookRecord } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { expectDerivedTablesToMatchRecount } from "./recount.ts";
import { insertLegacyRecords, type QueryFixture, startQueryFixture } from "./support.ts";

// An event loaded while its day is being backfilled is counted exactly once. A day's fill locks the day partition in
// SHARE mode: a load into that day committed before the lock was granted is in the fill's recount (and the rows its
// trigger wrote are replaced by it), and a load after waits for the fill to commit, then its trigger adds its events
// on top. Proven with real loads (loadBatch, several at once, replays and overlapping batches included) into the days
// being filled, over and over, then every derived row compared with a recount of the events.

const EVENTS = 1_500;
const PER_BATCH = 50;

let fixture: QueryFixture;
let earlier: EarlierMigrations;
let storeDir: string;
let loaderPool: pg.Pool;
let deps: LoaderDeps;
let records: WebhookRecord[];

let stored = 0;
async function load(batch: readonly unknown[]): Promise<void> {
  stored += 1;
  const key = batchKey(`concurrent-${String(stored).padStart(4, "0")}`, new Date("2024-06-04T12:00:00Z"));
  await deps.store.put(key, new TextEncoder().encode(JSON.stringify(batch)));
  await loadBatch(key, deps);
}

beforeAll(async () => {
  earlier = await earlierMigrations({ before: "0008" });
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"), { migrationsFolder: earlier.folder });
  storeDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-backfill-loads-"));
  loaderPool = fixture.database.pool({ max: 4, application_name: "loader-under-test" });
  deps = {
    pool: loaderPool,
    store: new FileObjectStore(storeDir),
    partitions: new PartitionManager(loaderPool),
    logger: new Logger({ serviceName: "msgevents-backfill-loads-test", logLevel: "SILENT" }),
  };
  records = generateEvents(EVENTS, {
    seed: 31,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-04T00:00:00Z"),
    campaigns: 6,
    recipientDomains: 15,
  });
  // A third of the events, from every day, stored before the upgrade by the loader on the old schema.
  const before = records.filter((_, index) => index % 3 === 0);
  for (let start = 0; start < before.length; start += PER_BATCH) {
    await insertLegacyRecords(fixture, before.slice(start, start + PER_BATCH));
  }
  expect(await migrate(fixture.pool)).toContain("0011_backfills");
});

afterAll(async () => {
  await loaderPool?.end();
  await fixture?.close();
  await earlier?.remove();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

/** Returns once a session of `application` waits for a lock (a row's or a table's). */
async function waitingForLock(application: string): Promise<void> {
  for (;;) {
    const { rows } = await fixture.pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND state = 'active'`,
      [application],
    );
    if (rows.length > 0) return;
    await sleep(20);
  }
}

test("a load that is writing a day when its fill starts, and one that starts during the fill, are each counted once", async () => {
  const day = (hour: number, campaign: string, count: number, seed: number) =>
    generateEvents(count, {
      seed,
      from: new Date(`2024-06-02T${String(hour).padStart(2, "0")}:00:00Z`),
      to: new Date(`2024-06-02T${String(hour + 1).padStart(2, "0")}:00:00Z`),
    }).map((record) => {
      for (const event of Object.values(record.msys)) (event as Record<string, unknown>).campaign_id = campaign;
      return record;
    });
  // Only 2024-06-02 is left to fill; a load after the upgrade made its whole-day rollup row.
  await fixture.pool.query("UPDATE backfill_days SET done_at = now() WHERE day = '2024-06-02'");
  // The three derived-table backfills', the event bodies', the rare-type index's, the text-refs and the payload-refs
  // indexes' other days.
  expect((await runBackfills(fixture.pool)).filled).toHaveLength(14);
  await fixture.pool.query("UPDATE backfill_days SET done_at = NULL WHERE day = '2024-06-02'");
  await load(day(1, "after-upgrade", 20, 41));
  const holder = fixture.database.client();
  await holder.connect();
  const backfillPool = fixture.database.pool({ max: 2, application_name: "backfill-under-test" });
  try {
    // A load into the day stops in its trigger, after its events went in, at the day's whole-account rollup row.
    await holder.query(
      `BEGIN; SELECT 1 FROM metric_rollups
       WHERE bucket_minutes = 1440 AND dimension = '' AND bucket_start = '2024-06-02T00:00:00Z' FOR UPDATE`,
    );
    const writing = load(day(2, "writing-when-filled", 30, 42));
    await waitingForLock("loader-under-test");
    // The fill starts while that load is open, and another load starts while the fill runs.
    const fill = runBackfills(backfillPool, { lockTimeoutMs: 120_000 });
    await waitingForLock("backfill-under-test");
    const during = load(day(3, "loaded-during-fill", 25, 43));
    await holder.query("COMMIT");
    const [filled] = await Promise.all([fill, writing, during]);
    // The event bodies' copy only reads; its swap, which locks the day against writes, gave way to the loads writing
    // the day (its lock timeout is short) and went through once they had committed.
    // The last day's text-refs and payload-refs indexes made loads name texts and recipient payloads by id and
    // queued every day for the texts-by-id and payloads-by-id backfills, which this run then did too (the newest
    // days first, so some before the last of the seven below).
    const conversions = new Set(["texts_by_id_0031", "payloads_by_id_0032"]);
    const ofSeven = filled.filled.filter((entry) => !conversions.has(entry.backfill));
    for (const conversion of conversions) {
      expect(filled.filled.filter((entry) => entry.backfill === conversion).map((entry) => entry.day)).toEqual(
        expect.arrayContaining(["2024-06-03", "2024-06-02", "2024-06-01"]),
      );
    }
    expect(ofSeven.map((entry) => `${entry.backfill} ${entry.day}`)).toEqual([
      "event_bodies_0018 2024-06-02",
      "metric_rollups 2024-06-02",
      "metric_rollups_0016 2024-06-02",
      "payload_refs_index_0032 2024-06-02",
      "rare_type_index_0021 2024-06-02",
      "search_token_counts 2024-06-02",
      "text_refs_index_0030 2024-06-02",
    ]);
  } finally {
    await holder.end();
    await backfillPool.end();
  }
  await expectDerivedTablesToMatchRecount(fixture);
  const campaigns = await fixture.pool.query<{ value: string }>(
    `SELECT DISTINCT value FROM metric_rollups WHERE bucket_minutes = 1440 AND dimension = 'campaign'
       AND value IN ('after-upgrade', 'writing-when-filled', 'loaded-during-fill') ORDER BY 1`,
  );
  expect(campaigns.rows.map((row) => row.value)).toEqual([
    "after-upgrade",
    "loaded-during-fill",
    "writing-when-filled",
  ]);
});

test("events loaded into days while they are backfilled are counted exactly once", async () => {
  // The rest of the events, and again a slice of those already stored, in batches that overlap, three at a time.
  const after = records.filter((_, index) => index % 3 !== 0);
  const batches: unknown[][] = [];
  for (let start = 0; start < after.length; start += PER_BATCH) batches.push(after.slice(start, start + PER_BATCH));
  for (let start = 0; start < 300; start += 100) batches.push(records.slice(start, start + 100));
  batches.push(records.slice(EVENTS - 120, EVENTS - 20));
  let next = 0;
  let loading = true;
  const loader = async () => {
    while (next < batches.length) await load(batches[next++] as unknown[]);
  };
  const loads = Promise.all([loader(), loader(), loader()]).finally(() => {
    loading = false;
  });

  // Fill every day over and over while the loads go on (a fill waits for the loads writing its day, then they wait).
  // The derived tables' backfills: the event bodies' swap gives way to loads writing its day (its lock timeout is
  // short), so while three loaders write every day it rarely has its turn; it runs once the loads are done, below.
  let fillsDuringLoads = 0;
  while (loading) {
    await fixture.pool.query("UPDATE backfill_days SET done_at = NULL WHERE backfill <> 'event_bodies_0018'");
    const run = await runBackfills(fixture.pool, {
      lockTimeoutMs: 60_000,
      backfills: BACKFILLS.filter((backfill) => backfill.tables.length > 0),
    });
    if (loading) fillsDuringLoads += run.filled.length;
  }
  await loads;
  expect(fillsDuringLoads).toBeGreaterThan(0);
  const last = await runBackfills(fixture.pool);
  expect(last.remaining).toBe(0);

  const { rows } = await fixture.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM events WHERE campaign_id NOT IN ('after-upgrade', 'writing-when-filled', 'loaded-during-fill')",
  );
  expect(rows[0]?.n).toBe(EVENTS);
  await expectDerivedTablesToMatchRecount(fixture);
});

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Logger } from "@aws-lambda-powertools/logger";
import { type LoaderDeps, loadBatch } from "@msgevents/loader";
import { BackfillError, migrate, migrationTags, PartitionManager, runBackfills } from "@msgevents/schema";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import { type EarlierMigrations, earlierMigrations, generateEvents, type WebhookRecord } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { expectDerivedTablesToMatchRecount, metricAnswers, recountedMetricAnswers } from "./recount.ts";
import { get, insertLegacyRecords, type QueryFixture, startQueryFixture } from "./support.ts";

// An upgrade rehearsed: a database as a deployment of main before the Metrics API left it (the migrations of commit
// 11cc0ad up to 0007, testkit's fixture), holding events its loader stored, is upgraded by the current migrations while
// loads and the previous version's searches run; then its backfills run beside more loads, one is cut off halfway by
// its connection being killed, and a new run finishes them. Every answer is checked against the events themselves
// while days are still pending and after all are filled.

const WINDOW = { from: "2024-06-01T05:10:07Z", to: "2024-06-03T20:50:00Z" };

let fixture: QueryFixture;
let earlier: EarlierMigrations;
let storeDir: string;
let loaderPool: pg.Pool;
let deps: LoaderDeps;
let records: WebhookRecord[];

let stored = 0;
/** Loads a batch through the current loader, which needs the current schema. */
async function load(batch: readonly unknown[]): Promise<void> {
  stored += 1;
  const key = batchKey(`rehearsal-${String(stored).padStart(4, "0")}`, new Date("2024-06-04T12:00:00Z"));
  await deps.store.put(key, new TextEncoder().encode(JSON.stringify(batch)));
  await loadBatch(key, deps);
}

/**
 * Loads a batch as the previous version's loader did (whole payloads as jsonb), which runs until the upgrade ends. Like
 * that loader, it tries again when its partition DDL deadlocks with the migration's lock on events.
 */
async function loadAsPreviousVersion(batch: readonly unknown[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await insertLegacyRecords({ pool: loaderPool }, [...batch]);
    } catch (error) {
      if ((error as { code?: string }).code !== "40P01" || attempt === 5) throw error;
    }
  }
}

/** Loads the records in batches of 50, two at a time, with the current loader or the previous version's. */
async function loadAll(all: readonly unknown[], loader: "current" | "previous" = "current"): Promise<void> {
  const batches: unknown[][] = [];
  for (let start = 0; start < all.length; start += 50) batches.push(all.slice(start, start + 50));
  const loadOne = loader === "current" ? load : loadAsPreviousVersion;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await loadOne(batches[next++] as unknown[]);
  };
  await Promise.all([worker(), worker()]);
}

beforeAll(async () => {
  earlier = await earlierMigrations({ before: "0008" });
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"), { migrationsFolder: earlier.folder });
  storeDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-rehearsal-"));
  loaderPool = fixture.database.pool({ max: 4 });
  deps = {
    pool: loaderPool,
    store: new FileObjectStore(storeDir),
    partitions: new PartitionManager(loaderPool),
    logger: new Logger({ serviceName: "msgevents-rehearsal-test", logLevel: "SILENT" }),
  };
  records = generateEvents(1_200, {
    seed: 51,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-04T00:00:00Z"),
    campaigns: 6,
    recipientDomains: 15,
  });
  await loadAll(
    records.filter((_, index) => index % 2 === 0),
    "previous",
  );
});

afterAll(async () => {
  await loaderPool?.end();
  await fixture?.close();
  await earlier?.remove();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

/** What the previous version's search ran for a window: the total and the newest page, over the events. */
async function previousVersionSearch(pool: pg.Pool): Promise<void> {
  await pool.query("SELECT count(*) FROM events WHERE event_time >= $1 AND event_time < $2", [WINDOW.from, WINDOW.to]);
  await pool.query(
    `SELECT event_id FROM events WHERE event_time >= $1 AND event_time < $2
     ORDER BY event_time DESC, event_id DESC, type DESC LIMIT 25`,
    [WINDOW.from, WINDOW.to],
  );
}

/** Searches of each counted kind, with their totals and first pages recounted over the events with plain SQL. */
async function expectSearchesExact(): Promise<void> {
  const shapes: { query: string; where: string }[] = [
    { query: "", where: "true" },
    { query: "&events=delivery,bounce", where: "type IN ('delivery', 'bounce')" },
    { query: "&subaccounts=0", where: "subaccount_id = 0" },
    { query: "&sending_ips=", where: "sending_ip = $3" },
  ];
  const { rows: ips } = await fixture.pool.query<{ ip: string }>(
    "SELECT sending_ip AS ip FROM events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
  );
  const ip = ips[0]?.ip ?? "";
  for (const shape of shapes) {
    const values = shape.where.includes("$3") ? [WINDOW.from, WINDOW.to, ip] : [WINDOW.from, WINDOW.to];
    const query = shape.query.endsWith("=") ? `${shape.query}${encodeURIComponent(ip)}` : shape.query;
    const response = await get(
      fixture,
      `/api/v1/events/message?from=${WINDOW.from}&to=${WINDOW.to}&per_page=5${query}`,
    );
    const total = await fixture.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE event_time >= $1 AND event_time < $2 AND ${shape.where}`,
      values,
    );
    const page = await fixture.pool.query<{ id: string }>(
      `SELECT event_id AS id FROM events WHERE event_time >= $1 AND event_time < $2 AND ${shape.where}
       ORDER BY event_time DESC, event_id DESC, type DESC LIMIT 5`,
      values,
    );
    expect(response.body.total_count, query).toBe(total.rows[0]?.n);
    expect(total.rows[0]?.n).toBeGreaterThan(0);
    expect(
      response.body.results?.map((event) => event.event_id),
      query,
    ).toEqual(page.rows.map((row) => row.id));
  }
}

test("an upgrade from before the Metrics API, under loads and searches, answers exactly throughout, and a backfill cut off halfway finishes after a restart", async () => {
  const later = records.filter((_, index) => index % 2 === 1);
  const newDay = generateEvents(100, {
    seed: 52,
    from: new Date("2024-06-04T00:00:00Z"),
    to: new Date("2024-06-04T20:00:00Z"),
  });

  // The upgrade, while loads and the previous version's searches run.
  const readerPool = fixture.database.pool({ max: 1 });
  let migrating = true;
  const readErrors: unknown[] = [];
  let reads = 0;
  const reading = (async () => {
    while (migrating) {
      await previousVersionSearch(readerPool).catch((error: unknown) => readErrors.push(error));
      reads += 1;
    }
  })();
  // The previous version's loader runs until the deployment moves traffic to the new code, after the migration.
  const loading = loadAll([...later.slice(0, 300), ...newDay], "previous");
  const applied = await migrate(fixture.pool);
  migrating = false;
  await Promise.all([reading, loading]);
  await readerPool.end();
  expect(applied).toEqual(await migrationTags({ first: "0008" }));
  expect(readErrors).toEqual([]);
  expect(reads).toBeGreaterThan(0);
  // Every day stored before the upgrade is queued (2024-06-04 too if a load created it before the migration locked
  // events; one created after it is kept by the triggers from its first event).
  const queued = await fixture.pool.query<{ day: string }>("SELECT DISTINCT day::text AS day FROM backfill_days");
  expect(queued.rows.map((row) => row.day)).toEqual(expect.arrayContaining(["2024-06-01", "2024-06-02", "2024-06-03"]));
  await expectSearchesExact();
  expect(await metricAnswers(fixture.db)).toEqual(await recountedMetricAnswers(fixture.db));

  // The backfills beside more loads; the run is cut off while it waits for a day that a load holds open.
  const holder = fixture.database.client();
  await holder.connect();
  const runnerPool = fixture.database.pool({ max: 2, application_name: "rehearsal-backfill" });
  try {
    await holder.query("BEGIN; LOCK TABLE events_20240602 IN ROW EXCLUSIVE MODE");
    const moreLoads = loadAll(later.slice(300));
    const run = runBackfills(runnerPool, { lockTimeoutMs: 120_000 }).catch((error: unknown) => error);
    let pid: number | undefined;
    while (pid === undefined) {
      const { rows } = await fixture.pool.query<{ pid: number }>(
        `SELECT l.pid FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
         WHERE a.application_name = 'rehearsal-backfill' AND NOT l.granted
           AND l.relation = 'events_20240602'::regclass`,
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await sleep(20);
    }
    await fixture.pool.query("SELECT pg_terminate_backend($1)", [pid]);
    const cut = await run;
    expect(cut).toBeInstanceOf(BackfillError);
    const { result } = cut as BackfillError;
    // The newest day done (2024-06-04 before it when a load created that day before the migration, see above);
    // 2024-06-02's first backfill, the event bodies, copied the day beside the held lock (the copy reads only) and was
    // cut off while its swap waited for the day's SHARE lock.
    const filled = result.filled.map((day) => `${day.backfill} ${day.day}`);
    expect(filled.filter((day) => !day.endsWith(" 2024-06-04"))).toEqual([
      "event_bodies_0018 2024-06-03",
      "metric_rollups 2024-06-03",
      "metric_rollups_0016 2024-06-03",
      "payload_refs_index_0032 2024-06-03",
      "rare_type_index_0021 2024-06-03",
      "search_token_counts 2024-06-03",
      "text_refs_index_0030 2024-06-03",
    ]);
    expect(result.failed).toMatchObject([{ backfill: "event_bodies_0018", day: "2024-06-02", sessionEnded: true }]);
    // The seven backfills' 2024-06-02 and 2024-06-01.
    expect(result.remaining).toBe(14);
    await holder.query("ROLLBACK");
    await moreLoads;
  } finally {
    await holder.end();
    await runnerPool.end();
  }

  // Halfway: exact answers with fourteen days still to fill.
  await expectSearchesExact();
  expect(await metricAnswers(fixture.db)).toEqual(await recountedMetricAnswers(fixture.db));

  // A new run finishes; every event is stored once and counted once.
  const finished = await runBackfills(fixture.pool);
  const conversions = new Set(["texts_by_id_0031", "payloads_by_id_0032"]);
  expect(finished.filled.filter((day) => !conversions.has(day.backfill))).toHaveLength(14);
  // Once the last day had each ids' index, every day was queued for its texts (and recipient payloads) by id, and
  // converted in the same run.
  for (const conversion of conversions) {
    expect(finished.filled.filter((day) => day.backfill === conversion).map((day) => day.day)).toEqual(
      expect.arrayContaining(["2024-06-03", "2024-06-02", "2024-06-01"]),
    );
  }
  expect(finished.remaining).toBe(0);
  // The previous version's loader stored its events as before 0013. Those of the queued days are converted now; a day
  // it created after the migration registered the event-bodies backfill was not queued (as for the derived tables,
  // whose triggers keep such a day), so its events keep the old format until the backfill is registered again, which
  // queues the days created since (packages/schema/README.md, Backfills).
  const legacyDays = async () => {
    const { rows } = await fixture.pool.query<{ day: string; queued: boolean }>(
      `SELECT DISTINCT event_time::date::text AS day,
              EXISTS (SELECT FROM backfill_days d WHERE d.backfill = 'event_bodies_0018' AND d.day = event_time::date) AS queued
       FROM events WHERE body IS NULL`,
    );
    return rows;
  };
  expect((await legacyDays()).filter((day) => day.queued)).toEqual([]);
  await fixture.pool.query("SELECT msgevents_register_backfill('event_bodies_0018', true)");
  expect((await runBackfills(fixture.pool)).remaining).toBe(0);
  expect(await legacyDays()).toEqual([]);
  const total = await fixture.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events");
  expect(total.rows[0]?.n).toBe(1_300);
  await expectSearchesExact();
  await expectDerivedTablesToMatchRecount(fixture);
});

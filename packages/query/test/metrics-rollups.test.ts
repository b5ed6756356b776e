import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { type LoaderDeps, loadBatch } from "@msgevents/loader";
import { COMPACTED_ROLLUPS, compactEndedDays, dropExpiredPartitions, PartitionManager } from "@msgevents/schema";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import { generateEvents, type WebhookRecord } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROLLUP_TABLE_COUNTERS, type RollupTable } from "../src/metrics/sources.ts";
import { ALL_METRICS } from "./metrics-events.ts";
import { expectDerivedTablesToMatchRecount, metricsAnswer } from "./recount.ts";
import { type QueryFixture, startQueryFixture } from "./support.ts";

// Rollups are kept by the loader's transaction; these tests load batches through loadBatch (as in production) with
// duplicates, replays, concurrent overlapping loads and retention, then compare every answer read from the rollups
// with the same answer recounted from the stored events (recount.ts).

const FROM = new Date("2024-06-01T00:00:00Z");
const TO = new Date("2024-06-04T00:00:00Z");
const EVENTS = 1_500;
const PER_BATCH = 150;

let fixture: QueryFixture;
let storeDir: string;
let deps: LoaderDeps;
let loaderPool: pg.Pool;
let records: WebhookRecord[];

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"));
  storeDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-metrics-rollups-"));
  loaderPool = fixture.database.pool({ max: 3 });
  deps = {
    pool: loaderPool,
    store: new FileObjectStore(storeDir),
    partitions: new PartitionManager(loaderPool),
    logger: new Logger({ serviceName: "msgevents-metrics-test", logLevel: "SILENT" }),
  };
  records = generateEvents(EVENTS, { seed: 12, from: FROM, to: TO, campaigns: 8, recipientDomains: 20, templates: 4 });
});

afterAll(async () => {
  await loaderPool?.end();
  await fixture?.close();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

let stored = 0;
async function load(batch: readonly unknown[]): Promise<string> {
  stored += 1;
  const key = batchKey(`metrics-${String(stored).padStart(4, "0")}`, new Date("2024-06-04T12:00:00Z"));
  await deps.store.put(key, new TextEncoder().encode(JSON.stringify(batch)));
  await loadBatch(key, deps);
  return key;
}

const WHOLE = "from=2024-06-01T00:00&to=2024-06-04T00:00";

const answer = (route: string, query: string, source: "rollups" | "events") =>
  metricsAnswer(fixture.db, route, query, source);
const expectRollupsToMatchRecount = () => expectDerivedTablesToMatchRecount(fixture);

async function count(query: string): Promise<number> {
  return Number((await fixture.pool.query<{ n: string }>(query)).rows[0]?.n);
}

async function deliveredOn(day: string): Promise<number> {
  const body = (await answer("", `from=${day}T00:00&to=${day}T23:59&metrics=count_delivered`, "rollups")) as {
    results: [{ count_delivered: number }];
  };
  return body.results[0].count_delivered;
}

describe("rollups kept by the loader", () => {
  test("agree with a recount from the events after loading batch by batch", async () => {
    for (let start = 0; start < records.length; start += PER_BATCH) await load(records.slice(start, start + PER_BATCH));
    await expectRollupsToMatchRecount();
    const body = (await answer("", `${WHOLE}&metrics=count_targeted`, "rollups")) as {
      results: [{ count_targeted: number }];
    };
    expect(body.results[0].count_targeted).toBeGreaterThan(EVENTS / 4);
  });

  test("do not change when a batch is loaded again, or its events arrive again in other batches, even at once", async () => {
    const before = await answer("", `${WHOLE}&metrics=${ALL_METRICS}`, "rollups");
    const key = await load(records.slice(0, PER_BATCH));
    await loadBatch(key, deps);
    const shuffled = [...records].reverse();
    await Promise.all([
      load(shuffled.slice(0, 400)),
      load(shuffled.slice(200, 600)),
      load([...records.slice(300, 500), ...records.slice(0, 50)]),
    ]);
    expect(await answer("", `${WHOLE}&metrics=${ALL_METRICS}`, "rollups")).toEqual(before);
    await expectRollupsToMatchRecount();
  });

  test("count events new in a batch that also holds duplicates, and only those", async () => {
    const before = await deliveredOn("2024-06-03");
    const late = generateEvents(200, {
      seed: 13,
      from: new Date("2024-06-03T00:00:00Z"),
      to: new Date("2024-06-03T23:00:00Z"),
    });
    const lateDeliveries = late.filter((record) => Object.values(record.msys)[0]?.type === "delivery").length;
    await load([...records.slice(0, 100), ...late, ...late.slice(0, 20)]);
    expect(await deliveredOn("2024-06-03")).toBe(before + lateDeliveries);
    await expectRollupsToMatchRecount();
  });

  test("agree with the recount once the maintenance compacts the ended days, through late events racing it", async () => {
    const compact = () => compactEndedDays(fixture.pool, { now: new Date("2024-06-04T12:00:00Z") });
    expect(await compact()).toEqual(["2024-06-01", "2024-06-02", "2024-06-03"]);
    for (const [table, { minutes, slot, slotsTable }] of Object.entries(COMPACTED_ROLLUPS)) {
      expect(await count(`SELECT count(*) AS n FROM ${table} WHERE bucket_minutes = ${minutes}`)).toBe(0);
      // In a table of their own (0025): the day rows, which whole days are read from, stay narrow.
      expect(await count(`SELECT count(*) AS n FROM ${slotsTable}`)).toBeGreaterThan(0);
      expect(await count(`SELECT count(*) AS n FROM ${table} WHERE ${slot}s IS NOT NULL`)).toBe(0);
    }
    await expectRollupsToMatchRecount();

    // Late events of a compacted day get rows beside the day's elements, loaded while it is compacted: rounds of
    // loads racing compactions (a compaction that touched a row stored after it locked its rows could deadlock with
    // the loader updating that row, which waits for a day row the compaction holds).
    const late = generateEvents(1200, {
      seed: 14,
      from: new Date("2024-06-02T00:00:00Z"),
      to: new Date("2024-06-02T23:00:00Z"),
    });
    for (let round = 0; round < 4; round++) {
      const part = late.slice(round * 300, round * 300 + 300);
      await Promise.all([
        load(part.slice(0, 100)),
        compact(),
        load(part.slice(100, 200)),
        compact(),
        load(part.slice(200)),
      ]);
    }
    await expectRollupsToMatchRecount();
    expect(await compact()).toContain("2024-06-02");
    expect(
      await count(
        `SELECT (SELECT count(*) FROM metric_rollups WHERE bucket_minutes = 15)
              + (SELECT count(*) FROM bounce_rollups WHERE bucket_minutes = 15)
              + (SELECT count(*) FROM reason_rollups WHERE bucket_minutes = 60) AS n`,
      ),
    ).toBe(0);
    await expectRollupsToMatchRecount();
  });

  test("read the days 0023 compacted into their day rows as before, and move them to the compacted tables at the next compaction", async () => {
    // The state a database compacted before 0025 is in: the elements in the day rows.
    for (const [table, { slot, keys, slotsTable }] of Object.entries(COMPACTED_ROLLUPS)) {
      const arrays = [
        `${slot}s`,
        ...ROLLUP_TABLE_COUNTERS[table as RollupTable].map((counter) => `${slot}_${counter}`),
      ];
      await fixture.pool.query(
        `UPDATE ${table} AS d SET ${arrays.map((name) => `${name} = s.${name}`).join(", ")}
         FROM ${slotsTable} AS s
         WHERE d.bucket_minutes = 1440 AND d.dimension = s.dimension AND d.bucket_start = s.bucket_start
           AND ${keys.map((key) => `d.${key} = s.${key}`).join(" AND ")}`,
      );
      await fixture.pool.query(`DELETE FROM ${slotsTable}`);
      expect(await count(`SELECT count(*) AS n FROM ${table} WHERE ${slot}s IS NOT NULL`)).toBeGreaterThan(0);
    }
    await expectRollupsToMatchRecount();

    expect(await compactEndedDays(fixture.pool, { now: new Date("2024-06-04T12:00:00Z") })).toEqual([
      "2024-06-01",
      "2024-06-02",
      "2024-06-03",
    ]);
    for (const [table, { slot, slotsTable }] of Object.entries(COMPACTED_ROLLUPS)) {
      expect(await count(`SELECT count(*) AS n FROM ${table} WHERE ${slot}s IS NOT NULL`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM ${slotsTable}`)).toBeGreaterThan(0);
    }
    await expectRollupsToMatchRecount();
    expect(await compactEndedDays(fixture.pool, { now: new Date("2024-06-04T12:00:00Z") })).toEqual([]);
  });

  test("a recount of a compacted day (a rollups backfill's fill) takes the day's compacted rows with its day rows", async () => {
    const compactedOn = (day: string) =>
      count(
        `SELECT ${Object.values(COMPACTED_ROLLUPS)
          .map(({ slotsTable }) => `(SELECT count(*) FROM ${slotsTable} WHERE bucket_start = '${day}')`)
          .join(" + ")} AS n`,
      );
    expect(await compactedOn("2024-06-02")).toBeGreaterThan(0);
    await fixture.pool.query("SELECT msgevents_fill_metric_rollups_0016('2024-06-02')");
    expect(await compactedOn("2024-06-02")).toBe(0);
    expect(await compactedOn("2024-06-03")).toBeGreaterThan(0);
    await expectRollupsToMatchRecount();
    expect(await compactEndedDays(fixture.pool, { now: new Date("2024-06-04T12:00:00Z") })).toEqual(["2024-06-02"]);
    expect(await compactedOn("2024-06-02")).toBeGreaterThan(0);
    await expectRollupsToMatchRecount();
  });

  test("lose the rows of the days retention drops, and count a late event of a dropped day again", async () => {
    expect(await deliveredOn("2024-06-01")).toBeGreaterThan(0);
    const dropped = await dropExpiredPartitions(loaderPool, {
      retentionDays: 3,
      now: new Date("2024-06-05T00:00:00Z"),
    });
    expect(dropped).toEqual(["events_20240601"]);
    expect(await deliveredOn("2024-06-01")).toBe(0);
    const left = await fixture.pool.query(
      `SELECT (SELECT count(*) FROM metric_rollups WHERE bucket_start < '2024-06-02') +
              (SELECT count(*) FROM bounce_rollups WHERE bucket_start < '2024-06-02') +
              (SELECT count(*) FROM reason_rollups WHERE bucket_start < '2024-06-02') +
              (SELECT count(*) FROM metric_rollup_quarters WHERE bucket_start < '2024-06-02') +
              (SELECT count(*) FROM bounce_rollup_quarters WHERE bucket_start < '2024-06-02') +
              (SELECT count(*) FROM reason_rollup_hours WHERE bucket_start < '2024-06-02') +
              -- Of the uniques, only the part in June 2 of the hours from 23:15 and 23:30 on June 1 stays.
              (SELECT count(*) FROM metric_unique_rollups WHERE bucket_start < '2024-06-02'
                AND (bucket_start NOT IN ('2024-06-01T23:00Z', '2024-06-01T00:00Z')
                     OR hour_rendered + hour_initial_rendered + hour_clicked + hour_confirmed_opened
                        + coalesce(day_rendered + day_initial_rendered + day_clicked + day_confirmed_opened, 0) > 0)) +
              (SELECT count(*) FROM metric_engagement WHERE day < '2024-06-01') +
              (SELECT count(*) FROM search_token_counts WHERE bucket_start < '2024-06-02') AS n`,
    );
    expect(Number(left.rows[0].n)).toBe(0);
    await expectRollupsToMatchRecount();

    deps.partitions.forget();
    const lateEvent = records.find((record) => Object.values(record.msys)[0]?.type === "delivery");
    await load([lateEvent]);
    expect(await deliveredOn("2024-06-01")).toBe(1);
    await expectRollupsToMatchRecount();
  });
});

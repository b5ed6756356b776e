import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { type LoaderDeps, loadBatch } from "@msgevents/loader";
import { PartitionManager } from "@msgevents/schema";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  BOUNCE_ROUTE_METRICS,
  eventsOfBatches,
  expectedRows,
  GROUP_ROUTES,
  ORACLE_METRICS,
  type OracleEvent,
  type OracleQuery,
  type Precision,
  type Route,
  UNIQUES,
} from "./oracle/sparkpost-metrics.ts";
import { oracleBatches } from "./oracle/traffic.ts";
import { toWall } from "./oracle/wall-clock.ts";
import { get, type QueryFixture, startQueryFixture } from "./support.ts";

// Every metric, at every precision, in UTC, New York and Kathmandu (+05:45), on every route, as the API answers it
// and as an independent oracle of SparkPost's documented rules computes it from the webhook records themselves
// (test/oracle/). The batches are loaded as SparkPost posts them: retried, overlapping, two at once.

const ZONES = ["UTC", "America/New_York", "Asia/Kathmandu"];

/** Windows as instants; each zone asks for them in its own wall time, so each cuts them at its own boundaries. */
const WINDOWS: Readonly<Record<string, readonly [from: string, to: string]>> = {
  // A day of the first burst, crafted messages and midnight UTC (1min and 5min allow 24 hours).
  day: ["2024-06-01T09:37:00Z", "2024-06-02T09:22:00Z"],
  // The midnight burst.
  night: ["2024-06-02T20:07:00Z", "2024-06-03T03:52:00Z"],
  // Both bursts (15min allows 48 hours).
  twoDays: ["2024-06-01T09:37:00Z", "2024-06-03T05:52:00Z"],
  // Everything, cut at odd minutes.
  all: ["2024-06-01T03:07:00Z", "2024-06-03T17:52:00Z"],
};
const WINDOWS_OF: Readonly<Record<Precision | "none", readonly string[]>> = {
  none: ["all"],
  "1min": ["day", "night"],
  "5min": ["day", "night"],
  "15min": ["twoDays"],
  hour: ["all"],
  "12hr": ["all"],
  day: ["all"],
  week: ["all"],
  month: ["all"],
};
const AGGREGATE_PRECISIONS = ["none", "1min", "5min", "15min", "hour", "day"] as const;
const SERIES_PRECISIONS = ["1min", "5min", "15min", "hour", "12hr", "day", "week", "month"] as const;
const AGGREGATE_ROUTES: readonly Route[] = [
  "summary",
  ...(Object.keys(GROUP_ROUTES) as Route[]),
  "bounce-reason",
  "bounce-reason/domain",
  "bounce-classification",
  "delay-reason",
  "delay-reason/domain",
  "rejection-reason",
  "rejection-reason/domain",
];

const wallIn = (zone: string, instant: string) =>
  new Date(toWall(zone, Date.parse(instant))).toISOString().slice(0, 16);

function queries(): OracleQuery[] {
  const all: OracleQuery[] = [];
  const add = (route: Route, precision: Precision | "none", extra: Partial<OracleQuery> = {}) => {
    for (const zone of ZONES) {
      for (const name of WINDOWS_OF[precision]) {
        const [from, to] = WINDOWS[name] ?? ["", ""];
        all.push({
          route,
          zone,
          from: wallIn(zone, from),
          to: wallIn(zone, to),
          precision: precision === "none" ? undefined : precision,
          metrics: route.startsWith("bounce-")
            ? BOUNCE_ROUTE_METRICS
            : route.startsWith("delay-")
              ? ["count_delayed", "count_delayed_first"]
              : route.startsWith("rejection-")
                ? ["count_rejected"]
                : ORACLE_METRICS,
          ...extra,
        });
      }
    }
  };
  for (const precision of AGGREGATE_PRECISIONS) for (const route of AGGREGATE_ROUTES) add(route, precision);
  for (const precision of SERIES_PRECISIONS) add("time-series", precision);
  // Filters: one campaign (a rollup dimension), and a group-by with a filter of another dimension (two at once).
  const campaign = { campaign: ["oracle-crafted", "welcome"] };
  for (const precision of ["none", "hour", "15min"] as const) {
    add("summary", precision, { filters: campaign });
    add("domain", precision, { filters: campaign });
    add("bounce-reason", precision, { filters: { domain: ["crafted.example", "gmail.com"] } });
  }
  add("time-series", "hour", { filters: campaign });
  return all;
}

const FILTER_PARAMS: Readonly<Record<string, string>> = {
  domain: "domains",
  campaign: "campaigns",
  template: "templates",
  sending_ip: "sending_ips",
  ip_pool: "ip_pools",
  sending_domain: "sending_domains",
  subaccount: "subaccounts",
  mailbox_provider: "mailbox_providers",
  mailbox_provider_region: "mailbox_provider_regions",
};

function apiPath(query: OracleQuery): string {
  const params = new URLSearchParams({
    from: query.from,
    to: query.to,
    timezone: query.zone,
    metrics: query.metrics.join(","),
  });
  if (query.precision) params.set("precision", query.precision);
  if (query.route !== "summary" && query.route !== "time-series") params.set("limit", "10000");
  for (const [dimension, values] of Object.entries(query.filters ?? {})) {
    params.set(FILTER_PARAMS[dimension] ?? dimension, values.join(","));
  }
  const route = query.route === "summary" ? "" : `/${query.route}`;
  return `/api/v1/metrics/deliverability${route}?${params}`;
}

/** A row's identity: its bucket, its group's value or its bounce reason, class and domain. */
function rowKey(row: Record<string, unknown>): string {
  const { reason, classification_id, rejection_category_id, domain, ts } = row;
  const group = Object.values(GROUP_ROUTES).find(({ key }) => key in row)?.key;
  return JSON.stringify([
    ts,
    reason,
    classification_id,
    rejection_category_id,
    domain,
    group === undefined ? undefined : row[group],
  ]);
}

interface Check {
  where: string;
  metric: string;
  expected: number | undefined;
  actual: number | undefined;
}

let fixture: QueryFixture;
let loaderPool: pg.Pool;
let storeDir: string;
let events: OracleEvent[];
const checks: Check[] = [];

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"));
  storeDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-metrics-oracle-"));
  loaderPool = fixture.database.pool({ max: 3 });
  const deps: LoaderDeps = {
    pool: loaderPool,
    store: new FileObjectStore(storeDir),
    partitions: new PartitionManager(loaderPool),
    logger: new Logger({ serviceName: "msgevents-oracle-test", logLevel: "SILENT" }),
  };
  const batches = oracleBatches();
  const keys = await Promise.all(
    batches.map(async (batch, index) => {
      const key = batchKey(`oracle-${String(index).padStart(3, "0")}`, new Date("2024-06-04T12:00:00Z"));
      await deps.store.put(key, new TextEncoder().encode(JSON.stringify(batch)));
      return key;
    }),
  );
  // Two loaders at once, as the local stack runs them; the batches overlap, so they race on the same events.
  const queue = [...keys];
  const loader = async () => {
    for (let key = queue.shift(); key; key = queue.shift()) await loadBatch(key, deps);
  };
  await Promise.all([loader(), loader()]);
  events = eventsOfBatches(batches);

  for (const query of queries()) {
    const path = apiPath(query);
    const filters = query.filters ? ` ${JSON.stringify(query.filters)}` : "";
    const where = `${query.route} ${query.zone} ${query.precision ?? "no precision"} ${query.from}..${query.to}${filters}`;
    const response = await get(fixture, path);
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
    const actual = new Map((response.body.results ?? []).map((row) => [rowKey(row), row]));
    const expected = new Map(expectedRows(events, query).map((row) => [rowKey(row), row]));
    for (const key of new Set([...actual.keys(), ...expected.keys()])) {
      for (const metric of query.metrics) {
        const [shown, counted] = [actual.get(key)?.[metric], expected.get(key)?.[metric]];
        checks.push({
          where: `${where} ${key}`,
          metric,
          expected: counted === undefined ? undefined : Number(counted),
          actual: shown === undefined ? undefined : Number(shown),
        });
      }
    }
  }
}, 600_000);

afterAll(async () => {
  await loaderPool?.end();
  await fixture?.close();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

const differing = (unique: boolean) =>
  checks
    .filter((check) => check.metric in UNIQUES === unique && check.expected !== check.actual)
    .map((check) => `${check.where} ${check.metric}: SparkPost's rules ${check.expected}, API ${check.actual}`);

describe("the oracle", () => {
  test("counts data-rollups.md's example as SparkPost says: opens at 1:08pm, 1:13pm and 2:37pm", () => {
    const open = (time: string) => ({
      msys: { track_event: { type: "open", event_id: time, message_id: "m", timestamp: `2024-06-01T${time}:00Z` } },
    });
    const example = eventsOfBatches([[open("13:08"), open("13:13"), open("14:37")], [open("13:13")]]);
    const uniques = (route: "summary" | "time-series", precision: Precision) =>
      expectedRows(example, {
        route,
        zone: "UTC",
        from: "2024-06-01T13:00",
        to: "2024-06-01T14:59",
        precision,
        metrics: ["count_unique_rendered"],
      }).map((row) => row.count_unique_rendered);
    expect(uniques("summary", "1min")).toEqual([3]);
    expect(uniques("time-series", "5min").filter((count) => count !== 0)).toEqual([1, 1, 1]);
    expect(uniques("time-series", "15min").filter((count) => count !== 0)).toEqual([2, 1]);
    expect(uniques("time-series", "hour")).toEqual([1, 1]);
    expect(uniques("summary", "hour")).toEqual([2]);
    expect(uniques("summary", "day")).toEqual([1]);
  });
});

describe("the Metrics API against an oracle of SparkPost's documented rules", () => {
  test("the oracle sees the cases it is there for", () => {
    expect(events.length).toBeGreaterThan(7_000);
    const opens = (message: string) => events.filter((event) => event.messageId === message).length;
    for (const message of ["c-hour", "c-quarter", "c-minute", "c-kathmandu", "c-midnight", "c-late"]) {
      expect(opens(message), message).toBe(2);
    }
    expect(checks.length).toBeGreaterThan(50_000);
    expect(checks.filter((check) => (check.expected ?? 0) > 0).length).toBeGreaterThan(10_000);
  });

  test("every counted metric, at every precision and in every zone, is what SparkPost's rules give", () => {
    expect(differing(false).slice(0, 40)).toEqual([]);
  });

  test("every unique metric counts each message once per roll-up increment of its precision", () => {
    const wrong = differing(true);
    expect(wrong.length === 0 ? [] : [`${wrong.length} differ`, ...wrong.slice(0, 40)]).toEqual([]);
  });
});

import { type HttpResponse, jsonResponse } from "@msgevents/http";
import { METRIC_ROLLUPS_BACKFILL } from "@msgevents/schema";
import { type SQL, sql } from "drizzle-orm";
import { pendingDays } from "../backfill-coverage.ts";
import { type SearchDatabase, withSnapshot } from "../search/snapshot.ts";
import { describeBounceClass } from "./bounce-classes.ts";
import { BOUNCE_METRICS } from "./catalog.ts";
import { type MetricsRequest, type Precision, parseMetricsRequest } from "./params.ts";
import { coverSegments, isAlignedTo, planSegments, type Segment } from "./segments.ts";
import {
  countersOf,
  DIMENSION_COLUMNS,
  type FilterDimension,
  type GroupKey,
  metricSql,
  rollupDimension,
  type SourceQuery,
  unionSql,
} from "./sources.ts";
import { bucketOf, type ResolvedWindow, resolveWindow, stepOf } from "./window.ts";

export const METRICS_PATH = "/api/v1/metrics/deliverability";

export interface MetricsContext {
  /** drizzle over the query pool: an answer checks out a connection to read one snapshot. */
  db: SearchDatabase;
  now: Date;
  /** `events` recounts every answer from the stored events instead of the rollups (benchmarks and tests). */
  source?: "rollups" | "events";
}

export type MetricsRoute = (params: Map<string, string>, context: MetricsContext) => Promise<HttpResponse>;

/** Group-by routes: the dimension and the key SparkPost names it by in each result. */
const GROUP_BY_ROUTES: Readonly<Record<string, { dimension: FilterDimension; key: string }>> = {
  domain: { dimension: "domain", key: "domain" },
  campaign: { dimension: "campaign", key: "campaign_id" },
  template: { dimension: "template", key: "template_id" },
  "sending-ip": { dimension: "sending_ip", key: "sending_ip" },
  "ip-pool": { dimension: "ip_pool", key: "ip_pool" },
  "sending-domain": { dimension: "sending_domain", key: "sending_domain" },
  subaccount: { dimension: "subaccount", key: "subaccount_id" },
  "mailbox-provider": { dimension: "mailbox_provider", key: "mailbox_provider" },
  "mailbox-provider-region": { dimension: "mailbox_provider_region", key: "mailbox_provider_region" },
};

/** The route serving a path under /api/v1/metrics/deliverability, if any. */
export function metricsRouteFor(path: string): MetricsRoute | undefined {
  if (path === METRICS_PATH) return summary;
  if (!path.startsWith(`${METRICS_PATH}/`)) return undefined;
  const rest = path.slice(METRICS_PATH.length + 1);
  if (rest === "time-series") return timeSeries;
  if (rest === "bounce-reason") return (params, context) => bounceReasons(params, context, false);
  if (rest === "bounce-reason/domain") return (params, context) => bounceReasons(params, context, true);
  if (rest === "bounce-classification") return bounceClassifications;
  const groupBy = GROUP_BY_ROUTES[rest];
  return groupBy ? (params, context) => groupedBy(params, context, groupBy) : undefined;
}

const toNumber = (value: unknown): number => Number(value);

function metricColumns(request: MetricsRequest): SQL[] {
  return request.metrics.map(({ name, metric }) => metricSql(name, metric));
}

function metricValues(request: MetricsRequest, row: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(request.metrics.map(({ name }) => [name, toNumber(row[name])]));
}

function sourceQuery(
  request: MetricsRequest,
  context: MetricsContext,
  table: SourceQuery["table"],
  keys: GroupKey[],
  grouped?: FilterDimension,
): SourceQuery {
  return {
    table,
    dimension: rollupDimension(grouped, request.filters),
    filters: request.filters,
    keys,
    counters: countersOf(
      table,
      request.metrics.map(({ metric }) => metric),
    ),
    source: context.source ?? "rollups",
  };
}

/**
 * The rows of the answer's statement, built by `statement` over the window's segments: from the rollups, except in
 * the days their backfill has not filled yet, which are counted from the events (coverSegments). The pending days and
 * the rows are read in one snapshot, in which a day's rollups and its done mark were committed together. The alerts'
 * source (alert-source.ts) reads through it too, so an alert's value is the Metrics API's during a backfill as well.
 */
export async function rowsOf(
  context: Pick<MetricsContext, "db" | "source">,
  window: Pick<ResolvedWindow, "from" | "to">,
  segments: readonly Segment[],
  statement: (segments: readonly Segment[]) => SQL,
): Promise<Record<string, unknown>[]> {
  if (context.source === "events") return (await context.db.execute(statement(segments))).rows;
  return withSnapshot(context.db.$client, async ({ db }) => {
    const pending = await pendingDays(db, METRIC_ROLLUPS_BACKFILL.name, window.from, window.to);
    return (await db.execute(statement(coverSegments(segments, pending)))).rows;
  });
}

/** `GET /api/v1/metrics/deliverability`: the requested metrics over the window, as one result. */
async function summary(params: Map<string, string>, context: MetricsContext): Promise<HttpResponse> {
  const request = parseMetricsRequest(params, "summary");
  const window = await resolveWindow(context.db, request, request.precision, context.now);
  const query = sourceQuery(request, context, "metric_rollups", []);
  const [row = {}] = await rowsOf(
    context,
    window,
    planSegments(window.from, window.to),
    (segments) => sql`SELECT ${sql.join(metricColumns(request), sql`, `)} FROM (${unionSql(query, segments)}) AS s`,
  );
  return jsonResponse(200, {
    results: [metricValues(request, row)],
    links: [{ href: METRICS_PATH, rel: "deliverability", method: "GET" }],
  });
}

/** The first requested metric, or order_by, largest first; ties by the keys. */
function orderBy(request: MetricsRequest, keys: readonly GroupKey[]): SQL {
  const metric = request.orderBy ?? request.metrics[0]?.name ?? "";
  return sql.join(
    [sql`${sql.identifier(metric)} DESC`, ...keys.map((key) => sql`s.${sql.identifier(key.alias)}`)],
    sql`, `,
  );
}

async function groupedQuery(
  request: MetricsRequest,
  context: MetricsContext,
  query: SourceQuery,
  window: ResolvedWindow,
): Promise<Record<string, unknown>[]> {
  const keys = query.keys.map((key) => sql`s.${sql.identifier(key.alias)}`);
  return rowsOf(
    context,
    window,
    planSegments(window.from, window.to),
    (segments) => sql`SELECT ${sql.join([...keys, ...metricColumns(request)], sql`, `)}
      FROM (${unionSql(query, segments)}) AS s
      GROUP BY ${sql.join(keys, sql`, `)}
      ORDER BY ${orderBy(request, query.keys)}
      LIMIT ${request.limit}`,
  );
}

/** `GET /api/v1/metrics/deliverability/<dimension>`: the metrics per value of one dimension. */
async function groupedBy(
  params: Map<string, string>,
  context: MetricsContext,
  route: { dimension: FilterDimension; key: string },
): Promise<HttpResponse> {
  const request = parseMetricsRequest(params, "group-by");
  const window = await resolveWindow(context.db, request, request.precision, context.now);
  const key: GroupKey = { alias: "key", rollup: sql`r.value`, raw: DIMENSION_COLUMNS[route.dimension] };
  const query = sourceQuery(request, context, "metric_rollups", [key], route.dimension);
  const rows = await groupedQuery(request, context, query, window);
  return jsonResponse(200, {
    results: rows.map((row) => ({
      [route.key]: route.dimension === "subaccount" ? toNumber(row.key) : row.key,
      ...metricValues(request, row),
    })),
  });
}

const REASON: GroupKey = { alias: "reason", rollup: sql`r.reason`, raw: sql`coalesce(e.reason, '')` };
const BOUNCE_CLASS: GroupKey = {
  alias: "bounce_class",
  rollup: sql`r.bounce_class`,
  raw: sql`coalesce(e.bounce_class, 1)`,
};
const BOUNCE_DOMAIN: GroupKey = { alias: "domain", rollup: sql`r.value`, raw: DIMENSION_COLUMNS.domain };

/** `GET …/bounce-reason` and `…/bounce-reason/domain`: bounces per reason (and recipient domain) with the class. */
async function bounceReasons(
  params: Map<string, string>,
  context: MetricsContext,
  byDomain: boolean,
): Promise<HttpResponse> {
  const request = parseMetricsRequest(params, "bounce", BOUNCE_METRICS);
  const window = await resolveWindow(context.db, request, request.precision, context.now);
  const keys = byDomain ? [REASON, BOUNCE_CLASS, BOUNCE_DOMAIN] : [REASON, BOUNCE_CLASS];
  const query = sourceQuery(request, context, "bounce_rollups", keys, byDomain ? "domain" : undefined);
  const rows = await groupedQuery(request, context, query, window);
  return jsonResponse(200, {
    results: rows.map((row) => ({
      reason: row.reason,
      ...(byDomain ? { domain: row.domain } : {}),
      ...describeBounceClass(toNumber(row.bounce_class)),
      ...metricValues(request, row),
    })),
  });
}

/** `GET …/bounce-classification`: bounces per bounce class. */
async function bounceClassifications(params: Map<string, string>, context: MetricsContext): Promise<HttpResponse> {
  const request = parseMetricsRequest(params, "bounce", BOUNCE_METRICS);
  const window = await resolveWindow(context.db, request, request.precision, context.now);
  const query = sourceQuery(request, context, "bounce_rollups", [BOUNCE_CLASS]);
  const rows = await groupedQuery(request, context, query, window);
  return jsonResponse(200, {
    results: rows.map((row) => {
      const { bounce_category_id: _category, ...described } = describeBounceClass(toNumber(row.bounce_class));
      return { ...described, ...metricValues(request, row) };
    }),
  });
}

/** Without a precision, a time series takes hours up to two days and days beyond. */
function defaultPrecision(request: MetricsRequest, now: Date): Precision {
  const to = request.to === undefined ? now.getTime() : Date.parse(`${request.to}Z`);
  return to - Date.parse(`${request.from}Z`) <= 48 * 3_600_000 ? "hour" : "day";
}

/** The increment every bucket of a precision is made of: a series reads one rollup, or the events. */
function seriesSegment(precision: Precision, window: ResolvedWindow): Segment {
  const increment = ["1min", "5min"].includes(precision) ? 1 : ["day", "week", "month"].includes(precision) ? 1440 : 15;
  const aligned = isAlignedTo(window.from, window.to, increment);
  return { increment: aligned ? increment : 1, from: window.from, to: window.to };
}

/** `GET …/time-series`: the metrics per bucket of `precision`, every bucket of the window, empty ones as zeros. */
async function timeSeries(params: Map<string, string>, context: MetricsContext): Promise<HttpResponse> {
  const request = parseMetricsRequest(params, "time-series");
  const precision = request.precision ?? defaultPrecision(request, context.now);
  const window = await resolveWindow(context.db, request, precision, context.now);
  const zone = window.zone;
  const bucket: GroupKey = {
    alias: "ts",
    rollup: bucketOf(precision, sql`(r.bucket_start AT TIME ZONE ${zone})`),
    raw: bucketOf(precision, sql`(e.event_time AT TIME ZONE ${zone})`),
  };
  const query = sourceQuery(request, context, "metric_rollups", [bucket]);
  const step = stepOf(precision);
  const names = request.metrics.map(
    ({ name }) => sql`coalesce(t.${sql.identifier(name)}, 0) AS ${sql.identifier(name)}`,
  );
  const rows = await rowsOf(
    context,
    window,
    [seriesSegment(precision, window)],
    (segments) => sql`WITH totals AS (
        SELECT s.ts, ${sql.join(metricColumns(request), sql`, `)}
        FROM (${unionSql(query, segments)}) AS s GROUP BY s.ts
      )
      SELECT to_char(g, 'YYYY-MM-DD"T"HH24:MI:SS') AS local_time,
             extract(epoch FROM g - ((g AT TIME ZONE ${zone}) AT TIME ZONE 'UTC'))::integer AS offset_seconds,
             ${sql.join(names, sql`, `)}
      FROM generate_series(${window.fromLocal}::timestamp, ${window.toLocal}::timestamp - ${step}::interval, ${step}::interval) AS g
      LEFT JOIN totals AS t ON t.ts = g
      ORDER BY g`,
  );
  return jsonResponse(200, {
    results: rows.map((row) => ({
      ...metricValues(request, row),
      ts: `${row.local_time}${formatOffset(toNumber(row.offset_seconds))}`,
    })),
  });
}

/** `-04:00`, `+05:45`, `+00:00`. */
function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const minutes = Math.round(Math.abs(seconds) / 60);
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

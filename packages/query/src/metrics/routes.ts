import { type HttpResponse, jsonResponse } from "@msgevents/http";
import { DAY_MS, METRIC_ROLLUPS_0016_BACKFILL, METRIC_ROLLUPS_BACKFILL, utcDay } from "@msgevents/schema";
import { type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { pendingDays } from "../backfill-coverage.ts";
import { type SearchDatabase, withSnapshot } from "../search/snapshot.ts";
import { describeBounceClass } from "./bounce-classes.ts";
import { BOUNCE_METRICS, DELAY_METRICS, REJECTION_TYPES } from "./catalog.ts";
import { type MetricsRequest, type Precision, parseMetricsRequest } from "./params.ts";
import { coverSegments, isAlignedTo, planHourSegments, planSegments, type Segment } from "./segments.ts";
import {
  countersOf,
  DIMENSION_COLUMNS,
  type FilterDimension,
  type GroupKey,
  metricSql,
  rollupDimension,
  type SourceQuery,
  type UniqueIncrement,
  unionSql,
  uniqueSegments,
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
  if (rest === "delay-reason") return (params, context) => delayReasons(params, context, false);
  if (rest === "delay-reason/domain") return (params, context) => delayReasons(params, context, true);
  if (rest === "rejection-reason") return (params, context) => rejectionReasons(params, context, false);
  if (rest === "rejection-reason/domain") return (params, context) => rejectionReasons(params, context, true);
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

/**
 * SparkPost's roll-up increment for the unique metrics at a precision: per minute at 1min, 5min, 15min and without a
 * precision (the aggregate routes' default is 1min), per hour of the zone at hour and 12hr, per UTC day at day, week
 * and month.
 */
function uniquesAt(precision: Precision | undefined, window: ResolvedWindow): UniqueIncrement {
  if (precision === "hour" || precision === "12hr") return { unit: "hour", zone: window.zone, phase: window.phase };
  if (precision === "day" || precision === "week" || precision === "month") return { unit: "day" };
  return { unit: "minute" };
}

function sourceQuery(
  request: MetricsRequest,
  context: MetricsContext,
  table: SourceQuery["table"],
  keys: GroupKey[],
  uniques: UniqueIncrement,
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
    uniques,
    source: context.source ?? "rollups",
  };
}

/** The backfills that fill the metric rollups: a day either has not filled is counted from the events. */
const METRIC_BACKFILLS = [METRIC_ROLLUPS_BACKFILL.name, METRIC_ROLLUPS_0016_BACKFILL.name];

/** The segments of a window: its counters' and, when they are per hour or day, its unique counters' own. */
export interface Segments {
  counts: readonly Segment[];
  uniques: readonly Segment[];
}

/**
 * The window's segments for an aggregate route (see planSegments and uniqueSegments); reason_rollups keeps hours
 * instead of quarter hours (planHourSegments).
 */
export const windowSegments = (query: SourceQuery, window: Pick<ResolvedWindow, "from" | "to">): Segments => ({
  counts: (query.table === "reason_rollups" ? planHourSegments : planSegments)(window.from, window.to),
  uniques: uniqueSegments(query, window.from, window.to, false),
});

/** The minutes past the UTC hour at which the query's unique hours start (their rows' days are shifted by it). */
const phaseMs = (query: SourceQuery) => (query.uniques.unit === "hour" ? (query.uniques.phase ?? 0) * 60_000 : 0);

/**
 * The days whose rows of metric_unique_rollups are not complete: the pending days, and for the hours of :15 and :30
 * zones the day before each (its last hours run into the pending day, and when it stores no events of its own the
 * pending day's fill writes them).
 */
function uniquesPending(pending: ReadonlySet<string>, shiftMs: number): ReadonlySet<string> {
  if (shiftMs === 0) return pending;
  const days = new Set(pending);
  for (const day of pending) days.add(utcDay(new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS)));
  return days;
}

/**
 * The rows of the answer's statement, built by `statement` over the window's segments: from the rollups, except in
 * the days their backfills have not filled yet, which are counted from the events (coverSegments). The pending days
 * and the rows are read in one snapshot, in which a day's rollups and its done mark were committed together. The
 * alerts' source (alert-source.ts) reads through it too, so an alert's value is the Metrics API's during a backfill.
 */
export async function rowsOf(
  context: Pick<MetricsContext, "db" | "source">,
  window: Pick<ResolvedWindow, "from" | "to">,
  query: SourceQuery,
  segments: Segments,
  statement: (segments: Segments) => SQL,
): Promise<Record<string, unknown>[]> {
  return readInSnapshot(
    context,
    window,
    query,
    segments,
    async (covered, db) => (await db.execute(statement(covered))).rows,
  );
}

/**
 * What rowsOf does, for answers read with more than one statement: `read` runs them in the snapshot, over the
 * segments with their pending days covered.
 */
async function readInSnapshot(
  context: Pick<MetricsContext, "db" | "source">,
  window: Pick<ResolvedWindow, "from" | "to">,
  query: SourceQuery,
  segments: Segments,
  read: (covered: Segments, db: NodePgDatabase) => Promise<Record<string, unknown>[]>,
): Promise<Record<string, unknown>[]> {
  if (context.source === "events") return read(segments, context.db);
  return withSnapshot(context.db.$client, async ({ db }) => {
    // The rows of a :15 or :30 zone's hours are kept under the UTC hour before: the day before the window's may count.
    const from = new Date(window.from.getTime() - 3_600_000);
    const pending = new Set<string>();
    for (const backfill of METRIC_BACKFILLS) {
      for (const day of await pendingDays(db, backfill, from, window.to)) pending.add(day);
    }
    const covered: Segments = {
      counts: coverSegments(segments.counts, pending),
      uniques: coverSegments(segments.uniques, uniquesPending(pending, phaseMs(query)), phaseMs(query)),
    };
    return read(covered, db);
  });
}

/** `GET /api/v1/metrics/deliverability`: the requested metrics over the window, as one result. */
async function summary(params: Map<string, string>, context: MetricsContext): Promise<HttpResponse> {
  const request = parseMetricsRequest(params, "summary");
  const window = await resolveWindow(context.db, request, request.precision, context.now);
  const query = sourceQuery(request, context, "metric_rollups", [], uniquesAt(request.precision, window));
  const [row = {}] = await rowsOf(
    context,
    window,
    query,
    windowSegments(query, window),
    (segments) =>
      sql`SELECT ${sql.join(metricColumns(request), sql`, `)} FROM (${unionSql(query, segments.counts, segments.uniques)}) AS s`,
  );
  return jsonResponse(200, {
    results: [metricValues(request, row)],
    links: [{ href: METRICS_PATH, rel: "deliverability", method: "GET" }],
  });
}

/** The name of the metric a grouped answer is ordered by: order_by, else the first requested metric. */
function orderingMetric(request: MetricsRequest): string {
  return request.orderBy ?? request.metrics[0]?.name ?? "";
}

/** The first requested metric, or order_by, largest first; ties by the keys. */
function orderBy(request: MetricsRequest, keys: readonly GroupKey[]): SQL {
  const metric = orderingMetric(request);
  return sql.join(
    [sql`${sql.identifier(metric)} DESC`, ...keys.map((key) => sql`s.${sql.identifier(key.alias)}`)],
    sql`, `,
  );
}

/**
 * Group-bys asking for at most this many groups (a dashboard's top 10) find them before summing their metrics (see
 * groupedQuery); larger limits are answered in one statement, as most of their groups are wanted anyway.
 */
export const TOP_GROUPS_FIRST = 100;

/**
 * The groups of `query`, ordered and limited as requested. A group-by on one dimension (`grouped`) with a small
 * limit reads in two statements of one snapshot: the groups' values ranked by the ordering metric alone, then every
 * requested metric of the top `limit` values only. Ranking sums one or two counters per row instead of every
 * requested one, and of one table where the metrics need two (the unique counters); the second statement reads the
 * top values' rows alone. The top 10 of 1,905 recipient domains over 30 days by day, at 5M events as operated:
 * 68-83 ms in one statement, 30-37 ms in two (README, "Metrics benchmark"). Both statements order by the metric,
 * then the value, so the answer is the one statement's, ties included. Recounts from the events (`source: "events"`,
 * the benchmarks' and tests' reference) stay one statement.
 */
async function groupedQuery(
  request: MetricsRequest,
  context: MetricsContext,
  query: SourceQuery,
  window: ResolvedWindow,
  grouped?: FilterDimension,
): Promise<Record<string, unknown>[]> {
  const keys = query.keys.map((key) => sql`s.${sql.identifier(key.alias)}`);
  const statement = (selected: readonly SQL[], source: SourceQuery, segments: Segments) =>
    sql`SELECT ${sql.join([...keys, ...selected], sql`, `)}
      FROM (${unionSql(source, segments.counts, segments.uniques)}) AS s
      GROUP BY ${sql.join(keys, sql`, `)}
      ORDER BY ${orderBy(request, query.keys)}
      LIMIT ${request.limit}`;
  const segments = windowSegments(query, window);
  const ranking = request.metrics.find(({ name }) => name === orderingMetric(request));
  const [key, ...otherKeys] = query.keys;
  if (
    !grouped ||
    !ranking ||
    !key ||
    otherKeys.length > 0 ||
    request.limit > TOP_GROUPS_FIRST ||
    context.source === "events"
  ) {
    return rowsOf(context, window, query, segments, (covered) => statement(metricColumns(request), query, covered));
  }
  const ranked: SourceQuery = { ...query, counters: countersOf(query.table, [ranking.metric]) };
  const rankedNeedsUniques = uniqueSegments(ranked, window.from, window.to, false).length > 0;
  return readInSnapshot(context, window, query, segments, async (covered, db) => {
    const rankedSegments = { counts: covered.counts, uniques: rankedNeedsUniques ? covered.uniques : [] };
    const top = (await db.execute(statement([metricSql(ranking.name, ranking.metric)], ranked, rankedSegments))).rows;
    if (top.length === 0) return [];
    // A dimension's values are text and never NULL, in the rollups (`value text NOT NULL`) as in a recount.
    const values = top.map((row) => String(row[key.alias]));
    const topOnly: SourceQuery = { ...query, filters: new Map(query.filters).set(grouped, values) };
    return (await db.execute(statement(metricColumns(request), topOnly, covered))).rows;
  });
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
  const query = sourceQuery(
    request,
    context,
    "metric_rollups",
    [key],
    uniquesAt(request.precision, window),
    route.dimension,
  );
  const rows = await groupedQuery(request, context, query, window, route.dimension);
  return jsonResponse(200, {
    results: rows.map((row) => ({
      [route.key]: route.dimension === "subaccount" ? toNumber(row.key) : row.key,
      ...metricValues(request, row),
    })),
  });
}

/** The bounce and reason routes count no unique metric. */
const PER_MINUTE: UniqueIncrement = { unit: "minute" };

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
  const query = sourceQuery(request, context, "bounce_rollups", keys, PER_MINUTE, byDomain ? "domain" : undefined);
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
  const query = sourceQuery(request, context, "bounce_rollups", [BOUNCE_CLASS], PER_MINUTE);
  const rows = await groupedQuery(request, context, query, window);
  return jsonResponse(200, {
    results: rows.map((row) => {
      const { bounce_category_id: _category, ...described } = describeBounceClass(toNumber(row.bounce_class));
      return { ...described, ...metricValues(request, row) };
    }),
  });
}

/** The reason (and recipient domain) columns of a reason route's rows, as SQL over the grouped rows `g`. */
function reasonKeys(byDomain: boolean): GroupKey[] {
  return byDomain ? [REASON, BOUNCE_DOMAIN] : [REASON];
}

/** The window's delays or rejections per reason (and domain), summed from reason_rollups: rows `g` of `grouped`. */
async function reasonQuery(
  request: MetricsRequest,
  context: MetricsContext,
  byDomain: boolean,
  select: (keys: SQL[]) => SQL,
): Promise<Record<string, unknown>[]> {
  const window = await resolveWindow(context.db, request, request.precision, context.now);
  const keys = reasonKeys(byDomain);
  const query = sourceQuery(request, context, "reason_rollups", keys, PER_MINUTE, byDomain ? "domain" : undefined);
  const columns = keys.map((key) => sql`s.${sql.identifier(key.alias)}`);
  return rowsOf(
    context,
    window,
    query,
    windowSegments(query, window),
    (segments) => sql`WITH grouped AS (
        SELECT ${sql.join([...columns, ...metricColumns(request)], sql`, `)}
        FROM (${unionSql(query, segments.counts, segments.uniques)}) AS s
        GROUP BY ${sql.join(columns, sql`, `)}
      )
      ${select(keys.map((key) => sql`g.${sql.identifier(key.alias)}`))}`,
  );
}

/** `GET …/delay-reason` and `…/delay-reason/domain`: delays per reason (and recipient domain), most first. */
async function delayReasons(
  params: Map<string, string>,
  context: MetricsContext,
  byDomain: boolean,
): Promise<HttpResponse> {
  const request = parseMetricsRequest(params, "reason", DELAY_METRICS);
  const rows = await reasonQuery(
    request,
    context,
    byDomain,
    (keys) => sql`SELECT ${sql.join(keys, sql`, `)}, g.count_delayed, g.count_delayed_first FROM grouped AS g
      WHERE g.count_delayed > 0 ORDER BY g.count_delayed DESC, ${sql.join(keys, sql`, `)} LIMIT ${request.limit}`,
  );
  return jsonResponse(200, {
    results: rows.map((row) => ({
      reason: row.reason,
      ...(byDomain ? { domain: row.domain } : {}),
      count_delayed: toNumber(row.count_delayed),
      count_delayed_first: toNumber(row.count_delayed_first),
    })),
  });
}

/**
 * `GET …/rejection-reason` and `…/rejection-reason/domain`: rejections per reason (and recipient domain) and kind of
 * rejection, most first. Category ids 1 (Policy Rejection) and 2 (Generation Rejection) are SparkPost's; 3
 * (Generation Failure) is msgevents' own, as SparkPost documents no other.
 */
async function rejectionReasons(
  params: Map<string, string>,
  context: MetricsContext,
  byDomain: boolean,
): Promise<HttpResponse> {
  const request = parseMetricsRequest(
    params,
    "reason",
    REJECTION_TYPES.map((type) => type.metric),
  );
  const kinds = sql.join(
    REJECTION_TYPES.map((type) => sql`(${type.id}, ${type.name}, g.${sql.identifier(type.metric)})`),
    sql`, `,
  );
  const rows = await reasonQuery(
    request,
    context,
    byDomain,
    (keys) => sql`SELECT ${sql.join(keys, sql`, `)}, t.id, t.name, t.count FROM grouped AS g
      CROSS JOIN LATERAL (VALUES ${kinds}) AS t(id, name, count)
      WHERE t.count > 0 ORDER BY t.count DESC, ${sql.join(keys, sql`, `)}, t.id LIMIT ${request.limit}`,
  );
  return jsonResponse(200, {
    results: rows.map((row) => ({
      reason: row.reason,
      ...(byDomain ? { domain: row.domain } : {}),
      count_rejected: toNumber(row.count),
      rejection_category_id: toNumber(row.id),
      rejection_type: row.name,
    })),
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
    shifted: (phase) =>
      bucketOf(precision, sql`((r.bucket_start + make_interval(mins => ${phase})) AT TIME ZONE ${zone})`),
  };
  const query = sourceQuery(request, context, "metric_rollups", [bucket], uniquesAt(precision, window));
  const step = stepOf(precision);
  const names = request.metrics.map(
    ({ name }) => sql`coalesce(t.${sql.identifier(name)}, 0) AS ${sql.identifier(name)}`,
  );
  const rows = await rowsOf(
    context,
    window,
    query,
    { counts: [seriesSegment(precision, window)], uniques: uniqueSegments(query, window.from, window.to, true) },
    (segments) => sql`WITH totals AS (
        SELECT s.ts, ${sql.join(metricColumns(request), sql`, `)}
        FROM (${unionSql(query, segments.counts, segments.uniques)}) AS s GROUP BY s.ts
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

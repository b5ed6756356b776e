import type { MetricDimension } from "@msgevents/schema";
import { invalidParameter } from "../request/errors.ts";
import { resolveMetric, type ServedMetric } from "./catalog.ts";

/** SparkPost's precisions; the aggregate routes take the first five, time-series all eight. */
export const PRECISIONS = ["1min", "5min", "15min", "hour", "12hr", "day", "week", "month"] as const;
export type Precision = (typeof PRECISIONS)[number];
const AGGREGATE_PRECISIONS: readonly Precision[] = ["1min", "5min", "15min", "hour", "day"];

/** The list filters, each with the dimension it constrains. */
export const FILTER_PARAMS: Readonly<Record<string, Exclude<MetricDimension, "">>> = {
  domains: "domain",
  campaigns: "campaign",
  templates: "template",
  sending_ips: "sending_ip",
  ip_pools: "ip_pool",
  sending_domains: "sending_domain",
  subaccounts: "subaccount",
  mailbox_providers: "mailbox_provider",
  mailbox_provider_regions: "mailbox_provider_region",
};

/**
 * SparkPost parameters msgevents knows but does not serve: refused rather than ignored, since ignoring them would
 * answer for more than was asked. Any other parameter a route does not take is ignored, as SparkPost does.
 */
const UNSUPPORTED_PARAMS: Readonly<Record<string, string>> = {
  query_filters: "advanced filters (query_filters) are not supported; use the list filters (domains, campaigns, …)",
  subject_campaigns: "subject campaigns belong to SparkPost's Deliverability Add-On and are not served",
};

export type RouteKind = "summary" | "group-by" | "time-series" | "bounce" | "reason";

/** The routes that take `limit` and `order_by`; elsewhere both are ignored like any parameter a route does not take. */
const TAKES_LIMIT: readonly RouteKind[] = ["group-by", "bounce", "reason"];
const TAKES_ORDER_BY: readonly RouteKind[] = ["group-by"];

export interface RequestedMetric {
  /** The name as requested (an `_approx` alias stays as asked). */
  name: string;
  metric: ServedMetric;
}

export interface MetricsRequest {
  /** `YYYY-MM-DDTHH:MM`, wall time in `timezone`. */
  from: string;
  to: string | undefined;
  timezone: string;
  precision: Precision | undefined;
  metrics: RequestedMetric[];
  filters: Map<Exclude<MetricDimension, "">, string[]>;
  limit: number;
  orderBy: string | undefined;
}

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

/**
 * Validates a Metrics API query for one kind of route; every problem is a 400 naming the parameter. The reason routes
 * (delay-reason, rejection-reason) take no `metrics`: they answer `allowedMetrics`, as SparkPost's do.
 */
export function parseMetricsRequest(
  params: Map<string, string>,
  kind: RouteKind,
  allowedMetrics?: readonly string[],
): MetricsRequest {
  for (const [name, why] of Object.entries(UNSUPPORTED_PARAMS)) {
    // SparkPost's bounce and reason routes take no subject_campaigns: there it is just another parameter to ignore.
    if ((kind === "bounce" || kind === "reason") && name === "subject_campaigns") continue;
    if (params.has(name)) throw invalidParameter(name, "unsupported parameter", why);
  }
  const delimiter = parseDelimiter(params.get("delimiter"));
  const from = params.get("from");
  if (from === undefined || from === "") {
    throw invalidParameter("from", "required parameter", "'from' is required, as YYYY-MM-DDTHH:MM in 'timezone'");
  }
  const metrics =
    kind === "reason"
      ? (allowedMetrics ?? []).map((name) => ({ name, metric: name as ServedMetric }))
      : parseMetrics(params.get("metrics"), delimiter, allowedMetrics);
  const orderBy = TAKES_ORDER_BY.includes(kind) ? params.get("order_by") : undefined;
  if (orderBy !== undefined && !metrics.some((metric) => metric.name === orderBy)) {
    throw invalidParameter("order_by", "invalid parameter", "'order_by' must be one of the requested metrics");
  }
  return {
    from: parseWallTime(from, "from"),
    to: params.has("to") ? parseWallTime(params.get("to") ?? "", "to") : undefined,
    timezone: parseTimezone(params.get("timezone")),
    precision: parsePrecision(params.get("precision"), kind === "time-series" ? PRECISIONS : AGGREGATE_PRECISIONS),
    metrics,
    filters: parseFilters(params, delimiter),
    limit: parseLimit(TAKES_LIMIT.includes(kind) ? params.get("limit") : undefined),
    orderBy,
  };
}

function parseDelimiter(value: string | undefined): string {
  if (value === undefined) return ",";
  if ([...value].length !== 1) {
    throw invalidParameter("delimiter", "invalid parameter", "'delimiter' must be a single character");
  }
  return value;
}

function parseWallTime(value: string, param: string): string {
  const match = WALL_TIME.exec(value);
  if (match) {
    const [y, mo, d, h, mi] = match.slice(1).map(Number) as [number, number, number, number, number];
    const check = new Date(Date.UTC(y, mo - 1, d, h, mi));
    const valid =
      y >= 1970 && y < 3000 && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d && check.getUTCHours() === h;
    if (valid && mi < 60) return value;
  }
  throw invalidParameter(param, "invalid date", `'${param}' must be a time in the format YYYY-MM-DDTHH:MM`);
}

/** An IANA zone name as PostgreSQL knows it; the database confirms it when the window is resolved. */
function parseTimezone(value: string | undefined): string {
  if (value === undefined) return "UTC";
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(value)) throw invalidTimezone();
  return value;
}

export const invalidTimezone = () =>
  invalidParameter("timezone", "invalid parameter", "'timezone' must be an IANA time zone name, e.g. America/New_York");

function parsePrecision(value: string | undefined, allowed: readonly Precision[]): Precision | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidParameter("precision", "invalid parameter", `'precision' must be one of ${allowed.join(", ")}`);
  }
  return value as Precision;
}

function parseMetrics(
  value: string | undefined,
  delimiter: string,
  allowedMetrics: readonly string[] | undefined,
): RequestedMetric[] {
  if (value === undefined || value === "") {
    throw invalidParameter("metrics", "required parameter", "'metrics' is required: a list of metric names");
  }
  const names = [...new Set(value.split(delimiter).map((name) => name.trim()))];
  return names.map((name) => {
    const resolved = resolveMetric(name);
    if (resolved && "unserved" in resolved) {
      throw invalidParameter(
        "metrics",
        "unsupported metric",
        `'${name}' is not served by msgevents: ${resolved.unserved}`,
      );
    }
    if (!resolved || (allowedMetrics && !allowedMetrics.includes(name))) {
      const among = allowedMetrics ? `; this endpoint takes ${allowedMetrics.join(", ")}` : "";
      throw invalidParameter("metrics", "invalid parameter", `'${name}' is not a metric${among}`);
    }
    return { name, metric: resolved.metric };
  });
}

function parseFilters(params: Map<string, string>, delimiter: string): MetricsRequest["filters"] {
  const filters: MetricsRequest["filters"] = new Map();
  for (const [param, dimension] of Object.entries(FILTER_PARAMS)) {
    const value = params.get(param);
    if (value === undefined) continue;
    const values = [...new Set(value.split(delimiter).map((item) => item.trim()))].filter((item) => item !== "");
    if (values.length === 0) {
      throw invalidParameter(param, "invalid parameter", `'${param}' must list at least one value`);
    }
    if (dimension === "subaccount" && values.some((item) => !/^\d{1,10}$/.test(item) || Number(item) > 2 ** 31 - 1)) {
      throw invalidParameter(
        param,
        "invalid parameter",
        "'subaccounts' must list subaccount ids (0 = primary account)",
      );
    }
    filters.set(dimension, dimension === "subaccount" ? values.map((item) => String(Number(item))) : values);
  }
  return filters;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = Number(value);
  if (!/^\d{1,5}$/.test(value) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidParameter("limit", "invalid parameter", `'limit' must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

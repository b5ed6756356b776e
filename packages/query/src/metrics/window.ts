import { type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { invalidParameter } from "../request/errors.ts";
import { invalidTimezone, type MetricsRequest, type Precision } from "./params.ts";

/** Each precision's bucket as SQL over a wall-clock `timestamp`, and its length. */
const BUCKETS: Readonly<Record<Precision, { floor: (time: SQL) => SQL; step: string }>> = {
  "1min": { floor: (time) => sql`date_trunc('minute', ${time})`, step: "1 minute" },
  "5min": { floor: (time) => sql`date_bin('5 minutes', ${time}, timestamp '2000-01-01')`, step: "5 minutes" },
  "15min": { floor: (time) => sql`date_bin('15 minutes', ${time}, timestamp '2000-01-01')`, step: "15 minutes" },
  hour: { floor: (time) => sql`date_trunc('hour', ${time})`, step: "1 hour" },
  "12hr": { floor: (time) => sql`date_bin('12 hours', ${time}, timestamp '2000-01-01')`, step: "12 hours" },
  day: { floor: (time) => sql`date_trunc('day', ${time})`, step: "1 day" },
  week: { floor: (time) => sql`date_trunc('week', ${time})`, step: "1 week" },
  month: { floor: (time) => sql`date_trunc('month', ${time})`, step: "1 month" },
};

export const bucketOf = (precision: Precision, time: SQL): SQL => BUCKETS[precision].floor(time);
export const stepOf = (precision: Precision): string => BUCKETS[precision].step;

/** SparkPost's longest window per precision, in hours; longer precisions have none. */
const MAX_HOURS: Partial<Record<Precision, number>> = { "1min": 24, "5min": 24, "15min": 48, hour: 31 * 24 };
/** One bucket of each limited precision, in ms: rounding `to` up to its bucket's end may add up to one. */
const STEP_MS: Partial<Record<Precision, number>> = {
  "1min": 60_000,
  "5min": 300_000,
  "15min": 900_000,
  hour: 3_600_000,
};

/** SparkPost reports day, week and month in UTC whatever the time zone asked for. */
const UTC_PRECISIONS: readonly Precision[] = ["day", "week", "month"];

export interface ResolvedWindow {
  /** Instants: from inclusive, to exclusive. */
  from: Date;
  to: Date;
  /** The same bounds as wall times in `zone` (`YYYY-MM-DD HH:MM:SS`), where time-series buckets are cut. */
  fromLocal: string;
  toLocal: string;
  zone: string;
  /**
   * At hour and 12hr precision, the minutes past the UTC hour at which the zone's hours start (0, or 15 for
   * Kathmandu's +05:45, 30 for Kolkata's +05:30), when it is the same for every hour of the window.
   */
  phase: number | undefined;
}

/** The precisions whose unique metrics are per hour of the zone (see sources.ts, UniqueIncrement). */
const HOURLY: readonly Precision[] = ["hour", "12hr"];

/**
 * The window a query covers, computed by PostgreSQL (which knows every IANA zone and its DST rules): `from` floored to
 * the start of its bucket, `to` moved to the end of the bucket holding it, except at 1min (or no precision) where
 * `to` is exclusive as given; `to` defaults to now. Checks the order and SparkPost's longest window per precision.
 */
export async function resolveWindow(
  db: NodePgDatabase,
  request: MetricsRequest,
  precision: Precision | undefined,
  now: Date,
): Promise<ResolvedWindow> {
  const zone = precision && UTC_PRECISIONS.includes(precision) ? "UTC" : request.timezone;
  const given =
    request.to === undefined
      ? sql`(${now.toISOString()}::timestamptz AT TIME ZONE ${zone})`
      : sql`${request.to}::timestamp`;
  const start = sql`${request.from}::timestamp`;
  const from = precision ? bucketOf(precision, start) : start;
  const to =
    precision && precision !== "1min"
      ? sql`(${bucketOf(precision, given)} + ${stepOf(precision)}::interval)`
      : sql`date_trunc('minute', ${given})`;
  let row: Record<string, unknown> | undefined;
  try {
    const phases =
      precision && HOURLY.includes(precision)
        ? sql`(SELECT array_agg(DISTINCT mod(mod(-(extract(epoch FROM (g AT TIME ZONE ${zone}) - (g AT TIME ZONE 'UTC')) / 60)::integer, 60) + 60, 60))
               FROM generate_series(i.from_at, i.to_at - interval '1 minute', interval '1 hour') AS g)`
        : sql`NULL::integer[]`;
    const result = await db.execute(sql`
      SELECT i.*, ${phases} AS phases
      FROM (
        SELECT f AT TIME ZONE ${zone} AS from_at, t AT TIME ZONE ${zone} AS to_at,
               to_char(f, 'YYYY-MM-DD HH24:MI:SS') AS from_local, to_char(t, 'YYYY-MM-DD HH24:MI:SS') AS to_local
        FROM (SELECT ${from} AS f, ${to} AS t) AS w
      ) AS i`);
    row = result.rows[0];
  } catch (error) {
    if (isInvalidParameterValue(error)) throw invalidTimezone();
    throw error;
  }
  const window: ResolvedWindow = {
    from: new Date(row?.from_at as string | Date),
    to: new Date(row?.to_at as string | Date),
    fromLocal: String(row?.from_local),
    toLocal: String(row?.to_local),
    zone,
    phase: onePhase(row?.phases),
  };
  if (window.from.getTime() >= window.to.getTime()) {
    throw invalidParameter("from", "invalid date range", "'from' must be before 'to'");
  }
  const maxHours = request.precision ? MAX_HOURS[request.precision] : undefined;
  const slack = request.precision ? (STEP_MS[request.precision] ?? 0) : 0;
  if (maxHours !== undefined && window.to.getTime() - window.from.getTime() > maxHours * 3_600_000 + slack) {
    throw invalidParameter(
      "precision",
      "invalid parameter",
      `precision ${request.precision} allows a window of at most ${maxHours} hours; use a coarser precision`,
    );
  }
  return window;
}

/** PostgreSQL's invalid_parameter_value (an unknown time zone), found through drizzle's wrapping error. */
function isInvalidParameterValue(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === "22023") return true;
  }
  return false;
}

/** The one phase of all the window's hours, or undefined when they have several (a clock change of 30 minutes). */
function onePhase(phases: unknown): number | undefined {
  return Array.isArray(phases) && phases.length === 1 ? Number(phases[0]) : undefined;
}

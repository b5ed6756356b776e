import type { MetricDimension, RollupCounter } from "@msgevents/schema";
import {
  BOUNCE_ROLLUP_COUNTERS,
  COMPACTED_ROLLUPS,
  REASON_ROLLUP_COUNTERS,
  ROLLUP_COUNTERS,
  startOfUtcDay,
} from "@msgevents/schema";
import { type SQL, sql } from "drizzle-orm";
import { textArray } from "../search/tokens.ts";
import { type MetricDefinition, SERVED_METRICS, type ServedMetric } from "./catalog.ts";
import { planHourSegments, type Segment } from "./segments.ts";

export type FilterDimension = Exclude<MetricDimension, "">;
export type Filters = ReadonlyMap<FilterDimension, readonly string[]>;

/** Which rollup table answers: the metric counters, the bounce counters by reason and class, or delays and
 * rejections by reason. */
export type RollupTable = "metric_rollups" | "bounce_rollups" | "reason_rollups";

/** Each rollup table's counters. */
export const ROLLUP_TABLE_COUNTERS: Readonly<Record<RollupTable, readonly RollupCounter[]>> = {
  metric_rollups: ROLLUP_COUNTERS,
  bounce_rollups: BOUNCE_ROLLUP_COUNTERS,
  reason_rollups: REASON_ROLLUP_COUNTERS,
};

/** The counters the requested metrics are made of: a segment sums only those. */
export function countersOf(table: RollupTable, metrics: readonly ServedMetric[]): RollupCounter[] {
  const needed = new Set<RollupCounter>();
  for (const metric of metrics) {
    const definition: MetricDefinition = SERVED_METRICS[metric];
    for (const counter of [...definition.plus, ...(definition.minus ?? [])]) needed.add(counter);
  }
  return ROLLUP_TABLE_COUNTERS[table].filter((counter) => needed.has(counter));
}

/** The event types that count in each table (see msgevents_event_metrics, migrations 0008 and 0016). */
const COUNTED_TYPES: Readonly<Record<RollupTable, readonly string[]>> = {
  metric_rollups: [
    "injection",
    "policy_rejection",
    "generation_rejection",
    "generation_failure",
    "delivery",
    "delay",
    "bounce",
    "out_of_band",
    "open",
    "amp_open",
    "initial_open",
    "amp_initial_open",
    "click",
    "amp_click",
    "spam_complaint",
    "list_unsubscribe",
    "link_unsubscribe",
  ],
  bounce_rollups: ["bounce", "out_of_band"],
  reason_rollups: ["delay", "policy_rejection", "generation_rejection", "generation_failure"],
};

/** The event types of each unique counter: a message counts once per increment among events of these types. */
const UNIQUE_TYPES: Partial<Record<RollupCounter, readonly string[]>> = {
  count_unique_rendered: ["open", "amp_open"],
  count_unique_initial_rendered: ["initial_open", "amp_initial_open"],
  count_unique_clicked: ["click", "amp_click"],
  count_unique_confirmed_opened: ["open", "amp_open", "initial_open", "amp_initial_open", "click", "amp_click"],
};

/** The events column (as SQL over `e`) each dimension reads; rollups hold the same values. */
export const DIMENSION_COLUMNS: Readonly<Record<FilterDimension, SQL>> = {
  domain: sql`e.recipient_domain`,
  campaign: sql`e.campaign_id`,
  template: sql`e.template_id`,
  sending_ip: sql`e.sending_ip`,
  ip_pool: sql`e.ip_pool`,
  sending_domain: sql`e.sending_domain`,
  subaccount: sql`coalesce(e.subaccount_id, 0)::text`,
  mailbox_provider: sql`e.mailbox_provider`,
  mailbox_provider_region: sql`e.mailbox_provider_region`,
};

/** A column of the answer's grouping, as read from a rollup row and from an event. */
export interface GroupKey {
  alias: string;
  rollup: SQL;
  raw: SQL;
  /**
   * The same from a metric_unique_rollups row, where an hour row's `bucket_start` is the UTC hour `phase` minutes
   * before the zone's hour it holds (a time-series bucket); `rollup` when absent.
   */
  shifted?: (phase: number) => SQL;
}

/**
 * The roll-up increment within which a unique metric counts a message once, as SparkPost's roll-ups do: a minute at
 * 1min, 5min and 15min precision (and without a precision: SparkPost's default is 1min), an hour at hour and 12hr,
 * a UTC day at day, week and month. An hour is a real hour that starts at :00 on the zone's clock, `phase` minutes
 * past a UTC hour; `phase` is undefined where the window's hours are not all of one stored phase (0, 15, 30), and
 * are then counted from the events.
 */
export type UniqueIncrement =
  | { unit: "minute" }
  | { unit: "hour"; zone: string; phase: number | undefined }
  | { unit: "day" };

/** The phases metric_unique_rollups keeps: the hours of every zone whose offset is whole or half an hour, or :45. */
export const STORED_PHASES: readonly number[] = [0, 15, 30];

export interface SourceQuery {
  table: RollupTable;
  /** The one dimension the query constrains (grouping or filter), `""` for none; undefined when several are. */
  dimension: MetricDimension | undefined;
  filters: Filters;
  keys: readonly GroupKey[];
  /** The counters to sum (see countersOf). */
  counters: readonly RollupCounter[];
  uniques: UniqueIncrement;
  /** `events` recounts from the stored events (benchmarks and tests compare both); `rollups` reads rollups. */
  source: "rollups" | "events";
}

/**
 * The one rollup dimension that can answer a query grouping by `grouped` with `filters`: rollups keep one dimension
 * per row, so a query constraining two (say domains= with group-by campaign) is answered from the events instead.
 */
export function rollupDimension(grouped: FilterDimension | undefined, filters: Filters): MetricDimension | undefined {
  const constrained = new Set<FilterDimension>(filters.keys());
  if (grouped) constrained.add(grouped);
  if (constrained.size > 1) return undefined;
  return [...constrained][0] ?? "";
}

const ORIGIN = sql`timestamptz '2000-01-01 00:00:00+00'`;

/**
 * The increment holding an event, as SQL over `e`: its minute, its UTC day, or its hour of the zone (the real hour
 * from :00 on the zone's clock at that instant, so an hour repeated when clocks go back is two increments).
 */
function incrementOf(uniques: UniqueIncrement): SQL {
  if (uniques.unit === "minute") return sql`date_bin('1 minute', e.event_time, ${ORIGIN})`;
  if (uniques.unit === "day") return sql`date_bin('1 day', e.event_time, ${ORIGIN})`;
  const offsetMinutes = sql`(extract(epoch FROM (e.event_time AT TIME ZONE ${uniques.zone}) - (e.event_time AT TIME ZONE 'UTC')) / 60)::integer`;
  return sql`date_bin('1 hour', e.event_time, ${ORIGIN} + make_interval(mins => mod(mod(-${offsetMinutes}, 60) + 60, 60)))`;
}

const typeList = (types: readonly string[]) =>
  sql.join(
    types.map((type) => sql`${type}`),
    sql`, `,
  );

const isUnique = (counter: RollupCounter): boolean => UNIQUE_TYPES[counter] !== undefined;

/** What a part of the union sums: every counter, those but the unique ones, or the unique ones alone. */
type Part = "all" | "counts" | "uniques";

const zero = (counter: RollupCounter) => sql`0 AS ${sql.identifier(counter)}`;

function groupByOf(keys: readonly GroupKey[]): SQL {
  return keys.length > 0
    ? sql` GROUP BY ${sql.join(
        keys.map((_, index) => sql.raw(String(index + 1))),
        sql`, `,
      )}`
    : sql``;
}

function valueFilter(query: SourceQuery): SQL {
  const dimension = query.dimension ?? "";
  const wanted = dimension === "" ? undefined : query.filters.get(dimension);
  return wanted ? sql`AND r.value = ANY(${textArray(wanted)}::text[])` : sql``;
}

/**
 * A table's rows of its smaller increment within [from, to), with its columns (the keys and `counters`): the rows
 * themselves, and the elements of its compacted days (COMPACTED_ROLLUPS: in the slots table, migration 0025, or in
 * the day rows 0023 compacted, until the maintenance moves them there), which hold those of an ended day. An
 * increment may have both (events that arrived after its day was compacted): a segment sums them. The arrays are
 * unnested in the select list, in step (a NULL array gives NULLs): unnest in FROM over ten arrays stores each one's
 * elements first and took six times as long (28 against 4.7 ms over a day of a million events' domains).
 */
function slotRows(table: RollupTable, counters: readonly RollupCounter[], segment: Segment): SQL {
  const { minutes: increment, slot, keys, slotsTable } = COMPACTED_ROLLUPS[table];
  // The segment's bounds as (day, slot of the day): compared per element without computing its time.
  const [fromDay, fromSlot] = daySlot(segment.from, increment);
  const [toDay, toSlot] = daySlot(segment.to, increment);
  const columns = (alias: string, names: readonly string[]) =>
    sql.join(
      names.map((name) => sql`${sql.identifier(alias)}.${sql.identifier(name)}`),
      sql`, `,
    );
  const counted = (alias: string) =>
    sql.join(counters.map((counter) => sql`, ${sql.identifier(alias)}.${sql.identifier(counter)}`));
  const unnested = counters.map(
    (counter) => sql`, unnest(d.${sql.identifier(`${slot}_${counter}`)}) AS ${sql.identifier(counter)}`,
  );
  /** The elements of the compacted days of `source` whose rows `where` (over `d`) selects, in the segment. */
  const elements = (source: string, where: SQL) => sql`
    SELECT ${increment}::smallint, u.dimension, u.day_start + u.slot * ${sql.raw(`interval '${increment} minutes'`)},
      ${columns("u", keys)}${counted("u")}
    FROM (
      SELECT d.dimension, d.bucket_start AS day_start, ${columns("d", keys)}, unnest(d.${sql.identifier(`${slot}s`)}) AS slot${sql.join(unnested)}
      FROM ${sql.identifier(source)} AS d
      WHERE ${where}
        AND d.bucket_start >= ${fromDay}::timestamptz AND d.bucket_start < ${segment.to.toISOString()}::timestamptz) AS u
    WHERE (u.day_start, u.slot) >= (${fromDay}::timestamptz, ${fromSlot}::smallint)
      AND (u.day_start, u.slot) < (${toDay}::timestamptz, ${toSlot}::smallint)`;
  return sql`(
    SELECT q.bucket_minutes, q.dimension, q.bucket_start, ${columns("q", keys)}${counted("q")}
    FROM ${sql.identifier(table)} AS q
    WHERE q.bucket_minutes = ${increment}
      AND q.bucket_start >= ${segment.from.toISOString()}::timestamptz AND q.bucket_start < ${segment.to.toISOString()}::timestamptz
    UNION ALL${elements(slotsTable, sql`true`)}
    UNION ALL${elements(table, sql`d.bucket_minutes = 1440 AND d.${sql.identifier(`${slot}s`)} IS NOT NULL`)})`;
}

/** The UTC day a time falls in (ISO) and the slot of that day it starts, in `increment` minutes. */
function daySlot(time: Date, increment: number): [day: string, slot: number] {
  const dayStart = startOfUtcDay(time);
  return [dayStart.toISOString(), Math.floor((time.getTime() - dayStart.getTime()) / (increment * 60_000))];
}

/** A segment of the window as rows of (keys, summed counters) from metric_rollups, bounce_rollups or reason_rollups. */
function rollupSql(query: SourceQuery, segment: Segment, part: Part): SQL {
  const columns = [
    ...query.keys.map((key) => sql`${key.rollup} AS ${sql.identifier(key.alias)}`),
    ...query.counters.map((counter) =>
      part === "counts" && isUnique(counter)
        ? zero(counter)
        : sql`sum(r.${sql.identifier(counter)}) AS ${sql.identifier(counter)}`,
    ),
  ];
  const counters = query.counters.filter((counter) => !(part === "counts" && isUnique(counter)));
  const rows =
    segment.increment === COMPACTED_ROLLUPS[query.table].minutes
      ? slotRows(query.table, counters, segment)
      : sql`${sql.identifier(query.table)}`;
  return sql`SELECT ${sql.join(columns, sql`, `)} FROM ${rows} AS r
    WHERE r.bucket_minutes = ${segment.increment} AND r.dimension = ${query.dimension ?? ""}
      AND r.bucket_start >= ${segment.from.toISOString()}::timestamptz AND r.bucket_start < ${segment.to.toISOString()}::timestamptz
      ${valueFilter(query)}${groupByOf(query.keys)}`;
}

/** metric_unique_rollups' column of a unique counter at the query's hour phase or day. */
function uniqueColumn(uniques: UniqueIncrement, counter: RollupCounter): SQL {
  const metric = counter.replace("count_unique_", "");
  const prefix =
    uniques.unit === "day" ? "day" : uniques.unit === "hour" && uniques.phase ? `hour${uniques.phase}` : "hour";
  return sql`${sql.identifier(`${prefix}_${metric}`)}`;
}

/**
 * A segment of the window's unique counters from metric_unique_rollups: hour rows (60) or day rows (1440) whose
 * `bucket_start` lies in [from, to) shifted back by the zone's phase, so that they hold exactly the window's hours.
 */
function uniqueRollupSql(query: SourceQuery, segment: Segment): SQL {
  const phase = query.uniques.unit === "hour" ? (query.uniques.phase ?? 0) : 0;
  const shift = (time: Date) => new Date(time.getTime() - phase * 60_000).toISOString();
  const columns = [
    ...query.keys.map((key) => sql`${key.shifted ? key.shifted(phase) : key.rollup} AS ${sql.identifier(key.alias)}`),
    ...query.counters.map((counter) =>
      isUnique(counter)
        ? sql`sum(r.${uniqueColumn(query.uniques, counter)}) AS ${sql.identifier(counter)}`
        : zero(counter),
    ),
  ];
  return sql`SELECT ${sql.join(columns, sql`, `)} FROM metric_unique_rollups AS r
    WHERE r.bucket_minutes = ${segment.increment} AND r.dimension = ${query.dimension ?? ""}
      AND r.bucket_start >= ${shift(segment.from)}::timestamptz AND r.bucket_start < ${shift(segment.to)}::timestamptz
      ${valueFilter(query)}${groupByOf(query.keys)}`;
}

/** A segment counted from the stored events with the same definitions (msgevents_event_metrics, migrations 0008, 0028). */
function eventsSql(query: SourceQuery, segment: Segment, part: Part): SQL {
  const conditions = [
    sql`e.event_time >= ${segment.from.toISOString()}::timestamptz`,
    sql`e.event_time < ${segment.to.toISOString()}::timestamptz`,
    sql`e.type IN (${typeList(COUNTED_TYPES[query.table])})`,
    ...[...query.filters].map(
      ([dimension, values]) => sql`${DIMENSION_COLUMNS[dimension]} = ANY(${textArray(values)}::text[])`,
    ),
    ...query.keys.map((key) => sql`${key.raw} IS NOT NULL`),
  ];
  const columns = [
    ...query.keys.map((key) => sql`${key.raw} AS ${sql.identifier(key.alias)}`),
    ...query.counters.map((counter) => {
      const uniqueTypes = UNIQUE_TYPES[counter];
      if (!uniqueTypes) {
        return part === "uniques"
          ? zero(counter)
          : sql`sum(m.${sql.identifier(counter)}) AS ${sql.identifier(counter)}`;
      }
      if (part === "counts") return zero(counter);
      return sql`count(DISTINCT (${incrementOf(query.uniques)}, e.message_id))
        FILTER (WHERE e.message_id IS NOT NULL AND e.type IN (${typeList(uniqueTypes)})) AS ${sql.identifier(counter)}`;
    }),
  ];
  return sql`SELECT ${sql.join(columns, sql`, `)}
    FROM events AS e
    CROSS JOIN LATERAL msgevents_event_metrics(e.type, e.bounce_class, e.payload, e.num_retries, e.queue_time, e.msg_size) AS m
    WHERE ${sql.join(conditions, sql` AND `)}${groupByOf(query.keys)}`;
}

/** Whether the query can read rollups at all (one dimension, not a recount). */
const readsRollups = (query: SourceQuery) => query.source === "rollups" && query.dimension !== undefined;

/** Whether the unique counters come with the others, from metric_rollups (per-minute uniques) and the events. */
const uniquesByMinute = (query: SourceQuery) => query.uniques.unit === "minute";

/** One segment of the window's counters (all of them when uniques are per minute), from a rollup or the events. */
export function segmentSql(query: SourceQuery, segment: Segment): SQL {
  const part: Part = uniquesByMinute(query) ? "all" : "counts";
  const fromRollups = readsRollups(query) && segment.increment !== 1 && !segment.fromEvents;
  return fromRollups ? rollupSql(query, segment, part) : eventsSql(query, segment, part);
}

/**
 * The segments of the unique counters when they are per hour or per day (per minute they come with the others): the
 * window's hours of its zone's phase as whole UTC days and hours of metric_unique_rollups, or its UTC days; from the
 * events where the phase is not stored or a day has not been filled (`fromEvents`).
 */
export function uniqueSegments(query: SourceQuery, from: Date, to: Date, series: boolean): Segment[] {
  const { uniques } = query;
  if (uniques.unit === "minute" || !query.counters.some(isUnique)) return [];
  const stored = uniques.unit === "day" || (uniques.phase !== undefined && STORED_PHASES.includes(uniques.phase));
  if (!readsRollups(query) || !stored) return [{ increment: 1, from, to, fromEvents: true }];
  if (uniques.unit === "day") return [{ increment: 1440, from, to }];
  const phase = (uniques.phase ?? 0) * 60_000;
  if (series) return [{ increment: 60, from, to }];
  return planHourSegments(new Date(from.getTime() - phase), new Date(to.getTime() - phase)).map((segment) => ({
    ...segment,
    from: new Date(segment.from.getTime() + phase),
    to: new Date(segment.to.getTime() + phase),
  }));
}

/** One segment of the unique counters (see uniqueSegments). */
function uniqueSegmentSql(query: SourceQuery, segment: Segment): SQL {
  return segment.fromEvents || segment.increment === 1
    ? eventsSql(query, segment, "uniques")
    : uniqueRollupSql(query, segment);
}

/** All segments as one row set: `(keys, counters)` rows to sum. */
export function unionSql(query: SourceQuery, segments: readonly Segment[], unique: readonly Segment[] = []): SQL {
  return sql.join(
    [
      ...segments.map((segment) => sql`(${segmentSql(query, segment)})`),
      ...unique.map((segment) => sql`(${uniqueSegmentSql(query, segment)})`),
    ],
    sql` UNION ALL `,
  );
}

/** A requested metric over the union's summed counters, named as requested. */
export function metricSql(name: string, metric: ServedMetric): SQL {
  const definition: MetricDefinition = SERVED_METRICS[metric];
  const term = (counter: RollupCounter) => sql`coalesce(sum(s.${sql.identifier(counter)}), 0)`;
  const plus = sql.join(definition.plus.map(term), sql` + `);
  const minus = (definition.minus ?? []).map((counter) => sql` - ${term(counter)}`);
  return sql`(${plus}${sql.join(minus)})::bigint AS ${sql.identifier(name)}`;
}

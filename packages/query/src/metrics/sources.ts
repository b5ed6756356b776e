import type { MetricDimension, RollupCounter } from "@msgevents/schema";
import { ROLLUP_COUNTERS } from "@msgevents/schema";
import { type SQL, sql } from "drizzle-orm";
import { textArray } from "../search/tokens.ts";
import { type MetricDefinition, SERVED_METRICS, type ServedMetric } from "./catalog.ts";
import type { Increment, Segment } from "./segments.ts";

export type FilterDimension = Exclude<MetricDimension, "">;
export type Filters = ReadonlyMap<FilterDimension, readonly string[]>;

/** Which rollup table answers: the metric counters, the bounce counters by reason and class, or delays and
 * rejections by reason. */
export type RollupTable = "metric_rollups" | "bounce_rollups" | "reason_rollups";

const BOUNCE_COUNTERS: readonly RollupCounter[] = [
  "count_inband_bounce",
  "count_outofband_bounce",
  "count_admin_bounce",
];

const REASON_COUNTERS: readonly RollupCounter[] = [
  "count_delayed",
  "count_delayed_first",
  "count_policy_rejection",
  "count_generation_rejection",
  "count_generation_failed",
];

const COUNTERS: Readonly<Record<RollupTable, readonly RollupCounter[]>> = {
  metric_rollups: ROLLUP_COUNTERS,
  bounce_rollups: BOUNCE_COUNTERS,
  reason_rollups: REASON_COUNTERS,
};

/** The counters the requested metrics are made of: a segment sums only those. */
export function countersOf(table: RollupTable, metrics: readonly ServedMetric[]): RollupCounter[] {
  const needed = new Set<RollupCounter>();
  for (const metric of metrics) {
    const definition: MetricDefinition = SERVED_METRICS[metric];
    for (const counter of [...definition.plus, ...(definition.minus ?? [])]) needed.add(counter);
  }
  return COUNTERS[table].filter((counter) => needed.has(counter));
}

/** The event types that count in each table (see msgevents_event_metrics, migrations 0008 and 0012). */
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
}

export interface SourceQuery {
  table: RollupTable;
  /** The one dimension the query constrains (grouping or filter), `""` for none; undefined when several are. */
  dimension: MetricDimension | undefined;
  filters: Filters;
  keys: readonly GroupKey[];
  /** The counters to sum (see countersOf). */
  counters: readonly RollupCounter[];
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

function incrementOf(increment: Increment): SQL {
  return increment === 1
    ? sql`date_trunc('minute', e.event_time)`
    : sql`date_bin(${`${increment} minutes`}::interval, e.event_time, timestamptz '2000-01-01 00:00:00+00')`;
}

const typeList = (types: readonly string[]) =>
  sql.join(
    types.map((type) => sql`${type}`),
    sql`, `,
  );

/** One segment of the window as rows of (keys, summed counters), from a rollup or from the events. */
export function segmentSql(query: SourceQuery, segment: Segment): SQL {
  const { counters, keys } = query;
  const useRollups = query.source === "rollups" && segment.increment !== 1 && query.dimension !== undefined;
  const groupBy =
    keys.length > 0
      ? sql` GROUP BY ${sql.join(
          keys.map((_, index) => sql.raw(String(index + 1))),
          sql`, `,
        )}`
      : sql``;
  const keyColumns = (pick: (key: GroupKey) => SQL) =>
    keys.map((key) => sql`${pick(key)} AS ${sql.identifier(key.alias)}`);

  if (useRollups) {
    const dimension = query.dimension ?? "";
    const wanted = dimension === "" ? undefined : query.filters.get(dimension);
    const columns = [
      ...keyColumns((key) => key.rollup),
      ...counters.map((counter) => sql`sum(r.${sql.identifier(counter)}) AS ${sql.identifier(counter)}`),
    ];
    return sql`SELECT ${sql.join(columns, sql`, `)} FROM ${sql.identifier(query.table)} AS r
      WHERE r.bucket_minutes = ${segment.increment} AND r.dimension = ${dimension}
        AND r.bucket_start >= ${segment.from.toISOString()}::timestamptz AND r.bucket_start < ${segment.to.toISOString()}::timestamptz
        ${wanted ? sql`AND r.value = ANY(${textArray(wanted)}::text[])` : sql``}${groupBy}`;
  }

  const conditions = [
    sql`e.event_time >= ${segment.from.toISOString()}::timestamptz`,
    sql`e.event_time < ${segment.to.toISOString()}::timestamptz`,
    sql`e.type IN (${typeList(COUNTED_TYPES[query.table])})`,
    ...[...query.filters].map(
      ([dimension, values]) => sql`${DIMENSION_COLUMNS[dimension]} = ANY(${textArray(values)}::text[])`,
    ),
    ...keys.map((key) => sql`${key.raw} IS NOT NULL`),
  ];
  const columns = [
    ...keyColumns((key) => key.raw),
    ...counters.map((counter) => {
      const uniqueTypes = UNIQUE_TYPES[counter];
      if (!uniqueTypes) return sql`sum(m.${sql.identifier(counter)}) AS ${sql.identifier(counter)}`;
      return sql`count(DISTINCT (${incrementOf(segment.increment)}, e.message_id))
        FILTER (WHERE e.message_id IS NOT NULL AND e.type IN (${typeList(uniqueTypes)})) AS ${sql.identifier(counter)}`;
    }),
  ];
  return sql`SELECT ${sql.join(columns, sql`, `)}
    FROM events AS e CROSS JOIN LATERAL msgevents_event_metrics(e.type, e.bounce_class, e.payload) AS m
    WHERE ${sql.join(conditions, sql` AND `)}${groupBy}`;
}

/** All segments as one row set: `(keys, counters)` rows to sum. */
export function unionSql(query: SourceQuery, segments: readonly Segment[]): SQL {
  return sql.join(
    segments.map((segment) => sql`(${segmentSql(query, segment)})`),
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

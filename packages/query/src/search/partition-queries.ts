import { DAY_MS, events, type StoredEvent, utcDay, type ValueListedField } from "@msgevents/schema";
import { and, gte, inArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { CursorPosition } from "../cursor.ts";
import type { SearchQuery } from "./filters.ts";
import { afterPosition, NEWEST_FIRST, readEvents, resultColumns } from "./page-queries.ts";
import type { Snapshot } from "./snapshot.ts";

/**
 * Plans over the token index only. Any other plan evaluates the token expression (every searchable value of the row,
 * tokenized and hashed: tens of microseconds) for each row it reads, and the planner cannot be trusted to avoid it: on
 * a partition autovacuum has not analyzed yet it has no statistics for the expression, and it charges the expression
 * to the bitmap's recheck too, so a scan of the whole day looks no worse. These settings rule out the sequential and
 * plain index scans; the time index, which a bitmap could still use, is kept out by the form of the window's bounds
 * (boundsWithin), but for a page's own stretch, which it intersects with the token index's candidates
 * (tokenPageSelect). Bitmaps stay exact (no lossy pages, whose rows would be re-checked by that same
 * expression) up to millions of matches with the larger work_mem.
 */
export const TOKEN_INDEX_PLANS = sql`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true),
  set_config('enable_bitmapscan', 'on', true), set_config('enable_sort', 'on', true), set_config('work_mem', '64MB', true)`;

/** A day partition of events: its table and the UTC day it holds, [starts, starts + 1 day). */
export interface DayPartition {
  name: string;
  starts: Date;
}

/** The existing day partitions that overlap [from, to), oldest first (a window may span years of missing days). */
export async function dayPartitionsOverlapping(db: NodePgDatabase, from: Date, to: Date): Promise<DayPartition[]> {
  const result = await db.execute<{ name: string; day: string }>(sql`
    SELECT c.relname AS name, substr(c.relname, 8) AS day
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass
      AND c.relname ~ '^events_[0-9]{8}$'
      AND c.relname BETWEEN msgevents_partition_name(${utcDay(from)}::date)
        AND msgevents_partition_name(${utcDay(new Date(to.getTime() - 1))}::date)
    ORDER BY c.relname`);
  return result.rows.map(({ name, day }) => ({
    name,
    starts: new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T00:00:00Z`),
  }));
}

/**
 * The window's bounds for one partition, written `event_time + interval '0'` so that no index serves them: none on a
 * partition the window covers whole, the lower and the upper bound on the edge partitions.
 */
function boundsWithin(partition: DayPartition, from: Date, to: Date, time: SQLWrapper = SHIFTED_TIME): SQL[] {
  const ends = new Date(partition.starts.getTime() + DAY_MS);
  return [
    ...(partition.starts < from ? [sql`${time} >= ${from.toISOString()}::timestamptz`] : []),
    ...(ends > to ? [sql`${time} < ${to.toISOString()}::timestamptz`] : []),
  ];
}

const SHIFTED_TIME = sql`(${events.eventTime} + interval '0')`;

/** A partition's table under the name `events`, so that conditions written against events apply to its rows. */
function partitionAsEvents(partition: DayPartition): SQL {
  return sql`${sql.identifier(partition.name)} AS "events"`;
}

/**
 * One count per day partition (rows of `partition` and `count`) of the rows of [from, to) that meet `conditions`. A
 * partition the window covers whole is counted by its conditions alone; on the two edge partitions the bound is
 * written `event_time + interval '0'`, a form no index serves. So the time index can never be chosen to find the
 * candidates (the planner prefers it when a keyword is everywhere, and then evaluates the search-token expression,
 * tens of microseconds, on every row of the day: 424 ms instead of 36 ms for 6,667 matches): the candidates come from
 * the token index and only the cheap conditions run per row.
 */
export function tokenCountStatement(partitions: DayPartition[], from: Date, to: Date, conditions: SQL[]): SQL {
  return partitionCountStatement(partitions, from, to, conditions, SHIFTED_TIME);
}

/** tokenCountStatement's counts, the edge partitions bounded by `time` (the time column, or a form no index serves). */
function partitionCountStatement(
  partitions: DayPartition[],
  from: Date,
  to: Date,
  conditions: SQL[],
  time: SQLWrapper,
): SQL {
  if (partitions.length === 0) return sql`SELECT NULL::text AS partition, 0::bigint AS count WHERE false`;
  const counts = partitions.map((partition) => {
    const where = and(...conditions, ...boundsWithin(partition, from, to, time)) ?? sql`true`;
    return sql`SELECT ${partition.name}::text AS partition, count(*) AS count FROM ${partitionAsEvents(partition)} WHERE ${where}`;
  });
  return sql.join(counts, sql` UNION ALL `);
}

/** The matches of one day partition within a window. */
export interface PartitionCount {
  partition: DayPartition;
  count: number;
}

/**
 * How many rows of [from, to) meet `conditions`, counted over the token index (see tokenCountStatement), in all and
 * partition by partition (newest first).
 */
export function tokenCountQuery(
  snapshot: Snapshot,
  from: Date,
  to: Date,
  conditions: SQL[],
): Promise<{ total: number; byPartition: PartitionCount[] }> {
  return countByPartition(snapshot, from, to, {
    settings: TOKEN_INDEX_PLANS,
    statement: (partitions) => tokenCountStatement(partitions, from, to, conditions),
  });
}

/**
 * How many events of [from, to) hold one of the values in a listed field's column, in all and partition by partition
 * (newest first): whole days by the value alone, index-only scans of the field's B-tree; the two edge days by time as
 * well.
 */
export function valueCountQuery(
  snapshot: Snapshot,
  from: Date,
  to: Date,
  byValue: { column: ValueListedField; values: string[] },
): Promise<{ total: number; byPartition: PartitionCount[] }> {
  const matches = inArray(sql.identifier(byValue.column), byValue.values);
  // Plain bounds on the edge days: PostgreSQL keeps a bound even where it covers the whole partition, which would turn
  // a whole day's index-only scan into heap reads.
  return countByPartition(snapshot, from, to, {
    statement: (partitions) => partitionCountStatement(partitions, from, to, [matches], events.eventTime),
  });
}

/**
 * Counts of the day partitions overlapping [from, to), newest first, and their total. Each partition is counted by
 * index scans of its own: alternate partitions go to the snapshot's two connections (one, when the pool has none to
 * spare), so a week's count takes about half as long on an idle server.
 */
async function countByPartition(
  snapshot: Snapshot,
  from: Date,
  to: Date,
  count: { settings?: SQL; statement(partitions: DayPartition[]): SQL },
): Promise<{ total: number; byPartition: PartitionCount[] }> {
  const partitions = await dayPartitionsOverlapping(snapshot.db, from, to);
  const halves = [0, 1]
    .map((half) => partitions.filter((_, index) => index % 2 === half))
    .filter((half) => half.length > 0);
  const counted = await snapshot.all<{ partition: string; count: string }[][]>(
    halves.map((half) => async (db: NodePgDatabase) => {
      if (count.settings) await db.execute(count.settings);
      const result = await db.execute<{ partition: string; count: string }>(count.statement(half));
      return result.rows;
    }),
  );
  const counts = new Map(counted.flat().map((row) => [row.partition, Number(row.count)]));
  const byPartition = partitions.map((partition) => ({ partition, count: counts.get(partition.name) ?? 0 })).reverse();
  return { total: byPartition.reduce((sum, { count }) => sum + count, 0), byPartition };
}

/**
 * The start of the newest stretch of whole partitions, counted newest first, that holds `wanted` matches of the page
 * (none when all of them together do not): the page need not read older partitions. With a cursor, only partitions
 * wholly older than it count (`pageTo`); the cursor's own holds fewer rows after the cursor than its count.
 */
export function partitionsSince(
  byPartition: readonly PartitionCount[],
  window: { from: Date; to: Date },
  pageTo: Date,
  wanted: number,
): Date | undefined {
  let matches = 0;
  for (const { partition, count } of byPartition) {
    const counted = Math.min(partition.starts.getTime() + DAY_MS, window.to.getTime());
    if (counted > pageTo.getTime()) continue;
    matches += count;
    if (matches >= wanted) return partition.starts > window.from ? partition.starts : undefined;
  }
  return undefined;
}

/**
 * The page over the token index, partition by partition as the count is (and for the same reason): each partition
 * gives its newest rows after the cursor, and the page is the newest of those. For few matches, or matches the time
 * walk could not reach. `since`, when the counts tell that [since, to) holds the whole page, leaves the older
 * partitions out and is written as a plain bound on the time column: the planner then intersects the token index's
 * candidates with the time index's range (a BitmapAnd) and reads only the rows of the page's stretch.
 */
export async function tokenPageQuery(
  db: NodePgDatabase,
  query: SearchQuery,
  conditions: SQL[],
  position?: CursorPosition,
  since?: Date,
): Promise<StoredEvent[]> {
  const to = pageEnd(query, position);
  const from = since && since > query.from ? since : query.from;
  const partitions = to > from ? await dayPartitionsOverlapping(db, from, to) : [];
  if (partitions.length === 0) return [];
  return readEvents(
    db,
    tokenPageSelect(db, partitions, query, { conditions, from, to, ...(position ? { position } : {}) }),
  );
}

/** tokenPageQuery's statement over the given partitions, the page's rows being those of [from, to). */
export function tokenPageSelect(
  db: NodePgDatabase,
  partitions: DayPartition[],
  query: SearchQuery,
  page: { conditions: SQL[]; from: Date; to: Date; position?: CursorPosition },
) {
  const { conditions, from, to, position } = page;
  const wanted = (query.offset ?? 0) + query.perPage + 1;
  const newestOfEach = partitions.map((partition) => {
    const plainSince = from > query.from && from > partition.starts ? [gte(events.eventTime, from)] : [];
    const where = and(
      ...conditions,
      ...plainSince,
      ...boundsWithin(partition, plainSince.length > 0 ? partition.starts : query.from, to),
      ...(position ? [afterPosition(position, SHIFTED_TIME)] : []),
    );
    return sql`(SELECT * FROM ${partitionAsEvents(partition)} WHERE ${where ?? sql`true`}
      ORDER BY ${sql.join(NEWEST_FIRST, sql`, `)} LIMIT ${wanted})`;
  });
  return db
    .select(UNION_COLUMNS)
    .from(sql`(${sql.join(newestOfEach, sql` UNION ALL `)}) AS "events"`)
    .orderBy(sql`${sql.join(NEWEST_FIRST, sql`, `)}`)
    .limit(query.perPage + 1)
    .offset(query.offset ?? 0);
}

/** Where the page's rows end: the window's end, or just after the cursor's time. */
export function pageEnd(query: SearchQuery, position?: CursorPosition): Date {
  return position ? new Date(Math.min(query.to.getTime(), position.eventTime.getTime() + 1)) : query.to;
}

/**
 * The result columns read from the union under the name `events`, decoded as the table's columns are (drizzle
 * refuses table columns in a select whose FROM is not the table).
 */
const UNION_COLUMNS = Object.fromEntries(
  Object.entries(resultColumns).map(([key, column]) => [
    key,
    sql`"events".${sql.identifier(column.name)}`.mapWith(column),
  ]),
) as { [K in keyof ResultColumns]: SQL<ColumnValue<ResultColumns[K]>> };

type ResultColumns = typeof resultColumns;
type ColumnValue<C extends { _: { data: unknown; notNull: boolean } }> = C["_"]["notNull"] extends true
  ? C["_"]["data"]
  : C["_"]["data"] | null;

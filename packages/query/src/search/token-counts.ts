import { events, searchTokenCounts, searchTokenDayCounts, utcDay } from "@msgevents/schema";
import { and, gte, lt, type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { splitAtPendingDays } from "../backfill-coverage.ts";
import { textArray } from "./tokens.ts";

/** The increment of search_token_counts (migration 0010): 15 minutes, aligned to UTC midnight. */
const TOKEN_COUNT_INCREMENT_MS = 15 * 60_000;

/**
 * Prefixes of the tokens search_token_counts holds (msgevents_counted_tokens), besides '*' and 't=': every keyword
 * field, and the exact fields whose values many events share. Recipients, message and transmission ids and rcpt_meta
 * are not counted there: the search-token index counts their few events at once.
 */
export const COUNTED_PREFIXES: ReadonlySet<string> = new Set([
  "rd:",
  "sd:",
  "su:",
  "re:",
  "ca:",
  "te:",
  "ip:",
  "mp:",
  "mr:",
  "ab:",
  "f=",
  "s=",
  "a=",
  "b=",
]);

/** Longer tokens are not counted (msgevents_counted_tokens): a B-tree entry must fit a third of a page. */
export const MAX_COUNTED_TOKEN_LENGTH = 200;

/** The token counted for every event. */
export const EVERY_EVENT_TOKEN = "*";

/** The token counted for each event of a type. */
export function typeToken(type: string): string {
  return `t=${type}`;
}

/**
 * The number of events of [from, to) that meet `exact`, when they are exactly the events holding any of `tokens`,
 * which no event holds two of (one keyword or value of one field, or event types). Whole increments are summed from
 * the search counts (countRows); the two partial increments at the window's edges, at most 15 minutes each, are
 * counted from the events over the time index with `exact`. So a keyword in every event costs what a rare one costs, instead of a
 * visit to each matching row; and the counts, written in the loader's transaction, share the search's snapshot.
 * Days the counts' backfill has not filled yet (`pending`, UTC days, read in the same snapshot) are counted from the
 * events with `exact` too: the answer never depends on how far the backfill got.
 */
export async function tokenCountsQuery(
  db: NodePgDatabase,
  tokens: readonly string[],
  window: { from: Date; to: Date },
  exact: SQL[],
  pending: ReadonlySet<string> = new Set(),
): Promise<number> {
  const fromEvents = (from: Date, to: Date) =>
    sql`(SELECT count(*) FROM ${events} WHERE ${and(gte(events.eventTime, from), lt(events.eventTime, to), ...exact)})`;
  const parts = splitAtPendingDays(window.from, window.to, pending).flatMap((stretch) =>
    stretch.pending ? [fromEvents(stretch.from, stretch.to)] : countedParts(tokens, stretch, fromEvents),
  );
  if (parts.length === 0) return 0;
  const result = await db.execute<{ count: string }>(sql`SELECT (${sql.join(parts, sql` + `)})::bigint AS count`);
  return Number(result.rows[0]?.count ?? 0);
}

/** A stretch's whole increments from the counts, and its partial edges from the events. */
function countedParts(
  tokens: readonly string[],
  stretch: { from: Date; to: Date },
  fromEvents: (from: Date, to: Date) => SQL,
): SQL[] {
  const whole = wholeIncrements(stretch);
  if (!whole) return [fromEvents(stretch.from, stretch.to)];
  const edges: [Date, Date][] = [
    [stretch.from, whole.from],
    [whole.to, stretch.to],
  ];
  return [
    sql`(SELECT coalesce(sum(counted.events), 0) FROM ${countRows(tokens, whole)} AS counted)`,
    ...edges.filter(([from, to]) => from < to).map(([from, to]) => fromEvents(from, to)),
  ];
}

/** The whole increments of a window: from its first increment boundary to its last; none when no increment fits. */
export function wholeIncrements(window: { from: Date; to: Date }): { from: Date; to: Date } | undefined {
  const from = Math.ceil(window.from.getTime() / TOKEN_COUNT_INCREMENT_MS) * TOKEN_COUNT_INCREMENT_MS;
  const to = Math.floor(window.to.getTime() / TOKEN_COUNT_INCREMENT_MS) * TOKEN_COUNT_INCREMENT_MS;
  return from < to ? { from: new Date(from), to: new Date(to) } : undefined;
}

/**
 * The counts of `tokens` in the whole increments `whole`, as rows (token, bucket_start, events): the rows of
 * search_token_counts, and the quarter hours of the compacted days' rows of search_token_day_counts (migration 0022).
 * A quarter hour may have both (events that arrived after its day was compacted): its count is their sum. The arrays
 * are unnested in the select list, in step (see slotRows in metrics/sources.ts).
 */
export function countRows(tokens: readonly string[], whole: { from: Date; to: Date }): SQL {
  const firstDay = utcDay(whole.from);
  const lastDay = utcDay(new Date(whole.to.getTime() - 1));
  return sql`(
    SELECT ${searchTokenCounts.token} AS token, ${searchTokenCounts.bucketStart} AS bucket_start,
      ${searchTokenCounts.events} AS events
    FROM ${searchTokenCounts}
    WHERE ${searchTokenCounts.token} = ANY (${textArray(tokens)}::text[])
      AND ${searchTokenCounts.bucketStart} >= ${whole.from.toISOString()}::timestamptz
      AND ${searchTokenCounts.bucketStart} < ${whole.to.toISOString()}::timestamptz
    UNION ALL
    SELECT q.token, q.bucket_start, q.events
    FROM (
      SELECT d.token, (d.day::timestamp AT TIME ZONE 'UTC') + unnest(d.quarters) * interval '15 minutes' AS bucket_start,
        unnest(d.events) AS events
      FROM ${searchTokenDayCounts} AS d
      WHERE d.token = ANY (${textArray(tokens)}::text[])
        AND d.day >= ${firstDay}::date AND d.day <= ${lastDay}::date) AS q
    WHERE q.bucket_start >= ${whole.from.toISOString()}::timestamptz
      AND q.bucket_start < ${whole.to.toISOString()}::timestamptz)`;
}

/**
 * The start of the newest stretch of whole increments of [from, to) that holds `wanted` of the events holding
 * `tokens` (see tokenCountsQuery), summed newest first from the search counts (countRows); none when the whole
 * increments together hold fewer. A page of the newest `wanted` matches lies within [since, to). Only for windows none of whose
 * days the counts' backfill still has to fill.
 */
export async function countedSince(
  db: NodePgDatabase,
  tokens: readonly string[],
  window: { from: Date; to: Date },
  wanted: number,
): Promise<Date | undefined> {
  const whole = wholeIncrements(window);
  if (!whole) return undefined;
  const result = await db.execute<{ since: Date | string }>(sql`
    SELECT bucket_start AS since FROM (
      SELECT counted.bucket_start, sum(sum(counted.events)) OVER (ORDER BY counted.bucket_start DESC) AS newer
      FROM ${countRows(tokens, whole)} AS counted
      GROUP BY counted.bucket_start) AS buckets
    WHERE newer >= ${wanted}
    ORDER BY bucket_start DESC LIMIT 1`);
  const since = result.rows[0]?.since;
  return since === undefined ? undefined : new Date(since);
}

import { searchTokenCounts } from "@msgevents/schema";
import { type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { countsOf, EVERY_EVENT_TOKEN, wholeIncrements } from "./token-counts.ts";

/**
 * How many events a filter can match at most, for choosing which filters find the candidates (never for answers):
 * - `counted`: per alternative value, the search_token_counts tokens each match holds (its keywords, or its counted
 *   value); the value matches at most the smallest of their counts, the filter at most the sum over its values;
 * - `atMost`: a known number (the events of a few ids);
 * - `unknown`: nothing tells (rcpt_meta, tags, recipients, transmissions, event types).
 */
export type MatchBound =
  | { kind: "counted"; values: string[][] }
  | { kind: "atMost"; events: number }
  | { kind: "unknown" };

/** One filter's part of a search's conditions. */
export interface FilterPart {
  /** What the filter adds to the conditions: for a token filter, its index condition and its exact re-check. */
  condition: SQL;
  /** A token filter's exact re-check alone: the condition when others find the candidates. */
  recheck?: SQL;
  bound: MatchBound;
}

/**
 * How much dearer reading a candidate row is than decoding one entry of the token index's posting lists, measured at
 * 5M events as operated: a candidate row costs about 1.4 µs, a posting about 0.1 µs.
 */
const ROW_TO_POSTING_COST = 10;

const DAY_MS = 86_400_000;
const INCREMENTS_PER_HOUR = 4;

/**
 * Which token filters should leave finding candidates to a more selective filter and be checked on its rows only
 * (by index in `bounds`). A filter's postings cost about a tenth of a row each, and it saves the rows of the most
 * selective filter (the driver, `driver` events at most) that it rules out: a subaccount in half of all events
 * intersected with a campaign's few thousand reads 50,000 postings a day to spare 2,000 row reads, twice as slow as
 * reading the campaign's rows and checking their subaccount. Filters without a bound, and the driver, keep their
 * index condition.
 */
export function filtersToRecheck(
  bounds: readonly { events: number | undefined; recheckable: boolean }[],
  eventsInWindow: number,
): Set<number> {
  const known = bounds.filter((bound) => bound.events !== undefined).map((bound) => bound.events as number);
  const driver = Math.min(...known);
  const driverIndex = bounds.findIndex((bound) => bound.events === driver);
  const recheck = new Set<number>();
  bounds.forEach((bound, index) => {
    if (index === driverIndex || !bound.recheckable || bound.events === undefined) return;
    const ruledOut = Math.max(0, 1 - bound.events / Math.max(eventsInWindow, 1));
    if (bound.events > ROW_TO_POSTING_COST * driver * ruledOut) recheck.add(index);
  });
  return recheck;
}

/**
 * The search's conditions, with the token filters that match far more events than its most selective filter left
 * to their re-checks (filtersToRecheck): the same matches, found from the selective filter's index alone. Bounds come
 * from search_token_counts over the window's whole 15-minute increments (one in four over a day or more), read in the
 * search's snapshot; when some day of the window is still to be counted by its backfill (`pending`), the conditions
 * are kept as they are.
 */
export async function selectiveConditions(
  db: NodePgDatabase,
  parts: readonly FilterPart[],
  window: { from: Date; to: Date },
  pending: ReadonlySet<string>,
): Promise<SQL[]> {
  const conditions = parts.map((part) => part.condition);
  const whole = wholeIncrements(window);
  const known = parts.filter((part) => part.bound.kind !== "unknown");
  if (!whole || pending.size > 0 || known.length < 2 || !parts.some((part) => part.recheck)) return conditions;
  const tokens = [
    ...new Set([
      EVERY_EVENT_TOKEN,
      ...parts.flatMap((part) => (part.bound.kind === "counted" ? part.bound.values.flat() : [])),
    ]),
  ];
  // Over a day or more, the first increment of each hour stands for the hour: a quarter of the rows to read, and the
  // same proportions between filters (every token is read at the same increments).
  const sampled = whole.to.getTime() - whole.from.getTime() >= DAY_MS;
  const result = await db.execute<{ token: string; events: string }>(sql`
    SELECT ${searchTokenCounts.token} AS token, sum(${searchTokenCounts.events}) AS events
    FROM ${searchTokenCounts}
    WHERE ${countsOf(tokens, whole)}
      ${sampled ? sql`AND extract(epoch FROM ${searchTokenCounts.bucketStart})::bigint % 3600 = 0` : sql``}
    GROUP BY 1`);
  const scale = sampled ? INCREMENTS_PER_HOUR : 1;
  const counts = new Map(result.rows.map((row) => [row.token, Number(row.events) * scale]));
  const countOf = (token: string) => counts.get(token) ?? 0;
  const bounds = parts.map((part) => ({
    events:
      part.bound.kind === "counted"
        ? part.bound.values.reduce((sum, value) => sum + Math.min(...value.map(countOf)), 0)
        : part.bound.kind === "atMost"
          ? part.bound.events
          : undefined,
    recheckable: part.recheck !== undefined,
  }));
  const recheck = filtersToRecheck(bounds, countOf(EVERY_EVENT_TOKEN));
  return parts.map((part, index) => (recheck.has(index) && part.recheck ? part.recheck : part.condition));
}

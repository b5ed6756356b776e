import { DAY_MS } from "@msgevents/schema";
import { type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { countRows, EVERY_EVENT_TOKEN, wholeIncrements } from "./token-counts.ts";

/**
 * How many events a filter can match at most, for choosing which filters find the candidates (never for answers):
 * - `counted`: per alternative value, the search_token_counts tokens each match holds (its keywords, or its counted
 *   value); the value matches at most the smallest of their counts, the filter at most the sum over its values;
 * - `atMost`: a known number (the events of a few ids);
 * - `unknown`: nothing tells (rcpt_meta, tags, recipients, transmissions).
 */
export type MatchBound =
  | { kind: "counted"; values: string[][] }
  | { kind: "atMost"; events: number }
  | { kind: "unknown" };

/** One filter's part of a search's conditions. */
export interface FilterPart {
  /** What the filter adds to the conditions: for a token filter, its index condition and its exact re-check. */
  condition: SQL;
  /**
   * The filter written so that no index serves it (a token filter's exact re-check alone): the condition when others
   * find the candidates.
   */
  recheck?: SQL;
  /**
   * The filter's exact condition for statements that read rows in time order (page walks, counts of a window's
   * edges), where it differs from the re-check: a type's own condition, which the time index checks from its entries.
   * Otherwise the re-check, else the condition.
   */
  exact?: SQL;
  bound: MatchBound;
  /**
   * Its index reads every entry of the window, whatever it matches: a common event type, whose candidates only the
   * time index holds, led by the time.
   */
  scansWindow?: boolean;
}

/**
 * How much dearer reading a candidate row is than decoding one entry of the token index's posting lists, measured at
 * 5M events as operated: a candidate row costs about 1.4 µs, a posting about 0.1 µs.
 */
const ROW_TO_POSTING_COST = 10;
/** The same for an entry of the time index read for its type: about 0.063 µs (a day of 166,000 entries in 10.5 ms). */
const ROW_TO_TIME_ENTRY_COST = 22;

const INCREMENTS_PER_HOUR = 4;

/**
 * Which filters should leave finding candidates to a more selective filter and be checked on its rows only (by index
 * in `bounds`). A filter's index saves the rows of the most selective filter (the driver, `driver` events at most)
 * that it rules out, and costs the entries it reads: as many postings as it matches (`events`), each about a tenth of
 * a row, or every entry of the window's time index (`scanned`: a common type), each about a 22nd. A subaccount in half
 * of all events intersected with a campaign's few thousand reads 50,000 postings a day to spare 2,000 row reads, twice
 * as slow as reading the campaign's rows and checking their subaccount. Filters without a bound, and the driver, keep
 * their index condition.
 */
export function filtersToRecheck(
  bounds: readonly { events: number | undefined; scanned?: number; recheckable: boolean }[],
  eventsInWindow: number,
): Set<number> {
  const known = bounds.filter((bound) => bound.events !== undefined).map((bound) => bound.events as number);
  const driver = Math.min(...known);
  const driverIndex = bounds.findIndex((bound) => bound.events === driver);
  const recheck = new Set<number>();
  bounds.forEach((bound, index) => {
    if (index === driverIndex || !bound.recheckable || bound.events === undefined) return;
    const ruledOut = Math.max(0, 1 - bound.events / Math.max(eventsInWindow, 1));
    const cost =
      bound.scanned === undefined ? bound.events / ROW_TO_POSTING_COST : bound.scanned / ROW_TO_TIME_ENTRY_COST;
    if (cost > driver * ruledOut) recheck.add(index);
  });
  return recheck;
}

/**
 * The search's conditions, with the filters whose index reads far more than its most selective filter matches left
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
    SELECT counted.token, sum(counted.events) AS events
    FROM ${countRows(tokens, whole)} AS counted
      ${sampled ? sql`WHERE extract(epoch FROM counted.bucket_start)::bigint % 3600 = 0` : sql``}
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
    ...(part.scansWindow ? { scanned: countOf(EVERY_EVENT_TOKEN) } : {}),
    recheckable: part.recheck !== undefined,
  }));
  const recheck = filtersToRecheck(bounds, countOf(EVERY_EVENT_TOKEN));
  return parts.map((part, index) => (recheck.has(index) && part.recheck ? part.recheck : part.condition));
}

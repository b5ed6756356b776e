import type { StoredEvent } from "@msgevents/schema";
import { and, type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { splitAtPendingDays } from "../backfill-coverage.ts";
import type { SearchQuery } from "./filters.ts";
import { timeWalkPageQuery } from "./page-queries.ts";
import { pageEnd, partitionsSince, TOKEN_INDEX_PLANS, tokenCountQuery, tokenPageQuery } from "./partition-queries.ts";
import type { Snapshot } from "./snapshot.ts";
import { countedSince, EVERY_EVENT_TOKEN, tokenCountsQuery } from "./token-counts.ts";

/** Plans that walk the time index newest first and stop when the page is full. */
const TIME_WALK_PLANS = sql`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'on', true),
  set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)`;

/**
 * A search with filters over the search-token index, inside the caller's snapshot, one statement after the other:
 * the count decides how the page is found.
 *
 * 1. The exact count: from the search counts when they can answer (one keyword or value: tokenCountsQuery; in days
 *    their backfill has not filled, over the token index), else over the token index, partition by partition,
 *    candidates from the GIN each re-checked with the cheap exact condition (tokenCountStatement). The same counts,
 *    newest first, tell from when the page's matches start (`since`): per 15 minutes from the search counts, per day
 *    from the partitions' counts.
 * 2. When the count says the page can be full, and the walk is expected to fill it before reading as many rows as
 *    match (walkCanFillPage), the page by walking the time index newest first with the exact conditions alone, reading
 *    at most as many rows as match: a keyword in most events fills its page after about a page of rows, where the
 *    token index would hand over every match of the window to be sorted.
 * 3. Otherwise (few matches, or matches too sparse or too old for a walk) the page over the token index from
 *    `since`: the token index's candidates intersected with that stretch of the time index.
 */
export async function tokenSearch(
  snapshot: Snapshot,
  query: SearchQuery,
  filters: {
    window: SQL;
    position?: SQL;
    conditions: SQL[];
    exact: SQL[];
    countedTokens?: string[];
    /** Days of the window search_token_counts' backfill has not filled: counted from the events. */
    pending: ReadonlySet<string>;
  },
): Promise<{ rows: StoredEvent[]; totalCount: number }> {
  const { db } = snapshot;
  await db.execute(TOKEN_INDEX_PLANS);
  const wanted = (query.offset ?? 0) + query.perPage + 1;
  const pageTo = pageEnd(query, query.after);
  let totalCount: number;
  let since: Date | undefined;
  if (filters.countedTokens) {
    totalCount = await countedMatches(snapshot, query, { ...filters, countedTokens: filters.countedTokens });
    if (totalCount >= wanted && filters.pending.size === 0) {
      since = await countedSince(db, filters.countedTokens, { from: query.from, to: pageTo }, wanted);
    }
  } else {
    const counted = await tokenCountQuery(snapshot, query.from, query.to, filters.conditions);
    totalCount = counted.total;
    since = partitionsSince(counted.byPartition, query, pageTo, wanted);
  }
  if (
    totalCount >= wanted &&
    (await walkCanFillPage(db, query, { matches: totalCount, wanted, since, pageTo }, filters))
  ) {
    await db.execute(TIME_WALK_PLANS);
    const walkWindow = filters.position ? (and(filters.window, filters.position) as SQL) : filters.window;
    // No more rows than the token index would hand over: a walk that gives up costs what the fallback costs.
    const rows = await timeWalkPageQuery(db, walkWindow, filters.exact, query, totalCount);
    if (rows.length === query.perPage + 1) return { rows, totalCount };
    await db.execute(TOKEN_INDEX_PLANS);
  }
  return { rows: await tokenPageQuery(db, query, filters.conditions, query.after, since), totalCount };
}

/**
 * The exact count of a search search_token_counts can count: from the counts over the days their backfill has done,
 * and over the token index (as if there were no counts) in the days it has not, each stretch on its own.
 */
async function countedMatches(
  snapshot: Snapshot,
  window: { from: Date; to: Date },
  filters: { conditions: SQL[]; exact: SQL[]; countedTokens: string[]; pending: ReadonlySet<string> },
): Promise<number> {
  let total = 0;
  for (const stretch of splitAtPendingDays(window.from, window.to, filters.pending)) {
    total += stretch.pending
      ? (await tokenCountQuery(snapshot, stretch.from, stretch.to, filters.conditions)).total
      : await tokenCountsQuery(snapshot.db, filters.countedTokens, stretch, filters.exact);
  }
  return total;
}

/**
 * Whether walking the time index is expected to fill the page within its limit (as many rows as match). The walk
 * reads the events from the newest (or the cursor) back to the page's last match: when the search counts placed the
 * page's matches (`since`, from whole 15-minute increments), the events of [since, to); otherwise, at the window's
 * match rate (matches over events, the events counted from search_token_counts), wanted × events / matches. A
 * keyword in a tenth of a 1M-event day (3,200 matches) would read about 10,000 rows and give up after 3,200, for
 * nothing; so would a common keyword whose matches all lie in the morning of a window ending at night. The token index
 * serves both at once.
 */
async function walkCanFillPage(
  db: NodePgDatabase,
  query: SearchQuery,
  page: { matches: number; wanted: number; since: Date | undefined; pageTo: Date },
  filters: { countedTokens?: string[]; pending: ReadonlySet<string> },
): Promise<boolean> {
  const { matches, wanted, since, pageTo } = page;
  if (since && filters.countedTokens) {
    const walked = await tokenCountsQuery(db, [EVERY_EVENT_TOKEN], { from: since, to: pageTo }, [], filters.pending);
    return walked <= matches;
  }
  const events = await tokenCountsQuery(db, [EVERY_EVENT_TOKEN], query, [], filters.pending);
  return wanted * events <= matches * matches;
}

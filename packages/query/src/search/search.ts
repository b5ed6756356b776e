import { events, SEARCH_TOKEN_COUNTS_BACKFILL, toEventsApiEvents } from "@msgevents/schema";
import { and, gte, lt, type SQL } from "drizzle-orm";
import { pendingDays } from "../backfill-coverage.ts";
import type { CursorPosition } from "../cursor.ts";
import { filterConditions } from "./conditions.ts";
import type { SearchQuery } from "./filters.ts";
import { afterPosition, countQuery, pageQuery } from "./page-queries.ts";
import { selectiveConditions } from "./selective-filters.ts";
import { type SearchDatabase, withSnapshot } from "./snapshot.ts";
import { tokenCountsQuery } from "./token-counts.ts";
import { tokenSearch } from "./token-search.ts";
import { valueSearch } from "./value-search.ts";

export interface SearchPage {
  /** Events in the Events API shape, newest first. */
  results: Record<string, unknown>[];
  /** Every match in the window, over all pages. */
  totalCount: number;
  /** Where the next page starts; absent on the last page. */
  next?: CursorPosition;
}

/**
 * One page of matching events, newest first, with the exact total, both from one snapshot of the database (see
 * withSnapshot). Searches over the token index count first and pick the page's plan from the count (tokenSearch);
 * the others run the page and the count side by side on two connections sharing the snapshot, when the pool allows.
 * A separate count(*) is far cheaper than count(*) OVER () on large matches. Searches that count from
 * search_token_counts first read, in the same snapshot, the days of the window its backfill has not filled yet.
 */
export async function searchEvents(db: SearchDatabase, query: SearchQuery): Promise<SearchPage> {
  return withSnapshot(db.$client, async (snapshot) => {
    const filters = await filterConditions(snapshot.db, query.filters);
    const window = and(gte(events.eventTime, query.from), lt(events.eventTime, query.to)) as SQL;
    const position = query.after ? afterPosition(query.after) : undefined;
    const { countByValue, countedTokens, usesTokenIndex } = filters;
    const pending =
      countedTokens || usesTokenIndex
        ? await pendingDays(snapshot.db, SEARCH_TOKEN_COUNTS_BACKFILL.name, query.from, query.to)
        : new Set<string>();
    const { rows, totalCount } = usesTokenIndex
      ? await tokenSearch(snapshot, query, {
          window,
          ...(position ? { position } : {}),
          // Filters that match far more events than another are checked on its candidates, not intersected.
          conditions: await selectiveConditions(snapshot.db, filters.parts, query, pending),
          exact: filters.exact,
          ...(countedTokens ? { countedTokens } : {}),
          pending,
        })
      : countByValue
        ? await valueSearch(snapshot, query, {
            window,
            ...(position ? { position } : {}),
            conditions: filters.conditions,
            byValue: countByValue,
            ...(countedTokens ? { counted: { tokens: countedTokens, exact: filters.exact, pending } } : {}),
          })
        : await snapshot
            .all([
              (db) => pageQuery(db, and(window, position, ...filters.conditions) as SQL, query),
              (db) =>
                countedTokens
                  ? tokenCountsQuery(db, countedTokens, query, filters.exact, pending)
                  : countQuery(db, and(window, ...filters.conditions) as SQL),
            ])
            .then(([rows, totalCount]) => ({ rows, totalCount }));

    const hasMore = rows.length > query.perPage;
    const page = hasMore ? rows.slice(0, query.perPage) : rows;
    const last = page.at(-1);
    return {
      // Bodies decoded together; an event whose body cannot be decoded says so in its result, the page is served.
      results: await toEventsApiEvents(page),
      totalCount,
      ...(hasMore && last ? { next: { eventTime: last.eventTime, eventId: last.eventId, type: last.type } } : {}),
    };
  });
}

import { type HttpResponse, jsonResponse } from "@msgevents/http";
import { decodeCursor, encodeCursor, parseCursorParameter } from "./cursor.ts";
import { FILTER_NAMES, type FilterName, parseDelimiter, parseFilters } from "./request/filters.ts";
import { refuseRenamedParameters } from "./request/query-string.ts";
import { parsePerPage, parseWindow } from "./request/window.ts";
import type { SearchQuery } from "./search/filters.ts";
import { searchEvents } from "./search/search.ts";
import type { SearchDatabase } from "./search/snapshot.ts";

export const EVENTS_SEARCH_PATH = "/api/v1/events/message";

/** The retired Message Events API's names (and the Events API draft's) for filters this endpoint names otherwise. */
const RENAMED: Readonly<Record<string, string>> = {
  campaign_ids: "use 'campaigns'",
  template_ids: "use 'templates'",
  message_ids: "use 'messages'",
  transmission_ids: "use 'transmissions'",
  friendly_froms: "use 'from_addresses'",
  reason: "use 'reasons'",
  subject: "use 'subjects'",
  ab_test_ids: "use 'ab_tests'",
  ab_test_version: "use 'ab_test_versions'",
  timezone: "'from' and 'to' are UTC unless they carry an offset (e.g. 2024-06-01T00:00:00-04:00)",
};

export interface EventsSearchContext {
  db: SearchDatabase;
  cursorKey: Buffer;
  now: Date;
}

/** `GET /api/v1/events/message`: SparkPost's Events API, one page per request with a keyset cursor. */
export async function eventsSearch(params: Map<string, string>, context: EventsSearchContext): Promise<HttpResponse> {
  refuseRenamedParameters(params, RENAMED);
  const window = parseWindow(params.get("from"), params.get("to"), context.now);
  const perPage = parsePerPage(params.get("per_page"), 1000);
  const lists = new Map<FilterName, string>();
  for (const name of FILTER_NAMES) {
    const value = params.get(name);
    if (value !== undefined) lists.set(name, value);
  }
  const filters = parseFilters(lists, parseDelimiter(params.get("delimiter")));
  const after = parseCursorParameter(params.get("cursor"), (cursor) => decodeCursor(cursor, context.cursorKey));
  const query: SearchQuery = { ...window, perPage, filters, ...(after ? { after } : {}) };

  const page = await searchEvents(context.db, query);
  const links: { next?: string } = {};
  if (page.next) links.next = nextLink(params, window, encodeCursor(page.next, context.cursorKey));
  return jsonResponse(200, { results: page.results, total_count: page.totalCount, links });
}

/**
 * The next page's relative URL: every parameter as given, `from` and `to` pinned to the window of the first page
 * (so the defaults do not slide while a client walks), and the new cursor.
 */
function nextLink(params: Map<string, string>, window: { from: Date; to: Date }, cursor: string): string {
  const entries: [string, string][] = [...params].filter(([name]) => !["from", "to", "cursor"].includes(name));
  entries.push(["from", window.from.toISOString()], ["to", window.to.toISOString()], ["cursor", cursor]);
  const query = entries.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&");
  return `${EVENTS_SEARCH_PATH}?${query}`;
}

import { type HttpResponse, jsonResponse } from "@msgevents/http";
import { invalidParameter } from "./request/errors.ts";
import { FILTER_NAMES, type FilterName, parseDelimiter, parseFilters } from "./request/filters.ts";
import { refuseRenamedParameters } from "./request/query-string.ts";
import { parsePerPage, parseWindow } from "./request/window.ts";
import { searchEvents } from "./search/search.ts";
import type { SearchDatabase } from "./search/snapshot.ts";

export const LEGACY_SEARCH_PATH = "/api/v1/message-events";

/** The retired Message Events API's filter names, mapped to the Events API filters that serve them. */
const LEGACY_FILTERS: Record<string, FilterName> = {
  recipients: "recipients",
  friendly_froms: "from_addresses",
  events: "events",
  bounce_classes: "bounce_classes",
  reason: "reasons",
  subaccounts: "subaccounts",
  transmission_ids: "transmissions",
  campaign_ids: "campaigns",
  template_ids: "templates",
  ab_test_ids: "ab_tests",
  message_ids: "messages",
};

/**
 * The Events API's filters under the names this retired API did not use: a client means them as filters, so they are
 * refused (with the name to use) rather than ignored like other unexpected parameters.
 */
const RENAMED: Readonly<Record<string, string>> = Object.fromEntries(
  FILTER_NAMES.filter((name) => !Object.hasOwn(LEGACY_FILTERS, name)).map((name) => {
    const legacy = Object.entries(LEGACY_FILTERS).find(([, filter]) => filter === name)?.[0];
    return [name, legacy ? `use '${legacy}'` : "it is a filter of the Events API, /api/v1/events/message"];
  }),
);

const UTC_NAMES = new Set(["utc", "etc/utc", "gmt", "etc/gmt", "z"]);

function parsePage(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) {
    throw invalidParameter("page", "invalid parameter", "'page' must be a positive integer");
  }
  return Number(value);
}

/**
 * `GET /api/v1/message-events` for old clients: page-numbered, `links` as an array of `{href, rel}`. Results use the
 * current Events API format; `reason`'s `%` wildcards are dropped, as it is a keyword search here.
 */
export async function legacySearch(
  params: Map<string, string>,
  context: { db: SearchDatabase; now: Date },
): Promise<HttpResponse> {
  refuseRenamedParameters(params, RENAMED);
  const timezone = params.get("timezone");
  if (timezone !== undefined && !UTC_NAMES.has(timezone.toLowerCase())) {
    throw invalidParameter("timezone", "invalid parameter", "only UTC is supported; give 'from' and 'to' in UTC");
  }
  const window = parseWindow(params.get("from"), params.get("to"), context.now);
  const perPage = parsePerPage(params.get("per_page"), 1000);
  const page = parsePage(params.get("page"));
  const lists = new Map<FilterName, string>();
  for (const [legacyName, name] of Object.entries(LEGACY_FILTERS)) {
    const value = params.get(legacyName);
    if (value !== undefined) lists.set(name, legacyName === "reason" ? value.replace(/%/g, " ") : value);
  }
  const filters = parseFilters(lists, parseDelimiter(params.get("delimiter")));

  const result = await searchEvents(context.db, { ...window, perPage, filters, offset: (page - 1) * perPage });
  const lastPage = Math.max(1, Math.ceil(result.totalCount / perPage));
  const href = (target: number) => {
    const entries = [...params].filter(([name]) => !["from", "to", "page"].includes(name));
    entries.unshift(["page", String(target)]);
    entries.push(["from", window.from.toISOString()], ["to", window.to.toISOString()]);
    return `${LEGACY_SEARCH_PATH}?${entries.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join("&")}`;
  };
  const links: { href: string; rel: string }[] = [];
  if (page < lastPage) links.push({ href: href(page + 1), rel: "next" });
  if (lastPage > 1) links.push({ href: href(lastPage), rel: "last" });
  return jsonResponse(200, { links, results: result.results, total_count: result.totalCount });
}

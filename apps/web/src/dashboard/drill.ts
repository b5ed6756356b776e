import { searchHref } from "../routing.ts";
import { DEFAULT_SEARCH, searchToHashQuery } from "../search/search-state.ts";
import { DIMENSIONS } from "./dimensions.ts";
import type { CountDefinition } from "./metrics.ts";

/** The Events API filters that find the events of the dashboard's Metrics API filters. */
export function searchFilters(dashboardFilters: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const dimension of DIMENSIONS) {
    const values = dashboardFilters[dimension.param];
    if (values && values.length > 0) filters[dimension.search] = [...values];
  }
  return filters;
}

/**
 * The search address for exactly the events a dashboard number counts, in `[from, to)`, narrowed by the dashboard's
 * filters and `extra` Events API filters; undefined for a count no search selects (unique messages, sent, accepted).
 */
export function drillHref(
  metric: CountDefinition,
  window: { from: string; to: string },
  dashboardFilters: Readonly<Record<string, readonly string[]>> = {},
  extra: Record<string, readonly string[]> = {},
): string | undefined {
  if (!metric.events) return undefined;
  const filters = searchFilters(dashboardFilters);
  for (const [param, values] of Object.entries({ ...metric.filters, ...extra })) filters[param] = [...values];
  return searchHref(
    searchToHashQuery({
      ...DEFAULT_SEARCH,
      events: [...metric.events],
      filters,
      range: { preset: "custom", from: window.from, to: window.to },
    }),
  );
}

import { searchHref } from "../routing.ts";
import { DEFAULT_SEARCH, searchToHashQuery } from "../search/search-state.ts";
import type { MetricDefinition } from "./metrics.ts";

/** The search address for exactly the events a dashboard number counts, in `[from, to)`. */
export function drillHref(
  metric: MetricDefinition,
  window: { from: string; to: string },
  extra: Record<string, string[]> = {},
): string {
  const filters: Record<string, string[]> = { ...extra };
  for (const [param, values] of Object.entries(metric.filters ?? {})) filters[param] = [...values];
  return searchHref(
    searchToHashQuery({
      ...DEFAULT_SEARCH,
      events: [...metric.events],
      filters,
      range: { preset: "custom", from: window.from, to: window.to },
    }),
  );
}

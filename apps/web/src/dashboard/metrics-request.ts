import { useEffect, useState } from "react";
import { getJson } from "../api/client.ts";
import type { DashboardWindow, Precision } from "./dashboard-state.ts";

export const METRICS_PATH = "/api/v1/metrics/deliverability";

export type MetricsRow = Record<string, number | string>;

/** The precisions the summary, group-by and reason routes take; a week or month window is whole days. */
const AGGREGATE_PRECISIONS: readonly Precision[] = ["1min", "5min", "15min", "hour", "day"];

const DELIMITERS = [",", "|", ";", "~", "^", "¦"];

/**
 * A Metrics API request over the window's whole buckets, in its zone, narrowed by the dashboard's filters: list
 * values are joined by a delimiter none of them holds (the Metrics API takes one character).
 */
export function metricsPath(
  route: string,
  window: DashboardWindow,
  filters: Readonly<Record<string, readonly string[]>>,
  params: Record<string, string> = {},
): string {
  const precision =
    route === "/time-series" || AGGREGATE_PRECISIONS.includes(window.precision) ? window.precision : "day";
  const query = new URLSearchParams({
    from: window.metricsFrom,
    to: window.metricsTo,
    timezone: window.zone,
    precision,
    ...params,
  });
  const lists = Object.entries(filters).filter(([, values]) => values.length > 0);
  const all = lists.flatMap(([, values]) => values);
  const delimiter = DELIMITERS.find((candidate) => all.every((value) => !value.includes(candidate))) ?? "\u241e";
  if (delimiter !== ",") query.set("delimiter", delimiter);
  for (const [param, values] of lists) query.set(param, values.join(delimiter));
  return `${METRICS_PATH}${route}?${query}`;
}

/** The answer's rows for a path (undefined while loading, or when there is no path); errors go to onError. */
export function useMetricsRows(
  apiKey: string,
  path: string | undefined,
  onError: (error: unknown) => void,
): MetricsRow[] | undefined {
  const [answer, setAnswer] = useState<{ path: string; rows: MetricsRow[] } | undefined>();
  useEffect(() => {
    if (!path) return;
    const abort = new AbortController();
    getJson<{ results: MetricsRow[] }>(apiKey, path, abort.signal)
      .then((body) => setAnswer({ path, rows: body.results }))
      .catch((error: unknown) => {
        if (!abort.signal.aborted) onError(error);
      });
    return () => abort.abort();
  }, [apiKey, path, onError]);
  return answer !== undefined && answer.path === path ? answer.rows : undefined;
}

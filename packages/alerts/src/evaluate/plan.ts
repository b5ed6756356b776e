import { type AlertDefinition, WHOLE_ACCOUNT } from "../model/alert.ts";
import {
  ALERT_DIMENSIONS,
  ALERT_METRICS,
  type AlertDimension,
  COMBINATION_KEYS,
  FILTER_TYPES,
  SOURCE_OFFSET_MS,
} from "../model/catalog.ts";
import type { MeasureQuery } from "./source.ts";

/** What an alert evaluates: one value per combination of `dimensions`, restricted to `constraints`. */
export interface AlertScope {
  dimensions: AlertDimension[];
  /** Explicit values of a dimension; a dimension without (any_subaccount) takes whatever values occur. */
  constraints: Map<AlertDimension, string[]>;
}

export function scopeOf(alert: AlertDefinition): AlertScope {
  const dimensions: AlertDimension[] = [];
  const constraints = new Map<AlertDimension, string[]>();
  if (alert.any_subaccount) dimensions.push("subaccount");
  else if (alert.subaccounts && !alert.subaccounts.includes(WHOLE_ACCOUNT)) {
    dimensions.push("subaccount");
    constraints.set("subaccount", alert.subaccounts.map(String));
  }
  for (const dimension of ALERT_DIMENSIONS) {
    const filter = alert.filters.find((candidate) => FILTER_TYPES[candidate.filter_type] === dimension);
    if (!filter) continue;
    dimensions.push(dimension);
    constraints.set(dimension, filter.filter_values);
  }
  return { dimensions, constraints };
}

/** An incident's `filters`: `{"subaccount_id": 0, "mailbox_provider": "gmail"}`, keys in dimension order. */
export function combinationFilters(
  dimensions: readonly AlertDimension[],
  values: readonly string[],
): Record<string, string | number> {
  return Object.fromEntries(
    dimensions.map((dimension, index) => {
      const value = values[index] ?? "";
      return [COMBINATION_KEYS[dimension], dimension === "subaccount" ? Number(value) : value];
    }),
  );
}

/** The canonical text of a combination: equal combinations give equal keys (the incidents' uniqueness). */
export const combinationKey = (filters: Record<string, string | number>): string => JSON.stringify(filters);

export interface Window {
  from: Date;
  to: Date;
}

/** The windows an alert reads: its own, and the one it is compared with or whose combinations it must watch. */
export interface AlertWindows {
  current: Window;
  /** `day_over_day` / `week_over_week`: the same window a day or a week earlier. */
  comparison?: Window;
  /**
   * The window before the current one, for a volume that must not fall below a value while some dimension is open
   * (any_subaccount): a combination that had events there and has none now is watched too.
   */
  preceding?: Window;
}

const MINUTE = 60_000;

export function windowsOf(alert: AlertDefinition, now: Date): AlertWindows {
  const end = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const length = alert.window_minutes * MINUTE;
  const current = { from: new Date(end - length), to: new Date(end) };
  const { source, operator } = alert.threshold_evaluator;
  const windows: AlertWindows = { current };
  if (source !== "raw") {
    const offset = SOURCE_OFFSET_MS[source];
    windows.comparison = { from: new Date(end - length - offset), to: new Date(end - offset) };
  } else if (ALERT_METRICS[alert.metric].kind === "volume" && operator === "lt" && alert.any_subaccount) {
    windows.preceding = { from: new Date(end - 2 * length), to: current.from };
  }
  return windows;
}

/** The Metrics API metrics an alert's value is made of. */
export function metricsOf(alert: AlertDefinition): string[] {
  const definition = ALERT_METRICS[alert.metric];
  return definition.kind === "rate" ? [definition.numerator, definition.denominator] : [...definition.metrics];
}

/** One source query serving every alert that reads the same window at the same dimensions. */
export interface PlannedQuery {
  key: string;
  query: MeasureQuery;
}

const queryKey = (window: Window, dimensions: readonly AlertDimension[]) =>
  `${window.from.toISOString()}/${window.to.toISOString()}/${dimensions.join(",")}`;

/**
 * The fewest source queries that answer every alert: alerts reading the same window at the same dimensions share
 * one, which sums every metric any of them needs and keeps only the values all of them constrain (a dimension one of
 * them leaves open stays open). Each alert then picks its rows from the shared answer.
 */
export function planQueries(reads: readonly { alert: AlertDefinition; scope: AlertScope; windows: Window[] }[]) {
  const planned = new Map<string, { query: MeasureQuery; metrics: Set<string>; open: Set<AlertDimension> }>();
  for (const { alert, scope, windows } of reads) {
    for (const window of windows) {
      const key = queryKey(window, scope.dimensions);
      let entry = planned.get(key);
      if (!entry) {
        entry = {
          query: { ...window, dimensions: scope.dimensions, filters: new Map(), metrics: [] },
          metrics: new Set(),
          open: new Set(),
        };
        planned.set(key, entry);
      }
      for (const metric of metricsOf(alert)) entry.metrics.add(metric);
      const filters = entry.query.filters as Map<AlertDimension, string[]>;
      for (const dimension of scope.dimensions) {
        const values = scope.constraints.get(dimension);
        if (!values) entry.open.add(dimension);
        else filters.set(dimension, [...new Set([...(filters.get(dimension) ?? []), ...values])]);
      }
    }
  }
  return [...planned].map(([key, entry]): PlannedQuery => {
    const filters = new Map([...entry.query.filters].filter(([dimension]) => !entry.open.has(dimension)));
    return { key, query: { ...entry.query, filters, metrics: [...entry.metrics].sort() } };
  });
}

export const plannedKeyOf = queryKey;

import type { AlertDefinition } from "../model/alert.ts";
import { ALERT_METRICS } from "../model/catalog.ts";
import { type AlertScope, type AlertWindows, combinationFilters, combinationKey, type Window } from "./plan.ts";
import type { MeasureRow } from "./source.ts";

/** What one evaluation found for one value combination of one alert. */
export interface Observation {
  combination: string;
  filters: Record<string, string | number>;
  /** Undefined when the combination cannot be judged: below the minimum volume, or nothing to compare with. */
  value: number | undefined;
  firing: boolean;
  window: Window;
}

type Sums = Readonly<Record<string, number>>;

/** The alert's rows of one window, by combination key; rows of values it does not constrain itself are left out. */
function rowsByCombination(
  rows: readonly MeasureRow[],
  scope: AlertScope,
): Map<string, { values: readonly string[]; sums: Sums }> {
  const kept = new Map<string, { values: readonly string[]; sums: Sums }>();
  for (const row of rows) {
    const fits = scope.dimensions.every((dimension, index) => {
      const allowed = scope.constraints.get(dimension);
      return !allowed || allowed.includes(row.values[index] ?? "");
    });
    if (fits)
      kept.set(combinationKey(combinationFilters(scope.dimensions, row.values)), {
        values: row.values,
        sums: row.metrics,
      });
  }
  return kept;
}

/** Every combination of the explicit values, when the alert constrains each of its dimensions. */
function explicitCombinations(scope: AlertScope): string[][] | undefined {
  let combinations: string[][] = [[]];
  for (const dimension of scope.dimensions) {
    const values = scope.constraints.get(dimension);
    if (!values) return undefined;
    combinations = combinations.flatMap((prefix) => values.map((value) => [...prefix, value]));
  }
  return combinations;
}

const sum = (sums: Sums | undefined, metrics: readonly string[]) =>
  metrics.reduce((total, metric) => total + (sums?.[metric] ?? 0), 0);

/** The alert's value for one combination, or undefined when it cannot be judged. */
export function alertValue(
  alert: AlertDefinition,
  current: Sums | undefined,
  comparison: Sums | undefined,
): number | undefined {
  const definition = ALERT_METRICS[alert.metric];
  const minimum = Math.max(alert.min_volume, 1);
  if (definition.kind === "rate") {
    const denominator = current?.[definition.denominator] ?? 0;
    if (denominator < minimum) return undefined;
    return (100 * (current?.[definition.numerator] ?? 0)) / denominator;
  }
  const volume = sum(current, definition.metrics);
  if (alert.threshold_evaluator.source === "raw") return volume;
  const before = sum(comparison, definition.metrics);
  if (before < minimum) return undefined;
  return (100 * (volume - before)) / before;
}

export function isFiring(alert: AlertDefinition, value: number | undefined): boolean {
  if (value === undefined) return false;
  const { operator, value: threshold } = alert.threshold_evaluator;
  return operator === "gt" ? value > threshold : value < threshold;
}

/**
 * Judges every combination the alert must watch: those with counted events now, those a volume rule compares with
 * or watches from the window before (a drop to nothing has no row now), every explicit combination of a volume rule
 * (zero events is a volume), and those with an open incident (so it can recover or stay open).
 */
export function observe(
  alert: AlertDefinition,
  scope: AlertScope,
  windows: AlertWindows,
  rowsOf: (window: Window) => readonly MeasureRow[],
  openCombinations: readonly { combination: string; filters: Record<string, string | number> }[],
): Observation[] {
  const current = rowsByCombination(rowsOf(windows.current), scope);
  const comparison = windows.comparison ? rowsByCombination(rowsOf(windows.comparison), scope) : new Map();
  const candidates = new Map<string, Record<string, string | number>>();
  const add = (values: readonly string[]) => {
    const filters = combinationFilters(scope.dimensions, values);
    candidates.set(combinationKey(filters), filters);
  };
  for (const { values } of current.values()) add(values);
  if (ALERT_METRICS[alert.metric].kind === "volume") {
    for (const { values } of comparison.values()) add(values);
    if (windows.preceding)
      for (const { values } of rowsByCombination(rowsOf(windows.preceding), scope).values()) add(values);
    for (const values of explicitCombinations(scope) ?? []) add(values);
  }
  for (const open of openCombinations) candidates.set(open.combination, open.filters);

  return [...candidates].map(([combination, filters]) => {
    const value = alertValue(alert, current.get(combination)?.sums, comparison.get(combination)?.sums);
    return { combination, filters, value, firing: isFiring(alert, value), window: windows.current };
  });
}

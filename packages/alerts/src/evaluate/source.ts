import type { AlertDimension } from "../model/catalog.ts";

/** Sums of Metrics API metrics over one window, per value combination of some dimensions. */
export interface MeasureQuery {
  /** Inclusive start and exclusive end, on whole minutes. */
  from: Date;
  to: Date;
  /** One row per combination of these dimensions' values (none: one row for everything the filters keep). */
  dimensions: readonly AlertDimension[];
  /** Only these values of a dimension (each filtered dimension is also in `dimensions`). */
  filters: ReadonlyMap<AlertDimension, readonly string[]>;
  /** Metrics API metric names (`count_sent`, `count_block_bounce`, …). */
  metrics: readonly string[];
}

export interface MeasureRow {
  /** The combination: one value per dimension, in the query's order. */
  values: readonly string[];
  metrics: Readonly<Record<string, number>>;
}

/**
 * What the evaluator reads: the Metrics API's own sums (packages/query implements it over the rollups, so an alert's
 * numbers are the Metrics API's), with no row for a combination without counted events.
 */
export interface AlertMetricsSource {
  measure(query: MeasureQuery): Promise<MeasureRow[]>;
}

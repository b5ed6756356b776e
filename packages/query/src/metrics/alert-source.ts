import type { AlertMetricsSource, MeasureQuery, MeasureRow } from "@msgevents/alerts";
import { sql } from "drizzle-orm";
import type { SearchDatabase } from "../search/snapshot.ts";
import { resolveMetric, type ServedMetric } from "./catalog.ts";
import { rowsOf, windowSegments } from "./routes.ts";
import { countersOf, DIMENSION_COLUMNS, type GroupKey, metricSql, type SourceQuery, unionSql } from "./sources.ts";

function servedMetric(name: string): ServedMetric {
  const resolved = resolveMetric(name);
  if (!resolved || !("metric" in resolved))
    throw new Error(`alerts asked for ${name}, which the Metrics API does not serve`);
  return resolved.metric;
}

/**
 * The alerts' metrics source: the Metrics API's own sums, from the same segments (days, quarter hours, minutes at
 * the edges) and the same SQL as its group-by routes, so an alert's value is what the Metrics API answers for the
 * window. A query over one dimension (or none) reads that dimension's rollups; a combination of two or more (say
 * subaccount and mailbox provider) is counted from the window's events, as the Metrics API does for two filters. Days
 * the rollups' backfill has not filled yet are counted from the events in the same snapshot, as the Metrics API does.
 */
export function createAlertMetricsSource(db: SearchDatabase): AlertMetricsSource {
  return {
    async measure(query: MeasureQuery): Promise<MeasureRow[]> {
      const metrics = query.metrics.map((name) => ({ name, metric: servedMetric(name) }));
      const keys: GroupKey[] = query.dimensions.map((dimension, index) => ({
        alias: `k${index}`,
        rollup: sql`r.value`,
        raw: DIMENSION_COLUMNS[dimension],
      }));
      const source: SourceQuery = {
        table: "metric_rollups",
        dimension: query.dimensions.length === 0 ? "" : query.dimensions.length === 1 ? query.dimensions[0] : undefined,
        filters: query.filters,
        keys,
        counters: countersOf(
          "metric_rollups",
          metrics.map(({ metric }) => metric),
        ),
        // SparkPost's increment for uniques without a precision: per minute (kept in metric_rollups itself).
        uniques: { unit: "minute" },
        source: "rollups",
      };
      const keyColumns = keys.map((key) => sql`s.${sql.identifier(key.alias)}`);
      const columns = [...keyColumns, ...metrics.map(({ name, metric }) => metricSql(name, metric))];
      const rows = await rowsOf(
        { db, source: "rollups" },
        query,
        source,
        windowSegments(source, query),
        (segments) =>
          sql`SELECT ${sql.join(columns, sql`, `)} FROM (${unionSql(source, segments.counts, segments.uniques)}) AS s
            ${keys.length > 0 ? sql`GROUP BY ${sql.join(keyColumns, sql`, `)}` : sql``}`,
      );
      return rows
        .map((row) => ({
          values: keys.map((key) => String(row[key.alias])),
          metrics: Object.fromEntries(metrics.map(({ name }) => [name, Number(row[name])])),
        }))
        .filter((row) => keys.length > 0 || Object.values(row.metrics).some((value) => value !== 0));
    },
  };
}

import { useMemo, useState } from "react";
import { ScrollRegion } from "../ScrollRegion.tsx";
import { type DashboardState, type DashboardWindow, dashboardHref } from "./dashboard-state.ts";
import { DIMENSIONS, type Dimension, dimensionByRoute, displayValue } from "./dimensions.ts";
import { drillHref } from "./drill.ts";
import {
  BOUNCE_RATE,
  BOUNCED,
  CLICK_RATE,
  COMPLAINED,
  COMPLAINT_RATE,
  countsOf,
  DELIVERED,
  DELIVERED_RATE,
  formatValue,
  type MetricDefinition,
  metricValue,
  OPEN_RATE,
  TARGETED,
  UNIQUE_CLICKED,
  UNIQUE_OPENED,
} from "./metrics.ts";
import type { MetricsRow } from "./metrics-request.ts";

/** The breakdown's columns: each count beside its rate. */
export const BREAKDOWN_COLUMNS: readonly MetricDefinition[] = [
  TARGETED,
  DELIVERED,
  DELIVERED_RATE,
  BOUNCED,
  BOUNCE_RATE,
  UNIQUE_OPENED,
  OPEN_RATE,
  UNIQUE_CLICKED,
  CLICK_RATE,
  COMPLAINED,
  COMPLAINT_RATE,
];
export const BREAKDOWN_COUNTS = countsOf(BREAKDOWN_COLUMNS);
/** Rows asked of the Metrics API (the most targeted); sorting by another column reorders these. */
export const BREAKDOWN_ROWS = 100;
/** Rows shown until the reader asks for all of them. */
const FIRST_ROWS = 20;

interface BreakdownProps {
  state: DashboardState;
  window: DashboardWindow;
  rows: MetricsRow[] | undefined;
  go(next: DashboardState): void;
}

/**
 * Counts and rates per value of one dimension, sortable by any column. Each value is a drill-down: into the dashboard
 * filtered by it, and from each count into the search for its events.
 */
export function Breakdown({ state, window, rows, go }: BreakdownProps) {
  const dimension = dimensionByRoute(state.breakdown);
  const { column, descending } = state.sort;
  const [showAll, setShowAll] = useState(false);
  const sorted = useMemo(() => {
    const metric = BREAKDOWN_COLUMNS.find((candidate) => candidate.id === column);
    const key = (row: MetricsRow) => (metric ? metricValue(metric, row) : String(row[dimension.key] ?? ""));
    return [...(rows ?? [])].sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return descending ? -order : order;
    });
  }, [rows, column, descending, dimension]);
  const sortBy = (id: string) =>
    go({ ...state, sort: { column: id, descending: id === column ? !descending : id !== "name" } });
  const ariaSort = (id: string) => (id === column ? (descending ? "descending" : "ascending") : undefined);

  return (
    <section aria-labelledby="breakdown-title">
      <h2 id="breakdown-title">Breakdown</h2>
      <div role="tablist" aria-label="Break down by" className="tabs">
        {DIMENSIONS.map((candidate) => (
          <button
            key={candidate.route}
            type="button"
            role="tab"
            id={`tab-${candidate.route}`}
            aria-selected={candidate.route === dimension.route}
            aria-controls="breakdown-panel"
            onClick={() => go({ ...state, breakdown: candidate.route })}
          >
            {candidate.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="breakdown-panel" aria-labelledby={`tab-${dimension.route}`}>
        {rows === undefined ? (
          <p aria-busy="true">Loading…</p>
        ) : rows.length === 0 ? (
          <p>No messages in this range.</p>
        ) : (
          <ScrollRegion label={`By ${dimension.label.toLowerCase()}`}>
            <table className="breakdown" data-dimension={dimension.route}>
              <caption className="visually-hidden">
                By {dimension.label.toLowerCase()}: the {BREAKDOWN_ROWS} most targeted, sorted by the column chosen
              </caption>
              <thead>
                <tr>
                  <th scope="col" aria-sort={ariaSort("name")}>
                    <button
                      type="button"
                      className="sort"
                      aria-label={`Sort by ${dimension.label.toLowerCase()}`}
                      onClick={() => sortBy("name")}
                    >
                      {dimension.label}
                    </button>
                  </th>
                  {BREAKDOWN_COLUMNS.map((metric) => (
                    <th key={metric.id} scope="col" aria-sort={ariaSort(metric.id)} data-metric={metric.id}>
                      <button
                        type="button"
                        className="sort"
                        aria-label={`Sort by ${metric.label.toLowerCase()}`}
                        onClick={() => sortBy(metric.id)}
                      >
                        {metric.kind === "rate" ? metric.short : metric.label}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {(showAll ? sorted : sorted.slice(0, FIRST_ROWS)).map((row) => (
                  <BreakdownRow
                    key={String(row[dimension.key])}
                    row={row}
                    dimension={dimension}
                    state={state}
                    window={window}
                  />
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
        {!showAll && sorted.length > FIRST_ROWS && (
          <button type="button" onClick={() => setShowAll(true)}>
            Show all {sorted.length} rows
          </button>
        )}
        {rows !== undefined && rows.length >= BREAKDOWN_ROWS && (
          <p className="hint">The {BREAKDOWN_ROWS} most targeted values are here; filter to see others.</p>
        )}
      </div>
    </section>
  );
}

function BreakdownRow({
  row,
  dimension,
  state,
  window,
}: {
  row: MetricsRow;
  dimension: Dimension;
  state: DashboardState;
  window: DashboardWindow;
}) {
  const value = String(row[dimension.key]);
  const shown = displayValue(dimension, value);
  const filtered = dashboardHref({ ...state, filters: { ...state.filters, [dimension.param]: [value] } });
  return (
    <tr data-value={value}>
      <th scope="row">
        <a href={filtered} aria-label={`Dashboard for ${dimension.label.toLowerCase()} ${shown}`}>
          {shown}
        </a>
      </th>
      {BREAKDOWN_COLUMNS.map((metric) => {
        const text = formatValue(metric, metricValue(metric, row));
        const href =
          metric.kind === "count"
            ? drillHref(metric, window, state.filters, { [dimension.search]: [value] })
            : undefined;
        return (
          <td key={metric.id} className="number" data-metric={metric.id}>
            {href ? (
              <a href={href} aria-label={`${metric.label} for ${shown}`}>
                {text}
              </a>
            ) : (
              text
            )}
          </td>
        );
      })}
    </tr>
  );
}

import { useMemo } from "react";
import { ScrollRegion } from "../ScrollRegion.tsx";
import { isoSeconds } from "../search/search-state.ts";
import type { DashboardWindow } from "./dashboard-state.ts";
import { drillHref } from "./drill.ts";
import { CHART_METRICS, type CountDefinition, formatValue, type MetricDefinition, metricValue } from "./metrics.ts";
import type { MetricsRow } from "./metrics-request.ts";
import { type ChartSeries, TrendChart } from "./TrendChart.tsx";
import { formatWall, toWall } from "./zoned-time.ts";

/** Each precision's bucket in seconds (weeks and months nominal): the chart's ticks fall on whole buckets. */
const BUCKET_SECONDS: Record<DashboardWindow["precision"], number> = {
  "1min": 60,
  "5min": 300,
  "15min": 900,
  hour: 3600,
  day: 86_400,
  week: 7 * 86_400,
  month: 30 * 86_400,
};

const PRECISION_WORDS: Record<DashboardWindow["precision"], string> = {
  "1min": "minute",
  "5min": "5 minutes",
  "15min": "15 minutes",
  hour: "hour",
  day: "day",
  week: "week",
  month: "month",
};

/** A bucket as a reader names it, in the window's zone. */
export function bucketLabel(window: DashboardWindow, instant: number): string {
  const wall = formatWall(toWall(window.zone, instant)).replace("T", " ");
  if (window.precision === "day") return wall.slice(0, 10);
  if (window.precision === "week") return `Week of ${wall.slice(0, 10)}`;
  if (window.precision === "month") return wall.slice(0, 7);
  return wall;
}

/** The instant after a bucket: the next bucket's start, or the window's end. */
const bucketEnd = (window: DashboardWindow, index: number): number => window.buckets[index + 1] ?? window.end;

interface TrendProps {
  window: DashboardWindow;
  rows: MetricsRow[] | undefined;
  selected: readonly MetricDefinition[];
  filters: Readonly<Record<string, readonly string[]>>;
  now: Date;
  onSelect(ids: string[]): void;
}

/** The chart of the metrics picked, with its numbers in a table (the chart's accessible form), every count a link. */
export function Trend({ window, rows, selected, filters, now, onSelect }: TrendProps) {
  const words = PRECISION_WORDS[window.precision];
  const byStart = useMemo(() => new Map((rows ?? []).map((row) => [Date.parse(String(row.ts)), row])), [rows]);
  const begun = (index: number) => (window.buckets[index] ?? 0) <= now.getTime();
  const partialIndex = window.partial ? window.buckets.length - 1 : undefined;
  const series: ChartSeries[] = useMemo(
    () =>
      selected.map((metric) => ({
        metric,
        values: window.buckets.map((start) =>
          start <= now.getTime() ? metricValue(metric, byStart.get(start)) : null,
        ),
      })),
    [selected, window, byStart, now],
  );
  const times = useMemo(() => window.buckets.map((start) => start / 1000), [window]);
  const windowOf = (index: number) => ({
    from: isoSeconds(new Date(window.buckets[index] ?? 0)),
    to: isoSeconds(new Date(bucketEnd(window, index))),
  });
  const drillBucket = (index: number, shown: MetricDefinition[]) => {
    const counts = [...new Set(shown.map((metric) => (metric.kind === "rate" ? metric.numerator : metric)))].filter(
      (metric): metric is CountDefinition & { events: readonly string[] } => metric.events !== undefined,
    );
    if (counts.length === 0) return;
    // Several series: their events together; the bounce classes filter of bounces alone would drop the others.
    const combined: CountDefinition =
      counts.length === 1 && counts[0]
        ? counts[0]
        : { ...counts[0], kind: "count", id: "", label: "", color: "", events: counts.flatMap((c) => c.events) };
    const href = drillHref(counts.length === 1 ? combined : { ...combined, filters: {} }, windowOf(index), filters);
    if (href) globalThis.location.hash = href;
  };

  return (
    <section aria-labelledby="trend-title">
      <h2 id="trend-title">Trend by {words}</h2>
      <MetricPicker selected={selected} onSelect={onSelect} />
      <p className="hint">
        Click the chart to search the events of that {words}. Counts are on the left axis, rates (dashed) on the right.
        {partialIndex !== undefined &&
          ` The last ${words} is still in progress: its numbers (hollow points, shaded) are so far, not final.`}
      </p>
      {rows === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <TrendChart
            times={times}
            end={window.end / 1000}
            series={series}
            partialIndex={partialIndex}
            zone={window.zone}
            bucketSeconds={BUCKET_SECONDS[window.precision]}
            onPick={drillBucket}
            label={`Per ${words}: ${selected.map((metric) => metric.label).join(", ")}; the table below has the numbers`}
          />
          <details className="chart-data">
            <summary>Numbers behind the chart</summary>
            <ScrollRegion label="Trend table">
              <table className="volume-table">
                <thead>
                  <tr>
                    <th scope="col">
                      {words[0]?.toUpperCase()}
                      {words.slice(1)} ({window.zone})
                    </th>
                    {selected.map((metric) => (
                      <th key={metric.id} scope="col" data-metric={metric.id}>
                        {metric.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {window.buckets.map((start, index) => {
                    const row = byStart.get(start);
                    const label = bucketLabel(window, start);
                    const partial = index === partialIndex;
                    return (
                      <tr
                        key={start}
                        data-ts={row ? String(row.ts) : undefined}
                        className={partial ? "partial" : undefined}
                      >
                        <th scope="row">
                          {label}
                          {partial && <span className="partial-mark"> (in progress)</span>}
                        </th>
                        {selected.map((metric) => {
                          const text = begun(index) ? formatValue(metric, metricValue(metric, row)) : "–";
                          const href =
                            metric.kind === "count" && begun(index)
                              ? drillHref(metric, windowOf(index), filters)
                              : undefined;
                          return (
                            <td key={metric.id} data-metric={metric.id} className="number">
                              {href ? (
                                <a href={href} aria-label={`${metric.label} on ${label}`}>
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
                  })}
                </tbody>
              </table>
            </ScrollRegion>
          </details>
        </>
      )}
    </section>
  );
}

/** The metrics the chart draws, counts and rates; at least one stays picked. */
function MetricPicker({
  selected,
  onSelect,
}: {
  selected: readonly MetricDefinition[];
  onSelect(ids: string[]): void;
}) {
  const chosen = new Set(selected.map((metric) => metric.id));
  const toggle = (id: string, on: boolean) => {
    const next = CHART_METRICS.filter((metric) => (metric.id === id ? on : chosen.has(metric.id))).map((m) => m.id);
    if (next.length > 0) onSelect(next);
  };
  const groups = [
    { label: "Counts", metrics: CHART_METRICS.filter((metric) => metric.kind === "count") },
    { label: "Rates (right axis)", metrics: CHART_METRICS.filter((metric) => metric.kind === "rate") },
  ];
  return (
    <details className="metric-picker">
      <summary>Chart metrics ({selected.length} shown)</summary>
      <div className="metric-groups">
        {groups.map((group) => (
          <fieldset key={group.label}>
            <legend>{group.label}</legend>
            {group.metrics.map((metric) => (
              <label key={metric.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={chosen.has(metric.id)}
                  disabled={chosen.has(metric.id) && chosen.size === 1}
                  onChange={(event) => toggle(metric.id, event.target.checked)}
                />
                <span className="swatch" style={{ borderColor: metric.color }} aria-hidden="true" />
                {metric.label}
              </label>
            ))}
          </fieldset>
        ))}
      </div>
    </details>
  );
}

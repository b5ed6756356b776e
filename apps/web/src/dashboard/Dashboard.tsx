import { useMemo } from "react";
import { BouncePicture, TOP_REASONS } from "./BouncePicture.tsx";
import { BREAKDOWN_COUNTS, BREAKDOWN_ROWS, Breakdown } from "./Breakdown.tsx";
import { Controls } from "./Controls.tsx";
import { type DashboardState, dashboardHref, resolveState, stateFromQuery } from "./dashboard-state.ts";
import { dimensionByRoute } from "./dimensions.ts";
import { BOUNCED, CHART_METRICS, countsOf, SUMMARY_METRICS, TARGETED } from "./metrics.ts";
import { metricsPath, useMetricsRows } from "./metrics-request.ts";
import { RateCards } from "./RateCards.tsx";
import { Trend } from "./Trend.tsx";

interface DashboardProps {
  apiKey: string;
  query: string;
  onError(error: unknown): void;
}

const go = (next: DashboardState) => {
  window.location.hash = dashboardHref(next);
};

/**
 * The deliverability dashboard: every number from the Metrics API over whole buckets of the range, in the zone
 * chosen, narrowed by the filters; the whole view is its address (`#/?…`, see dashboard-state.ts).
 */
export function Dashboard({ apiKey, query, onError }: DashboardProps) {
  const state = useMemo(() => stateFromQuery(query), [query]);
  // "Now" moves with each new address, so a preset is the last 24 hours of the moment it is shown.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new address is a new moment by design.
  const now = useMemo(() => new Date(), [query]);
  const resolved = useMemo(() => resolveState(state, now), [state, now]);
  const shown = "window" in resolved ? resolved : undefined;
  const window_ = shown?.window;
  const filters = state.filters;
  const selected = useMemo(() => CHART_METRICS.filter((metric) => state.chart.includes(metric.id)), [state.chart]);
  const path = (route: string, params: Record<string, string>, target = window_) =>
    target ? metricsPath(route, target, filters, params) : undefined;

  const summary = useMetricsRows(apiKey, path("", { metrics: SUMMARY_METRICS.join(",") }), onError);
  const previous = useMetricsRows(apiKey, path("", { metrics: SUMMARY_METRICS.join(",") }, shown?.previous), onError);
  const series = useMetricsRows(apiKey, path("/time-series", { metrics: countsOf(selected).join(",") }), onError);
  const bounceReasons = useMetricsRows(
    apiKey,
    path("/bounce-reason", { metrics: BOUNCED.id, limit: String(TOP_REASONS) }),
    onError,
  );
  const delayReasons = useMetricsRows(apiKey, path("/delay-reason", { limit: String(TOP_REASONS) }), onError);
  const rejectionReasons = useMetricsRows(apiKey, path("/rejection-reason", { limit: String(TOP_REASONS) }), onError);
  const breakdown = useMetricsRows(
    apiKey,
    path(`/${dimensionByRoute(state.breakdown).route}`, {
      metrics: BREAKDOWN_COUNTS.join(","),
      limit: String(BREAKDOWN_ROWS),
      order_by: TARGETED.id,
    }),
    onError,
  );

  return (
    <section aria-labelledby="dashboard-title" className="dashboard">
      <h1 id="dashboard-title">Deliverability</h1>
      <Controls state={state} resolved={resolved} now={now} go={go} />
      {"error" in resolved ? (
        <p className="error" role="alert" data-testid="range-problem">
          {resolved.error}
        </p>
      ) : (
        window_ && (
          <>
            <p className="window">
              From <time dateTime={window_.from}>{window_.from}</time> to{" "}
              <time dateTime={window_.to}>{window_.to}</time> (end exclusive), by {window_.precision}, in {window_.zone}
            </p>
            <RateCards summary={summary?.[0]} previous={previous?.[0]} precision={window_.precision} />
            <Trend
              window={window_}
              rows={series}
              selected={selected}
              filters={filters}
              now={now}
              onSelect={(chart) => go({ ...state, chart })}
            />
            <BouncePicture
              window={window_}
              filters={filters}
              summary={summary?.[0]}
              bounceReasons={bounceReasons}
              delayReasons={delayReasons}
              rejectionReasons={rejectionReasons}
            />
            <Breakdown key={state.breakdown} state={state} window={window_} rows={breakdown} go={go} />
          </>
        )
      )}
    </section>
  );
}

import { type FormEvent, useEffect, useMemo, useState } from "react";
import { getJson } from "../api/client.ts";
import { ScrollRegion } from "../ScrollRegion.tsx";
import { drillHref } from "./drill.ts";
import {
  BOUNCED,
  DOMAIN_METRICS,
  type MetricDefinition,
  percentage,
  RATE_METRICS,
  RATES,
  VOLUME_METRICS,
} from "./metrics.ts";
import { bucketMs, DASHBOARD_RANGES, type DashboardWindow, dayWindow, windowEndingAt } from "./range.ts";
import { VolumeChart } from "./VolumeChart.tsx";

const METRICS_PATH = "/api/v1/metrics/deliverability";
const TOP_ROWS = 10;

type Row = Record<string, number | string>;
interface MetricsAnswer {
  results: Row[];
}

interface DashboardData {
  summary: Row;
  series: Row[];
  bounceReasons: Row[];
  domains: Row[];
}

interface DashboardProps {
  apiKey: string;
  query: string;
  onError(error: unknown): void;
}

/** `#/?range=7d`, or `#/?first=YYYY-MM-DD&last=YYYY-MM-DD` for whole UTC days. */
function windowFromQuery(query: string, now: Date): { window: DashboardWindow; rangeId: string } {
  const params = new URLSearchParams(query);
  const first = params.get("first");
  const last = params.get("last");
  if (first && last && /^\d{4}-\d{2}-\d{2}$/.test(first) && /^\d{4}-\d{2}-\d{2}$/.test(last)) {
    return { window: dayWindow(first, last), rangeId: "custom" };
  }
  const range = DASHBOARD_RANGES.find((candidate) => candidate.id === params.get("range")) ?? DASHBOARD_RANGES[1];
  return { window: windowEndingAt(now, range.precision, range.buckets), rangeId: range.id };
}

const count = (row: Row | undefined, metric: string) => Number(row?.[metric] ?? 0);
const formatCount = (value: number) => value.toLocaleString("en-US");

export function Dashboard({ apiKey, query, onError }: DashboardProps) {
  const { window: range, rangeId } = useMemo(() => windowFromQuery(query, new Date()), [query]);
  const [data, setData] = useState<DashboardData | undefined>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    const base = { from: range.metricsFrom, to: range.metricsTo, precision: range.precision };
    const get = (path: string, params: Record<string, string>) =>
      getJson<MetricsAnswer>(
        apiKey,
        `${METRICS_PATH}${path}?${new URLSearchParams({ ...base, ...params })}`,
        abort.signal,
      );
    setData(undefined);
    setFailed(false);
    Promise.all([
      get("", { metrics: RATE_METRICS.join(",") }),
      get("/time-series", { metrics: VOLUME_METRICS.map((metric) => metric.metric).join(",") }),
      // Bounce-reason rows come largest first by their first metric; SparkPost takes order_by on group-bys only.
      get("/bounce-reason", { metrics: BOUNCED.metric, limit: String(TOP_ROWS) }),
      get("/domain", {
        metrics: DOMAIN_METRICS.map((metric) => metric.metric).join(","),
        limit: String(TOP_ROWS),
        order_by: DOMAIN_METRICS[0]?.metric ?? "count_targeted",
      }),
    ])
      .then(([summary, series, bounceReasons, domains]) =>
        setData({
          summary: summary.results[0] ?? {},
          series: series.results,
          bounceReasons: bounceReasons.results,
          domains: domains.results,
        }),
      )
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setFailed(true);
        onError(error);
      });
    return () => abort.abort();
  }, [apiKey, range, onError]);

  return (
    <section aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">Deliverability</h1>
      <RangePicker rangeId={rangeId} range={range} />
      <p className="window">
        From <time dateTime={range.from}>{range.from}</time> to <time dateTime={range.to}>{range.to}</time> (UTC, by{" "}
        {range.precision})
      </p>
      {data ? (
        <DashboardBody data={data} range={range} />
      ) : failed ? (
        <p>The numbers could not be loaded; the message above says why.</p>
      ) : (
        <p aria-busy="true">Loading…</p>
      )}
    </section>
  );
}

function RangePicker({ rangeId, range }: { rangeId: string; range: DashboardWindow }) {
  const [first, setFirst] = useState(range.from.slice(0, 10));
  const [last, setLast] = useState(new Date(Date.parse(range.to) - 1).toISOString().slice(0, 10));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    window.location.hash = `#/?${new URLSearchParams({ first, last })}`;
  };
  return (
    <div className="range-picker">
      <nav aria-label="Dashboard range" className="presets">
        {DASHBOARD_RANGES.map((candidate) => (
          <a
            key={candidate.id}
            href={`#/?range=${candidate.id}`}
            aria-current={candidate.id === rangeId ? "page" : undefined}
            className="preset"
          >
            {candidate.label}
          </a>
        ))}
      </nav>
      <form onSubmit={apply} className="custom-days" aria-label="Custom range">
        <label>
          First day (UTC)
          <input type="date" required value={first} onChange={(event) => setFirst(event.target.value)} />
        </label>
        <label>
          Last day (UTC)
          <input type="date" required value={last} min={first} onChange={(event) => setLast(event.target.value)} />
        </label>
        <button type="submit">Show</button>
      </form>
    </div>
  );
}

function DashboardBody({ data, range }: { data: DashboardData; range: DashboardWindow }) {
  const size = bucketMs(range.precision);
  const bucketWindow = (ts: number) => ({
    from: new Date(ts).toISOString().replace(".000Z", "Z"),
    to: new Date(ts + size).toISOString().replace(".000Z", "Z"),
  });
  const buckets = data.series.map((row) => Date.parse(String(row.ts)));
  const chartSeries = useMemo(
    () => VOLUME_METRICS.map((metric) => ({ metric, values: data.series.map((row) => count(row, metric.metric)) })),
    [data.series],
  );
  const times = useMemo(() => data.series.map((row) => Date.parse(String(row.ts)) / 1000), [data.series]);
  const drillBucket = (index: number, shown: MetricDefinition[]) => {
    const ts = buckets[index];
    if (ts === undefined || shown.length === 0) return;
    // The bounce classes filter would drop every other kind of event, so it applies only to bounces alone.
    const combined: MetricDefinition =
      shown.length === 1 && shown[0]
        ? shown[0]
        : { ...BOUNCED, events: [...new Set(shown.flatMap((metric) => metric.events))], filters: {} };
    window.location.hash = drillHref(combined, bucketWindow(ts));
  };

  return (
    <>
      <section aria-labelledby="rates-title">
        <h2 id="rates-title">Key rates</h2>
        <ul className="rates">
          {RATES.map((rate) => {
            const numerator = count(data.summary, rate.numerator);
            const denominator = count(data.summary, rate.denominator);
            return (
              <li key={rate.id} className="rate" data-rate={rate.id}>
                <span className="rate-label">{rate.label}</span>
                <span className="rate-value">{percentage(numerator, denominator).toFixed(1)}%</span>
                <span className="rate-detail">
                  {formatCount(numerator)} of {formatCount(denominator)}
                </span>
              </li>
            );
          })}
        </ul>
      </section>

      <section aria-labelledby="volume-title">
        <h2 id="volume-title">Volume by {range.precision}</h2>
        <p className="hint">Click the chart to search the events of that {range.precision}.</p>
        <VolumeChart
          times={times}
          series={chartSeries}
          onPick={drillBucket}
          bucketSeconds={size / 1000}
          label={`Events per ${range.precision}: ${VOLUME_METRICS.map((metric) => metric.label).join(", ")}; the table below has the numbers`}
        />
        <details className="chart-data">
          <summary>Numbers behind the chart</summary>
          <ScrollRegion label="Volume table">
            <table className="volume-table">
              <thead>
                <tr>
                  <th scope="col">{range.precision === "hour" ? "Hour" : "Day"} (UTC)</th>
                  {VOLUME_METRICS.map((metric) => (
                    <th key={metric.metric} scope="col" data-metric={metric.metric}>
                      {metric.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.series.map((row, index) => {
                  const ts = buckets[index] ?? 0;
                  const label = new Date(ts).toISOString().slice(0, range.precision === "hour" ? 16 : 10);
                  return (
                    <tr key={String(row.ts)} data-ts={String(row.ts)}>
                      <th scope="row">{label.replace("T", " ")}</th>
                      {VOLUME_METRICS.map((metric) => (
                        <td key={metric.metric} data-metric={metric.metric}>
                          <a href={drillHref(metric, bucketWindow(ts))} aria-label={`${metric.label} on ${label}`}>
                            {formatCount(count(row, metric.metric))}
                          </a>
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </ScrollRegion>
        </details>
      </section>

      <div className="top-lists">
        <section aria-labelledby="reasons-title">
          <h2 id="reasons-title">Top bounce reasons</h2>
          {data.bounceReasons.length === 0 ? (
            <p>No bounces in this range.</p>
          ) : (
            <table className="bounce-reasons">
              <thead>
                <tr>
                  <th scope="col">Reason</th>
                  <th scope="col">Class</th>
                  <th scope="col">Bounces</th>
                </tr>
              </thead>
              <tbody>
                {data.bounceReasons.map((row) => (
                  <tr key={`${row.reason}/${row.classification_id}`}>
                    <td>
                      <a
                        href={drillHref({ ...BOUNCED, filters: {} }, range, {
                          reasons: [String(row.reason)],
                          bounce_classes: [String(row.classification_id)],
                        })}
                      >
                        {String(row.reason)}
                      </a>
                    </td>
                    <td>
                      {String(row.classification_id)} {row.bounce_class_name ? `(${row.bounce_class_name})` : ""}
                    </td>
                    <td className="number">{formatCount(count(row, BOUNCED.metric))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="domains-title">
          <h2 id="domains-title">Top recipient domains</h2>
          {data.domains.length === 0 ? (
            <p>No messages in this range.</p>
          ) : (
            <ScrollRegion label="Top domains">
              <table className="domains">
                <thead>
                  <tr>
                    <th scope="col">Domain</th>
                    {DOMAIN_METRICS.map((metric) => (
                      <th key={metric.metric} scope="col">
                        {metric.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.domains.map((row) => (
                    <tr key={String(row.domain)}>
                      <th scope="row">{String(row.domain)}</th>
                      {DOMAIN_METRICS.map((metric) => (
                        <td key={metric.metric} className="number" data-metric={metric.metric}>
                          <a
                            href={drillHref(metric, range, { recipient_domains: [String(row.domain)] })}
                            aria-label={`${metric.label} at ${row.domain}`}
                          >
                            {formatCount(count(row, metric.metric))}
                          </a>
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </section>
      </div>
    </>
  );
}

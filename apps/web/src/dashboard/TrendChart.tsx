import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatCount, formatRate, type MetricDefinition } from "./metrics.ts";

export interface ChartSeries {
  metric: MetricDefinition;
  /** One value per bucket; null where a bucket has not begun. */
  values: (number | null)[];
}

interface TrendChartProps {
  /** Bucket starts and the window's end, seconds since the epoch. */
  times: number[];
  end: number;
  series: ChartSeries[];
  /** The bucket still in progress (drawn apart, as hollow points in a shaded band), if any. */
  partialIndex: number | undefined;
  zone: string;
  /** A click on the plot drills into the bucket under the cursor, for the series shown. */
  onPick(bucketIndex: number, shown: MetricDefinition[]): void;
  label: string;
  /** A bucket's length in seconds: ticks fall on whole buckets. */
  bucketSeconds: number;
}

const HEIGHT = 300;
const PARTIAL_FILL = "rgba(107, 114, 128, 0.12)";

/**
 * Counts on the left axis and rates (%) on the right, dashed, so a bounce or complaint rate is not a flat line at
 * zero beside the volumes. The bucket in progress is not joined to the others: its numbers are still growing, and a
 * line down to them would read as a collapse.
 */
export function TrendChart({ times, end, series, partialIndex, zone, onPick, label, bucketSeconds }: TrendChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const drawn = series.map(({ values }) => values.map((value, index) => (index === partialIndex ? null : value)));
    const partialValue = (seriesIndex: number) =>
      partialIndex === undefined ? null : (series[seriesIndex]?.values[partialIndex] ?? null);
    const maxOf = (kind: MetricDefinition["kind"]) =>
      Math.max(
        0,
        ...series.flatMap(({ metric, values }) =>
          metric.kind === kind ? values.filter((value): value is number => value !== null) : [],
        ),
      );
    const hasRates = series.some(({ metric }) => metric.kind === "rate");
    const options: uPlot.Options = {
      width: element.clientWidth,
      height: HEIGHT,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), zone === "UTC" ? "Etc/UTC" : zone),
      scales: {
        // The bucket in progress gets its own room up to the window's end; otherwise the axis ends at the last point.
        x: {
          time: true,
          range: () => [times[0] ?? 0, partialIndex === undefined ? (times[times.length - 1] ?? end) : end],
        },
        count: { range: () => [0, Math.max(1, maxOf("count") * 1.05)] },
        rate: { range: () => [0, Math.max(1, maxOf("rate") * 1.1)] },
      },
      axes: [
        { stroke: "#1f2937", incrs: [1, 2, 3, 6, 12, 24, 48, 168, 720].map((buckets) => buckets * bucketSeconds) },
        { stroke: "#1f2937", size: 60, scale: "count" },
        ...(hasRates
          ? [
              {
                stroke: "#1f2937",
                size: 60,
                scale: "rate",
                side: 1,
                grid: { show: false },
                values: (_chart: uPlot, ticks: number[]) => ticks.map((tick) => `${tick}%`),
              } satisfies uPlot.Axis,
            ]
          : []),
      ],
      cursor: { points: { size: 8 } },
      series: [
        { label: `Time (${zone})` },
        ...series.map(({ metric }, index) => ({
          label: metric.label,
          stroke: metric.color,
          width: 2,
          scale: metric.kind,
          ...(metric.kind === "rate" ? { dash: [6, 4] } : {}),
          points: { show: times.length <= 48 },
          value: (_chart: uPlot, value: number | null, _series: number, row: number | null) => {
            const shown = row !== null && row === partialIndex ? partialValue(index) : value;
            if (shown === null || shown === undefined) return "–";
            const text = metric.kind === "rate" ? formatRate(shown) : formatCount(shown);
            return row === partialIndex ? `${text} so far` : text;
          },
        })),
      ],
      hooks: {
        drawClear: [
          (chart) => {
            if (partialIndex === undefined) return;
            const left = chart.valToPos(times[partialIndex] ?? end, "x", true);
            const right = chart.valToPos(end, "x", true);
            const { ctx, bbox } = chart;
            ctx.save();
            ctx.fillStyle = PARTIAL_FILL;
            ctx.fillRect(left, bbox.top, right - left, bbox.height);
            ctx.restore();
          },
        ],
        draw: [
          (chart) => {
            if (partialIndex === undefined) return;
            const { ctx } = chart;
            const x = chart.valToPos(times[partialIndex] ?? end, "x", true);
            ctx.save();
            series.forEach(({ metric }, index) => {
              const value = partialValue(index);
              if (value === null || chart.series[index + 1]?.show === false) return;
              const y = chart.valToPos(value, metric.kind, true);
              ctx.beginPath();
              ctx.arc(x, y, 4 * devicePixelRatio, 0, 2 * Math.PI);
              ctx.fillStyle = "#fff";
              ctx.fill();
              ctx.lineWidth = 2 * devicePixelRatio;
              ctx.strokeStyle = metric.color;
              ctx.stroke();
            });
            ctx.restore();
          },
        ],
      },
    };
    const chart = new uPlot(options, [times, ...drawn], element);
    const onClick = () => {
      const index = chart.cursor.idx;
      if (index === null || index === undefined) return;
      const shown = series.filter((_, position) => chart.series[position + 1]?.show !== false).map((s) => s.metric);
      pick.current(index, shown);
    };
    chart.over.addEventListener("click", onClick);
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [times, end, series, partialIndex, zone, bucketSeconds]);

  return <div ref={container} className="volume-chart" role="img" aria-label={label} />;
}

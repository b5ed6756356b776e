import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { MetricDefinition } from "./metrics.ts";

interface VolumeChartProps {
  /** Bucket starts, seconds since the epoch. */
  times: number[];
  series: { metric: MetricDefinition; values: number[] }[];
  /** A click on the plot drills into the bucket under the cursor, for the series shown. */
  onPick(bucketIndex: number, shown: MetricDefinition[]): void;
  label: string;
  /** The bucket length in seconds: ticks fall on whole buckets. */
  bucketSeconds: number;
}

const HEIGHT = 280;

/** The volume of each event kind per bucket, drawn by uPlot; its legend shows the numbers under the cursor. */
export function VolumeChart({ times, series, onPick, label, bucketSeconds }: VolumeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: element.clientWidth,
      height: HEIGHT,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
      scales: { y: { range: (_chart, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        { stroke: "#1f2937", incrs: [1, 2, 3, 6, 12, 24, 48, 168, 720].map((buckets) => buckets * bucketSeconds) },
        { stroke: "#1f2937", size: 60 },
      ],
      cursor: { points: { size: 8 } },
      series: [
        { label: "Time (UTC)" },
        ...series.map(({ metric }) => ({
          label: metric.label,
          stroke: metric.color,
          width: 2,
          points: { show: times.length <= 48 },
        })),
      ],
    };
    const chart = new uPlot(options, [times, ...series.map(({ values }) => values)], element);
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
  }, [times, series, bucketSeconds]);

  return <div ref={container} className="volume-chart" role="img" aria-label={label} />;
}

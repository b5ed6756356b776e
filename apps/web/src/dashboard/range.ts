import { isoSeconds } from "../search/search-state.ts";

export const DASHBOARD_RANGES = [
  { id: "24h", label: "Last 24 hours", precision: "hour", buckets: 24 },
  { id: "7d", label: "Last 7 days", precision: "day", buckets: 7 },
  { id: "30d", label: "Last 30 days", precision: "day", buckets: 30 },
  { id: "90d", label: "Last 90 days", precision: "day", buckets: 90 },
] as const;

export type Precision = "hour" | "day";

/**
 * A dashboard window in whole UTC buckets, in both APIs' terms. The Metrics API rounds `from` down and `to` up to
 * whole buckets, so `to` names the last minute of the last bucket; the Events API window is the same time, end
 * exclusive, so a drill-down finds exactly the events the numbers count.
 */
export interface DashboardWindow {
  precision: Precision;
  /** Metrics API `from` / `to` (`YYYY-MM-DDTHH:MM`, UTC). */
  metricsFrom: string;
  metricsTo: string;
  /** Events API window, ISO-8601 UTC, `to` exclusive. */
  from: string;
  to: string;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

export function bucketMs(precision: Precision): number {
  return precision === "hour" ? HOUR : DAY;
}

/** `buckets` whole buckets ending with the one holding `now`. */
export function windowEndingAt(now: Date, precision: Precision, buckets: number): DashboardWindow {
  const size = bucketMs(precision);
  const end = Math.floor(now.getTime() / size) * size + size;
  return windowBetween(new Date(end - buckets * size), new Date(end), precision);
}

/** Whole UTC days from `firstDay` through `lastDay` (`YYYY-MM-DD`). */
export function dayWindow(firstDay: string, lastDay: string): DashboardWindow {
  const start = Date.parse(`${firstDay}T00:00:00Z`);
  const end = Date.parse(`${lastDay}T00:00:00Z`) + DAY;
  return windowBetween(new Date(start), new Date(Math.max(end, start + DAY)), "day");
}

function windowBetween(start: Date, end: Date, precision: Precision): DashboardWindow {
  return {
    precision,
    metricsFrom: minutes(start),
    metricsTo: minutes(new Date(end.getTime() - 60_000)),
    from: isoSeconds(start),
    to: isoSeconds(end),
  };
}

const minutes = (date: Date) => date.toISOString().slice(0, 16);

import { isoSeconds } from "../search/search-state.ts";
import { DIMENSIONS } from "./dimensions.ts";
import { CHART_METRICS, DEFAULT_CHART } from "./metrics.ts";
import {
  type BucketUnit,
  floorWall,
  formatWall,
  fromWall,
  isKnownZone,
  nextWall,
  parseWall,
  toWall,
} from "./zoned-time.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const PRESETS = [
  { id: "24h", label: "Last 24 hours", ms: DAY },
  { id: "7d", label: "Last 7 days", ms: 7 * DAY },
  { id: "30d", label: "Last 30 days", ms: 30 * DAY },
  { id: "90d", label: "Last 90 days", ms: 90 * DAY },
] as const;
export type PresetId = (typeof PRESETS)[number]["id"];

export type Precision = BucketUnit;

/**
 * The precisions the dashboard offers, with SparkPost's longest window for each (the Metrics API refuses longer
 * ones) and the shortest one worth a chart (as SparkPost's app keeps them).
 */
export const PRECISIONS: ReadonlyArray<{ id: Precision; label: string; maxMs: number; minMs: number }> = [
  { id: "1min", label: "Minute", maxMs: DAY, minMs: 0 },
  { id: "5min", label: "5 minutes", maxMs: DAY, minMs: 10 * MINUTE },
  { id: "15min", label: "15 minutes", maxMs: 2 * DAY, minMs: 30 * MINUTE },
  { id: "hour", label: "Hour", maxMs: 31 * DAY, minMs: 2 * HOUR },
  { id: "day", label: "Day", maxMs: Number.POSITIVE_INFINITY, minMs: DAY },
  { id: "week", label: "Week", maxMs: Number.POSITIVE_INFINITY, minMs: 14 * DAY },
  { id: "month", label: "Month", maxMs: Number.POSITIVE_INFINITY, minMs: 60 * DAY },
];

/** SparkPost reports day, week and month in UTC whatever the time zone asked for. */
export const isUtcPrecision = (precision: Precision): boolean =>
  precision === "day" || precision === "week" || precision === "month";

export type RangeChoice = { preset: PresetId } | { preset: "custom"; from: string; to: string };

/** The dashboard as its address holds it, so every view can be shared as a link. */
export interface DashboardState {
  range: RangeChoice;
  /** IANA zone of the custom range and of hour and finer buckets. */
  zone: string;
  precision: Precision | "auto";
  /** Metrics API filter → values. */
  filters: Record<string, string[]>;
  /** The chart's metric ids (see CHART_METRICS). */
  chart: string[];
  /** The breakdown's dimension (a group-by route). */
  breakdown: string;
  sort: { column: string; descending: boolean };
}

export const DEFAULT_STATE: DashboardState = {
  range: { preset: "7d" },
  zone: "UTC",
  precision: "auto",
  filters: {},
  chart: DEFAULT_CHART,
  breakdown: "domain",
  sort: { column: "count_targeted", descending: true },
};

const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `#/?range=7d&tz=…&precision=…&campaigns=a&campaigns=b&chart=…&by=campaign&sort=open_rate&order=asc`; a custom range
 * is `from`/`to` (wall times in `tz`), or the older `first`/`last` (whole UTC days).
 */
export function stateFromQuery(query: string): DashboardState {
  const params = new URLSearchParams(query);
  const first = params.get("first");
  const last = params.get("last");
  const legacyDays = first && last && DAY_TEXT.test(first) && DAY_TEXT.test(last);
  const from = params.get("from");
  const to = params.get("to");
  const preset = PRESETS.find((candidate) => candidate.id === params.get("range"));
  const range: RangeChoice = legacyDays
    ? { preset: "custom", from: `${first}T00:00`, to: formatWall(Date.parse(`${last}T00:00:00Z`) + DAY) }
    : from !== null && to !== null
      ? { preset: "custom", from, to }
      : { preset: preset?.id ?? "7d" };
  const zone = legacyDays ? "UTC" : (params.get("tz") ?? "UTC");
  const precision = PRECISIONS.find((candidate) => candidate.id === params.get("precision"))?.id;
  const filters: Record<string, string[]> = {};
  for (const dimension of DIMENSIONS) {
    const values = params.getAll(dimension.param).filter((value) => value.trim() !== "");
    if (values.length > 0) filters[dimension.param] = values;
  }
  const chart = params.getAll("chart").filter((id) => CHART_METRICS.some((metric) => metric.id === id));
  const breakdown = DIMENSIONS.find((dimension) => dimension.route === params.get("by"))?.route;
  return {
    range,
    zone: isKnownZone(zone) ? zone : "UTC",
    precision: legacyDays ? "day" : (precision ?? "auto"),
    filters,
    chart: chart.length > 0 ? chart : DEFAULT_STATE.chart,
    breakdown: breakdown ?? DEFAULT_STATE.breakdown,
    sort: {
      column: params.get("sort") ?? DEFAULT_STATE.sort.column,
      descending: params.get("order") !== "asc",
    },
  };
}

/** The address of a dashboard state (defaults left out, so links stay short). */
export function stateToQuery(state: DashboardState): string {
  const params = new URLSearchParams();
  if (state.range.preset === "custom") {
    params.set("from", state.range.from);
    params.set("to", state.range.to);
  } else {
    params.set("range", state.range.preset);
  }
  if (state.zone !== "UTC") params.set("tz", state.zone);
  if (state.precision !== "auto") params.set("precision", state.precision);
  for (const dimension of DIMENSIONS) {
    for (const value of state.filters[dimension.param] ?? []) params.append(dimension.param, value);
  }
  const chart = [...state.chart];
  if (chart.join() !== DEFAULT_STATE.chart.join()) for (const id of chart) params.append("chart", id);
  if (state.breakdown !== DEFAULT_STATE.breakdown) params.set("by", state.breakdown);
  if (state.sort.column !== DEFAULT_STATE.sort.column || !state.sort.descending) {
    params.set("sort", state.sort.column);
    params.set("order", state.sort.descending ? "desc" : "asc");
  }
  return params.toString();
}

export const dashboardHref = (state: DashboardState): string => `#/?${stateToQuery(state)}`;

/** A window of whole buckets, in both APIs' terms. */
export interface DashboardWindow {
  precision: Precision;
  /** The zone the buckets are cut in: the one asked for, or UTC at day, week and month. */
  zone: string;
  /** Metrics API `from` and `to` (`YYYY-MM-DDTHH:MM` in `zone`): `to` names the last bucket (1min: its end). */
  metricsFrom: string;
  metricsTo: string;
  /** The Events API window, `to` exclusive: a drill-down finds exactly the events the numbers count. */
  from: string;
  to: string;
  /** Each bucket's start (epoch ms) and the end of the last. */
  buckets: number[];
  end: number;
  /** Whether the last bucket holds now: its numbers are still growing. */
  partial: boolean;
}

export type Resolved = { window: DashboardWindow; previous: DashboardWindow } | { error: string };

/** The precisions that can show a window of this length. */
export function precisionsFor(lengthMs: number): Precision[] {
  return PRECISIONS.filter((choice) => lengthMs <= choice.maxMs && lengthMs >= choice.minMs).map((choice) => choice.id);
}

/** Hours up to two days, days beyond, as SparkPost's reports default. */
const autoPrecision = (lengthMs: number): Precision => (lengthMs <= 2 * DAY ? "hour" : "day");

function windowOf(precision: Precision, zone: string, startWall: number, endWall: number, now: number) {
  const buckets: number[] = [];
  for (let wall = startWall; wall < endWall; wall = nextWall(precision, wall)) buckets.push(fromWall(zone, wall));
  const start = fromWall(zone, startWall);
  const end = fromWall(zone, endWall);
  return {
    precision,
    zone,
    metricsFrom: formatWall(startWall),
    metricsTo: formatWall(precision === "1min" ? endWall : endWall - MINUTE),
    from: isoSeconds(new Date(start)),
    to: isoSeconds(new Date(end)),
    buckets,
    end,
    partial: now >= (buckets[buckets.length - 1] ?? end) && now < end,
  } satisfies DashboardWindow;
}

/**
 * The window to show and the one before it (as many buckets, for the comparison), or why the range cannot be shown.
 * A preset ends with the bucket holding now; a custom range covers whole buckets from its start to its end
 * (exclusive), in its zone.
 */
export function resolveState(state: DashboardState, nowDate: Date): Resolved {
  const now = nowDate.getTime();
  const range = state.range;
  let lengthMs: number;
  let startOf: (precision: Precision, zone: string) => [number, number];
  if (range.preset === "custom") {
    const from = parseWall(range.from);
    const to = parseWall(range.to);
    if (from === undefined || to === undefined) {
      return { error: "Give the range's start and end as a date and a time." };
    }
    if (from >= to) {
      return {
        error: `The range must start before it ends: ${range.from.replace("T", " ")} is not before ${range.to.replace("T", " ")}.`,
      };
    }
    lengthMs = to - from;
    startOf = (precision) => {
      const end = floorWall(precision, to) === to ? to : nextWall(precision, floorWall(precision, to));
      return [floorWall(precision, from), end];
    };
  } else {
    const preset = PRESETS.find((candidate) => candidate.id === range.preset) ?? PRESETS[1];
    lengthMs = preset.ms;
    startOf = (precision, zone) => {
      const wallNow = toWall(zone, now);
      const end = nextWall(precision, floorWall(precision, wallNow));
      return [nextWall(precision, floorWall(precision, wallNow - preset.ms)), end];
    };
  }
  const precision = state.precision === "auto" ? autoPrecision(lengthMs) : state.precision;
  const limit = PRECISIONS.find((choice) => choice.id === precision);
  if (limit && lengthMs > limit.maxMs) {
    return {
      error: `At ${limit.label.toLowerCase()} precision a range can be at most ${
        limit.maxMs < 3 * DAY ? `${limit.maxMs / HOUR} hours` : `${limit.maxMs / DAY} days`
      }; choose a coarser precision or a shorter range.`,
    };
  }
  const zone = isUtcPrecision(precision) ? "UTC" : state.zone;
  const [startWall, endWall] = startOf(precision, zone);
  const window = windowOf(precision, zone, startWall, endWall, now);
  const previousStart = nextWall(precision, startWall, -window.buckets.length);
  return { window, previous: windowOf(precision, zone, previousStart, startWall, now) };
}

/** The window's length, for the precision picker (a custom range's as given, a preset's nominal length). */
export function rangeLength(state: DashboardState): number | undefined {
  if (state.range.preset !== "custom") {
    const preset = state.range.preset;
    return PRESETS.find((candidate) => candidate.id === preset)?.ms;
  }
  const from = parseWall(state.range.from);
  const to = parseWall(state.range.to);
  return from !== undefined && to !== undefined && from < to ? to - from : undefined;
}

import { FILTERS } from "./filters.ts";

export const TIME_PRESETS = [
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { id: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { id: "90d", label: "Last 90 days", ms: 90 * 86_400_000 },
] as const;

export type TimePresetId = (typeof TIME_PRESETS)[number]["id"];
export type TimeRange = { preset: TimePresetId } | { preset: "custom"; from: string; to: string };

export const PAGE_SIZES = [25, 100, 500, 1000] as const;

/** A search as the form holds it and the address bar keeps it; `filters` maps an Events API parameter to its values. */
export interface SearchState {
  events: string[];
  filters: Record<string, string[]>;
  range: TimeRange;
  perPage: number;
  /** Results as a timeline (one message's or one recipient's events) rather than a table. */
  timeline?: boolean;
}

const DEFAULT_PRESET: TimePresetId = "24h";
export const DEFAULT_SEARCH: SearchState = { events: [], filters: {}, range: { preset: DEFAULT_PRESET }, perPage: 100 };

const FILTER_PARAMS = new Set(FILTERS.map((filter) => filter.param));

/**
 * The app's own address for a search (`#/search?…`): one parameter per value, so values may hold any character.
 * Drill-downs from the dashboard are links in this format.
 */
export function searchToHashQuery(state: SearchState): string {
  const params = new URLSearchParams();
  for (const type of state.events) params.append("events", type);
  for (const filter of FILTERS) {
    for (const value of state.filters[filter.param] ?? []) params.append(filter.param, value);
  }
  if (state.range.preset === "custom") {
    params.set("from", state.range.from);
    params.set("to", state.range.to);
  } else {
    params.set("range", state.range.preset);
  }
  params.set("per_page", String(state.perPage));
  if (state.timeline) params.set("view", "timeline");
  return params.toString();
}

export function searchFromHashQuery(query: string): SearchState {
  const params = new URLSearchParams(query);
  const filters: Record<string, string[]> = {};
  for (const param of FILTER_PARAMS) {
    const values = params.getAll(param).filter((value) => value.trim() !== "");
    if (values.length > 0) filters[param] = values;
  }
  const from = params.get("from");
  const to = params.get("to");
  const preset = TIME_PRESETS.find((candidate) => candidate.id === params.get("range"));
  const range: TimeRange = from && to ? { preset: "custom", from, to } : { preset: preset?.id ?? DEFAULT_PRESET };
  const perPage = Number(params.get("per_page"));
  return {
    events: params.getAll("events"),
    filters,
    range,
    perPage: (PAGE_SIZES as readonly number[]).includes(perPage) ? perPage : DEFAULT_SEARCH.perPage,
    ...(params.get("view") === "timeline" ? { timeline: true } : {}),
  };
}

/** The concrete window of a range at `now`: presets end now, so a search and its export see the same window. */
export function resolveRange(range: TimeRange, now: Date): { from: string; to: string } {
  if (range.preset === "custom") return { from: range.from, to: range.to };
  const ms = TIME_PRESETS.find((preset) => preset.id === range.preset)?.ms ?? 86_400_000;
  return { from: isoSeconds(new Date(now.getTime() - ms)), to: isoSeconds(now) };
}

export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const DELIMITERS = [",", "|", ";", "~", "^", "¦"];

/**
 * The Events API query for a search: list values joined by a delimiter none of them contains (a reason or a
 * subject often holds commas), named in `delimiter` when it is not the default comma.
 */
export function eventsApiQuery(state: SearchState, window: { from: string; to: string }, perPage: number): string {
  const lists: [string, string[]][] = [];
  if (state.events.length > 0) lists.push(["events", state.events]);
  for (const filter of FILTERS) {
    const values = state.filters[filter.param];
    if (values && values.length > 0) lists.push([filter.param, values]);
  }
  const all = lists.flatMap(([, values]) => values);
  const delimiter = DELIMITERS.find((candidate) => all.every((value) => !value.includes(candidate))) ?? "\u241e";
  const params = new URLSearchParams({ from: window.from, to: window.to, per_page: String(perPage) });
  if (delimiter !== ",") params.set("delimiter", delimiter);
  for (const [param, values] of lists) params.set(param, values.join(delimiter));
  return params.toString();
}

export const EVENTS_PATH = "/api/v1/events/message";

import { describe, expect, test } from "vitest";
import {
  type DashboardState,
  DEFAULT_STATE,
  precisionsFor,
  resolveState,
  stateFromQuery,
  stateToQuery,
} from "./dashboard-state.ts";

const state = (changes: Partial<DashboardState>): DashboardState => ({ ...DEFAULT_STATE, ...changes });
const resolved = (changes: Partial<DashboardState>, now: string) => {
  const result = resolveState(state(changes), new Date(now));
  if ("error" in result) throw new Error(result.error);
  return result;
};

describe("dashboard windows", () => {
  test("24 hourly buckets end with the hour holding now; the Metrics API gets its last minute", () => {
    const { window } = resolved({ range: { preset: "24h" } }, "2024-06-02T10:17:00Z");
    expect(window).toMatchObject({
      precision: "hour",
      zone: "UTC",
      metricsFrom: "2024-06-01T11:00",
      metricsTo: "2024-06-02T10:59",
      from: "2024-06-01T11:00:00Z",
      to: "2024-06-02T11:00:00Z",
      partial: true,
    });
    expect(window.buckets).toHaveLength(24);
  });

  test("daily buckets run from midnight UTC to the end of the day holding now, whatever the zone", () => {
    const { window, previous } = resolved(
      { range: { preset: "7d" }, zone: "America/New_York" },
      "2024-06-07T23:59:59Z",
    );
    expect(window).toMatchObject({
      precision: "day",
      zone: "UTC",
      metricsFrom: "2024-06-01T00:00",
      metricsTo: "2024-06-07T23:59",
      from: "2024-06-01T00:00:00Z",
      to: "2024-06-08T00:00:00Z",
    });
    expect(previous).toMatchObject({ from: "2024-05-25T00:00:00Z", to: "2024-06-01T00:00:00Z", partial: false });
  });

  test("hours of a zone 5:45 ahead of UTC start at a quarter past the UTC hour", () => {
    const { window } = resolved({ range: { preset: "24h" }, zone: "Asia/Kathmandu" }, "2024-06-02T10:17:00Z");
    // 10:17 UTC is 16:02 in Kathmandu: the last bucket is 16:00-17:00 there, 10:15-11:15 UTC.
    expect(window).toMatchObject({
      zone: "Asia/Kathmandu",
      metricsFrom: "2024-06-01T17:00",
      metricsTo: "2024-06-02T16:59",
      from: "2024-06-01T11:15:00Z",
      to: "2024-06-02T11:15:00Z",
    });
  });

  test("a custom range covers whole buckets of its zone; the older first/last address means whole UTC days", () => {
    const { window } = resolved(
      { range: { preset: "custom", from: "2024-06-01T09:30", to: "2024-06-01T18:10" }, zone: "America/New_York" },
      "2024-07-01T00:00:00Z",
    );
    expect(window).toMatchObject({
      precision: "hour",
      from: "2024-06-01T13:00:00Z",
      to: "2024-06-01T23:00:00Z",
      partial: false,
    });
    const legacy = resolveState(stateFromQuery("first=2024-06-01&last=2024-06-02"), new Date("2024-07-01T00:00:00Z"));
    expect(legacy).toMatchObject({
      window: {
        precision: "day",
        from: "2024-06-01T00:00:00Z",
        to: "2024-06-03T00:00:00Z",
        metricsTo: "2024-06-02T23:59",
      },
    });
  });

  test("an inverted or incomplete custom range is an error to show, never a guess", () => {
    const now = new Date("2024-07-01T00:00:00Z");
    expect(
      resolveState(state({ range: { preset: "custom", from: "2024-06-05T00:00", to: "2024-06-01T00:00" } }), now),
    ).toEqual({ error: "The range must start before it ends: 2024-06-05 00:00 is not before 2024-06-01 00:00." });
    expect(resolveState(state({ range: { preset: "custom", from: "2024-06-05T00:00", to: "" } }), now)).toEqual({
      error: "Give the range's start and end as a date and a time.",
    });
    expect(resolveState(state({ range: { preset: "90d" }, precision: "hour" }), now)).toEqual({
      error: "At hour precision a range can be at most 31 days; choose a coarser precision or a shorter range.",
    });
  });

  test("offers only the precisions SparkPost allows for the window's length", () => {
    expect(precisionsFor(86_400_000)).toEqual(["1min", "5min", "15min", "hour", "day"]);
    expect(precisionsFor(90 * 86_400_000)).toEqual(["day", "week", "month"]);
  });
});

describe("the dashboard's address", () => {
  test("keeps the range, zone, precision, filters, chart, breakdown and sort, and leaves defaults out", () => {
    const shared = state({
      range: { preset: "custom", from: "2024-06-01T00:00", to: "2024-06-03T12:00" },
      zone: "Asia/Kathmandu",
      precision: "hour",
      filters: { campaigns: ["spring, sale", "fall"], subaccounts: ["0"] },
      chart: ["count_delivered", "open_rate"],
      breakdown: "campaign",
      sort: { column: "open_rate", descending: false },
    });
    expect(stateFromQuery(stateToQuery(shared))).toEqual(shared);
    expect(stateToQuery(DEFAULT_STATE)).toBe("range=7d");
  });

  test("falls back to defaults for what it does not know", () => {
    expect(stateFromQuery("range=1y&tz=Mars/Olympus&precision=fortnight&chart=nothing&by=planet")).toEqual(
      DEFAULT_STATE,
    );
  });
});

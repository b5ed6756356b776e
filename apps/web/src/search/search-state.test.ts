import { describe, expect, test } from "vitest";
import {
  DEFAULT_SEARCH,
  eventsApiQuery,
  resolveRange,
  type SearchState,
  searchFromHashQuery,
  searchToHashQuery,
} from "./search-state.ts";

const WINDOW = { from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z" };

describe("a search's address", () => {
  test("keeps every filter value, whatever characters it holds, through a round trip", () => {
    const state: SearchState = {
      events: ["bounce", "out_of_band"],
      filters: { reasons: ["550 5.1.1 user unknown, sorry", "a&b=c"], rcpt_meta: ["plan=pro"] },
      range: { preset: "custom", from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z" },
      perPage: 25,
    };
    expect(searchFromHashQuery(searchToHashQuery(state))).toEqual(state);
  });

  test("falls back to the defaults for a missing or unknown range, page size and filter", () => {
    expect(searchFromHashQuery("range=2y&per_page=7&colour=red")).toEqual(DEFAULT_SEARCH);
    expect(searchFromHashQuery("range=7d").range).toEqual({ preset: "7d" });
  });
});

describe("the Events API query of a search", () => {
  test("joins each filter's values with commas and pins the window and page size", () => {
    const state: SearchState = {
      ...DEFAULT_SEARCH,
      events: ["delivery", "bounce"],
      filters: { campaigns: ["a", "b"] },
    };
    expect(Object.fromEntries(new URLSearchParams(eventsApiQuery(state, WINDOW, 100)))).toEqual({
      ...WINDOW,
      per_page: "100",
      events: "delivery,bounce",
      campaigns: "a,b",
    });
  });

  test("picks a delimiter no value contains when a value holds a comma, and names it", () => {
    const state: SearchState = { ...DEFAULT_SEARCH, filters: { reasons: ["550 unknown, sorry", "421 busy"] } };
    const params = new URLSearchParams(eventsApiQuery(state, WINDOW, 25));
    expect(params.get("delimiter")).toBe("|");
    expect(params.get("reasons")).toBe("550 unknown, sorry|421 busy");
  });
});

describe("a search's time range", () => {
  test("ends a preset at the moment the search runs", () => {
    expect(resolveRange({ preset: "1h" }, new Date("2024-06-01T12:30:15.250Z"))).toEqual({
      from: "2024-06-01T11:30:15Z",
      to: "2024-06-01T12:30:15Z",
    });
  });

  test("keeps a custom range as given", () => {
    expect(resolveRange({ preset: "custom", ...WINDOW }, new Date())).toEqual(WINDOW);
  });
});

describe("a timeline's address", () => {
  test("keeps the timeline view through a round trip, and leaves it out of ordinary searches", () => {
    const state: SearchState = { ...DEFAULT_SEARCH, filters: { messages: ["m-1"] }, timeline: true };
    expect(searchToHashQuery(state)).toContain("view=timeline");
    expect(searchFromHashQuery(searchToHashQuery(state))).toEqual(state);
    expect(searchToHashQuery(DEFAULT_SEARCH)).not.toContain("view");
  });
});

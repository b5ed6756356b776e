import { describe, expect, test } from "vitest";
import { filtersToRecheck } from "./selective-filters.ts";

const bound = (events: number | undefined, recheckable = true) => ({ events, recheckable });

describe("filtersToRecheck", () => {
  test("leaves a filter in half of all events to its re-check of a far rarer filter's rows", () => {
    expect(filtersToRecheck([bound(500, false), bound(5000)], 10_000)).toEqual(new Set([1]));
  });

  test("keeps intersecting filters of similar rarity", () => {
    expect(filtersToRecheck([bound(1000), bound(3000)], 10_000)).toEqual(new Set());
  });

  test("keeps the index of the rarest filter, which finds the candidates", () => {
    expect(filtersToRecheck([bound(100), bound(9000)], 10_000)).toEqual(new Set([1]));
  });

  test("leaves a filter in every event to its re-check, since intersecting with it rules nothing out", () => {
    expect(filtersToRecheck([bound(2000), bound(10_000)], 10_000)).toEqual(new Set([1]));
  });

  test("never leaves a filter whose matches are unknown to its re-check, nor lets it find the candidates", () => {
    expect(filtersToRecheck([bound(undefined), bound(5000)], 10_000)).toEqual(new Set());
    expect(filtersToRecheck([bound(undefined), bound(undefined)], 10_000)).toEqual(new Set());
  });

  test("never leaves a filter without a re-check of its own (a listed value, a type) to one", () => {
    expect(filtersToRecheck([bound(10), bound(9000, false)], 10_000)).toEqual(new Set());
  });

  test("weighs a common type by the entries of the window its index reads, each cheaper than a posting", () => {
    const commonType = { events: 3000, scanned: 10_000, recheckable: true };
    // It rules out 70% of 600 rows (420), at the cost of 10,000 / 22 = 455 rows: checked on the rows.
    expect(filtersToRecheck([bound(600), commonType], 10_000)).toEqual(new Set([1]));
    // 70% of 700 rows (490) are worth more: intersected.
    expect(filtersToRecheck([bound(700), commonType], 10_000)).toEqual(new Set());
    // A token filter of the same matches costs 3,000 / 10 = 300 rows: intersected with either.
    expect(filtersToRecheck([bound(600), bound(3000)], 10_000)).toEqual(new Set());
  });

  test("lets a filter that matches nothing find the (no) candidates of every other", () => {
    expect(filtersToRecheck([bound(0), bound(20), bound(9000)], 10_000)).toEqual(new Set([1, 2]));
  });
});

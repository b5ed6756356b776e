import { describe, expect, test } from "vitest";
import { coverSegments, isAlignedTo, planHourSegments, planSegments } from "./segments.ts";

const at = (time: string) => new Date(`${time}Z`);
const plan = (from: string, to: string) =>
  planSegments(at(from), at(to)).map(({ increment, from: start, to: end }) => [
    increment,
    start.toISOString().slice(0, 16),
    end.toISOString().slice(0, 16),
  ]);

describe("planSegments", () => {
  test("reads whole days from the day rollup, the partial days by quarter hour and the edge minutes from events", () => {
    expect(plan("2024-06-01T03:07", "2024-06-03T17:52")).toEqual([
      [1, "2024-06-01T03:07", "2024-06-01T03:15"],
      [15, "2024-06-01T03:15", "2024-06-02T00:00"],
      [1440, "2024-06-02T00:00", "2024-06-03T00:00"],
      [15, "2024-06-03T00:00", "2024-06-03T17:45"],
      [1, "2024-06-03T17:45", "2024-06-03T17:52"],
    ]);
  });

  test("needs nothing but days for a window of whole UTC days", () => {
    expect(plan("2024-06-01T00:00", "2024-07-01T00:00")).toEqual([[1440, "2024-06-01T00:00", "2024-07-01T00:00"]]);
  });

  test("keeps to quarter hours inside one day, and to minutes inside one quarter hour", () => {
    expect(plan("2024-06-01T10:00", "2024-06-01T12:30")).toEqual([[15, "2024-06-01T10:00", "2024-06-01T12:30"]]);
    expect(plan("2024-06-01T10:01", "2024-06-01T10:14")).toEqual([[1, "2024-06-01T10:01", "2024-06-01T10:14"]]);
    expect(plan("2024-06-01T10:01", "2024-06-01T10:16")).toEqual([[1, "2024-06-01T10:01", "2024-06-01T10:16"]]);
  });
});

describe("planHourSegments", () => {
  test("reads whole days of hours from the day rows and the hours of the partial days from hour rows", () => {
    const hours = planHourSegments(at("2024-06-01T18:00"), at("2024-06-04T05:00")).map((segment) => [
      segment.increment,
      segment.from.toISOString().slice(0, 16),
      segment.to.toISOString().slice(0, 16),
    ]);
    expect(hours).toEqual([
      [60, "2024-06-01T18:00", "2024-06-02T00:00"],
      [1440, "2024-06-02T00:00", "2024-06-04T00:00"],
      [60, "2024-06-04T00:00", "2024-06-04T05:00"],
    ]);
  });
});

describe("isAlignedTo", () => {
  test("tells whether both ends lie on the increment's boundaries", () => {
    expect(isAlignedTo(at("2024-06-01T04:15"), at("2024-06-01T05:45"), 15)).toBe(true);
    expect(isAlignedTo(at("2024-06-01T04:15"), at("2024-06-02T00:00"), 1440)).toBe(false);
    expect(isAlignedTo(at("2024-06-01T04:10"), at("2024-06-01T05:45"), 15)).toBe(false);
  });
});

describe("coverSegments", () => {
  const covered = (from: string, to: string, pending: string[]) =>
    coverSegments(planSegments(at(from), at(to)), new Set(pending)).map(
      ({ increment, from: start, to: end, fromEvents }) => [
        increment,
        start.toISOString().slice(0, 16),
        end.toISOString().slice(0, 16),
        fromEvents ? "events" : "rollups",
      ],
    );

  test("counts the parts in days the rollups' backfill has not filled from the events, at the same increment", () => {
    expect(covered("2024-06-01T03:07", "2024-06-05T17:52", ["2024-06-01", "2024-06-03"])).toEqual([
      [1, "2024-06-01T03:07", "2024-06-01T03:15", "rollups"],
      [15, "2024-06-01T03:15", "2024-06-02T00:00", "events"],
      [1440, "2024-06-02T00:00", "2024-06-03T00:00", "rollups"],
      [1440, "2024-06-03T00:00", "2024-06-04T00:00", "events"],
      [1440, "2024-06-04T00:00", "2024-06-05T00:00", "rollups"],
      [15, "2024-06-05T00:00", "2024-06-05T17:45", "rollups"],
      [1, "2024-06-05T17:45", "2024-06-05T17:52", "rollups"],
    ]);
  });

  test("keeps consecutive pending days together, and changes nothing when no day is pending", () => {
    expect(covered("2024-06-01T00:00", "2024-06-05T00:00", ["2024-06-02", "2024-06-03"])).toEqual([
      [1440, "2024-06-01T00:00", "2024-06-02T00:00", "rollups"],
      [1440, "2024-06-02T00:00", "2024-06-04T00:00", "events"],
      [1440, "2024-06-04T00:00", "2024-06-05T00:00", "rollups"],
    ]);
    expect(covered("2024-06-01T03:07", "2024-06-03T17:52", [])).toEqual(
      plan("2024-06-01T03:07", "2024-06-03T17:52").map((segment) => [...segment, "rollups"]),
    );
  });
});

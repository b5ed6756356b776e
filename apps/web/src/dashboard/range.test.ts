import { describe, expect, test } from "vitest";
import { dayWindow, windowEndingAt } from "./range.ts";

describe("dashboard windows", () => {
  test("24 hourly buckets end with the hour holding now; the Metrics API gets its last minute", () => {
    expect(windowEndingAt(new Date("2024-06-02T10:17:00Z"), "hour", 24)).toEqual({
      precision: "hour",
      metricsFrom: "2024-06-01T11:00",
      metricsTo: "2024-06-02T10:59",
      from: "2024-06-01T11:00:00Z",
      to: "2024-06-02T11:00:00Z",
    });
  });

  test("daily buckets run from midnight UTC to the end of the day holding now", () => {
    expect(windowEndingAt(new Date("2024-06-07T23:59:59Z"), "day", 7)).toEqual({
      precision: "day",
      metricsFrom: "2024-06-01T00:00",
      metricsTo: "2024-06-07T23:59",
      from: "2024-06-01T00:00:00Z",
      to: "2024-06-08T00:00:00Z",
    });
  });

  test("a custom range covers its first and last day whole, and at least one day", () => {
    expect(dayWindow("2024-06-01", "2024-06-02")).toMatchObject({
      from: "2024-06-01T00:00:00Z",
      to: "2024-06-03T00:00:00Z",
    });
    expect(dayWindow("2024-06-05", "2024-06-01")).toMatchObject({
      from: "2024-06-05T00:00:00Z",
      to: "2024-06-06T00:00:00Z",
    });
  });
});

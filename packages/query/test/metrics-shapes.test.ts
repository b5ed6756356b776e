import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { resolveMetric } from "../src/metrics/catalog.ts";
import { handCountedEvents } from "./metrics-events.ts";
import { get, insertRecords, type QueryFixture, startQueryFixture } from "./support.ts";

// SparkPost's own sample responses (apib): the same request answered by msgevents has the same shape.
const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`fixtures/sparkpost/${name}.json`, import.meta.url), "utf8")) as {
    results: Record<string, unknown>[];
    links?: unknown[];
  };

let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture();
  await insertRecords(fixture, handCountedEvents());
});

afterAll(async () => {
  await fixture?.close();
});

const shapeOf = (body: { results?: Record<string, unknown>[]; links?: unknown }) => ({
  keys: Object.keys(body.results?.[0] ?? {}).sort(),
  types: [...new Set((body.results ?? []).flatMap((row) => Object.values(row).map((value) => typeof value)))].sort(),
  links: body.links,
});

test("the summary answers in the shape of SparkPost's sample, links included", async () => {
  const expected = sample("metrics-deliverability-response");
  const metrics = Object.keys(expected.results[0] ?? {}).join(",");
  const response = await get(
    fixture,
    `/api/v1/metrics/deliverability?from=2024-06-10T00:00&to=2024-06-11T00:00&metrics=${metrics}`,
  );
  expect(shapeOf(response.body)).toEqual(shapeOf(expected));
});

test("the time series answers in the shape of SparkPost's sample, less the metrics no event can rebuild", async () => {
  const expected = sample("metrics-time-series-response");
  const served = Object.keys(expected.results[0] ?? {}).filter((name) => {
    const resolved = resolveMetric(name);
    return resolved !== undefined && "metric" in resolved;
  });
  expect(served.length).toBeGreaterThan(30);
  const response = await get(
    fixture,
    `/api/v1/metrics/deliverability/time-series?from=2024-06-09T00:00&to=2024-06-10T00:00&precision=day&timezone=America/New_York&metrics=${served.join(",")}`,
  );
  const unserved = [
    "count_nonprefetched_initial_rendered",
    "count_nonprefetched_rendered",
    "count_nonprefetched_unique_initial_rendered",
    "count_nonprefetched_unique_rendered",
  ];
  expect(shapeOf(response.body)).toEqual({
    ...shapeOf(expected),
    keys: [...served, "ts"].sort(),
  });
  expect(shapeOf(expected).keys.filter((key) => !served.includes(key) && key !== "ts")).toEqual(unserved);
  expect(response.body.results?.map((row) => row.ts)).toEqual([
    "2024-06-09T00:00:00+00:00",
    "2024-06-10T00:00:00+00:00",
  ]);
});

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HAND_COUNTS, handCountedEvents } from "./metrics-events.ts";
import { get, insertRecords, type QueryFixture, startQueryFixture } from "./support.ts";

let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture();
  await insertRecords(fixture, handCountedEvents());
});

afterAll(async () => {
  await fixture?.close();
});

type Row = Record<string, unknown>;
const series = async (query: string): Promise<Row[]> => {
  const response = await get(fixture, `/api/v1/metrics/deliverability/time-series?${query}`);
  expect(response.status).toBe(200);
  return response.body.results ?? [];
};
const at = (rows: Row[], ts: string) => rows.find((row) => row.ts === ts);

describe("the time series", () => {
  test("gives every hour of a UTC day, empty ones as zeros, each event in the hour that holds its time", async () => {
    const rows = await series(
      "from=2024-06-10T00:00&to=2024-06-10T23:59&precision=hour&metrics=count_injected,count_delivered,count_rendered,count_unique_rendered,count_spam_complaint",
    );
    expect(rows).toHaveLength(24);
    expect(rows[0]).toEqual({
      count_injected: 0,
      count_delivered: 0,
      count_rendered: 0,
      count_unique_rendered: 0,
      count_spam_complaint: 0,
      ts: "2024-06-10T00:00:00+00:00",
    });
    expect(at(rows, "2024-06-10T10:00:00+00:00")).toMatchObject({
      count_injected: 3,
      count_delivered: 2,
      count_rendered: 2,
      count_unique_rendered: 1,
      count_spam_complaint: 0,
    });
    // 11:00:00 starts the next hour.
    expect(at(rows, "2024-06-10T11:00:00+00:00")).toMatchObject({ count_spam_complaint: 1 });
    expect(at(rows, "2024-06-10T23:00:00+00:00")).toMatchObject({ count_rendered: 1, count_unique_rendered: 1 });
    const total = (metric: string) => rows.reduce((sum, row) => sum + Number(row[metric]), 0);
    expect(total("count_injected")).toBe(HAND_COUNTS.count_injected);
    expect(total("count_delivered")).toBe(HAND_COUNTS.count_delivered);
  });

  test("cuts hours in a zone whose offset is not whole hours (Asia/Kathmandu, +05:45) from quarter-hour rollups", async () => {
    const rows = await series(
      "from=2024-06-10T15:00&to=2024-06-10T16:30&precision=hour&timezone=Asia/Kathmandu&metrics=count_injected,count_delivered,count_inband_bounce,count_rendered,count_initial_rendered,count_clicked,count_spam_complaint",
    );
    // 15:00+05:45 is 09:15-10:15 UTC; 16:00+05:45 is 10:15-11:15 UTC.
    expect(rows).toEqual([
      {
        count_injected: 3,
        count_delivered: 2,
        count_inband_bounce: 2,
        count_rendered: 0,
        count_initial_rendered: 0,
        count_clicked: 0,
        count_spam_complaint: 0,
        ts: "2024-06-10T15:00:00+05:45",
      },
      {
        count_injected: 0,
        count_delivered: 0,
        count_inband_bounce: 0,
        count_rendered: 2,
        count_initial_rendered: 1,
        count_clicked: 1,
        count_spam_complaint: 1,
        ts: "2024-06-10T16:00:00+05:45",
      },
    ]);
  });

  test("cuts 12-hour buckets at local midnight and noon (America/New_York, -04:00 in June)", async () => {
    const rows = await series(
      "from=2024-06-10T00:00&to=2024-06-10T23:59&precision=12hr&timezone=America/New_York&metrics=count_injected,count_rendered",
    );
    expect(rows).toEqual([
      { count_injected: 5, count_rendered: 2, ts: "2024-06-10T00:00:00-04:00" },
      { count_injected: 0, count_rendered: 1, ts: "2024-06-10T12:00:00-04:00" },
    ]);
  });

  test("reports day, week and month in UTC whatever the zone, as SparkPost does", async () => {
    const days = await series(
      "from=2024-06-09T00:00&to=2024-06-11T00:00&precision=day&timezone=America/New_York&metrics=count_delivered",
    );
    expect(days).toEqual([
      { count_delivered: 1, ts: "2024-06-09T00:00:00+00:00" },
      { count_delivered: 3, ts: "2024-06-10T00:00:00+00:00" },
      { count_delivered: 1, ts: "2024-06-11T00:00:00+00:00" },
    ]);
    const week = await series("from=2024-06-10T00:00&to=2024-06-16T00:00&precision=week&metrics=count_delivered");
    expect(week).toEqual([{ count_delivered: 4, ts: "2024-06-10T00:00:00+00:00" }]);
    const month = await series("from=2024-06-15T00:00&to=2024-06-15T00:00&precision=month&metrics=count_delivered");
    expect(month).toEqual([{ count_delivered: 5, ts: "2024-06-01T00:00:00+00:00" }]);
  });

  test("counts 5-minute buckets from the events, from floored and to rounded up to its bucket's end", async () => {
    const rows = await series(
      "from=2024-06-10T10:02&to=2024-06-10T10:20&precision=5min&metrics=count_delivered,count_initial_rendered,count_rendered",
    );
    expect(rows).toEqual([
      { count_delivered: 1, count_initial_rendered: 0, count_rendered: 0, ts: "2024-06-10T10:00:00+00:00" },
      { count_delivered: 1, count_initial_rendered: 0, count_rendered: 0, ts: "2024-06-10T10:05:00+00:00" },
      { count_delivered: 0, count_initial_rendered: 0, count_rendered: 0, ts: "2024-06-10T10:10:00+00:00" },
      { count_delivered: 0, count_initial_rendered: 1, count_rendered: 0, ts: "2024-06-10T10:15:00+00:00" },
      { count_delivered: 0, count_initial_rendered: 0, count_rendered: 2, ts: "2024-06-10T10:20:00+00:00" },
    ]);
  });

  test("keeps to the filtered values, from rollups for one dimension and from events for two", async () => {
    const one = await series(
      "from=2024-06-10T00:00&to=2024-06-10T00:00&precision=day&campaigns=fall&metrics=count_injected",
    );
    expect(one).toEqual([{ count_injected: 2, ts: "2024-06-10T00:00:00+00:00" }]);
    const two = await series(
      "from=2024-06-10T00:00&to=2024-06-10T00:00&precision=day&campaigns=fall&subaccounts=7&metrics=count_injected",
    );
    expect(two).toEqual(one);
  });

  test("takes hours for a window up to two days when no precision is given, and days beyond", async () => {
    expect(await series("from=2024-06-10T10:00&to=2024-06-10T11:59&metrics=count_injected")).toHaveLength(2);
    expect(await series("from=2024-06-08T00:00&to=2024-06-10T12:00&metrics=count_injected")).toHaveLength(3);
  });
});

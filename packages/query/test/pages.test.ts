import { readSample } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  eventIdsOf,
  get,
  insertRecords,
  type QueryFixture,
  startQueryFixture,
  walkPages,
  webhookEvent,
} from "./support.ts";

let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-06-30T12:00:00Z"));
});

afterAll(() => fixture?.close());

/** Follows links.next from the first URL to the last page; returns every page's response. */
function walk(first: string, between?: (page: number) => Promise<void>) {
  return walkPages(fixture, first, { maxPages: 101, ...(between ? { between } : {}) });
}

describe("the response", () => {
  test("has SparkPost's shape: the sample event comes back exactly as the sample response shows it", async () => {
    const sample = readSample("events-api-response") as { results: Record<string, unknown>[] };
    const event = sample.results[0] as Record<string, unknown>;
    await insertRecords(fixture, [{ msys: { track_event: event } }]);
    // Older than SparkPost's 10-day retention: there is no limit on `from` here.
    const response = await get(fixture, "/api/v1/events/message?from=2016-04-18T00:00:00Z&to=2016-04-19T00:00:00Z");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    // The Events API returns customer_id and subaccount_id as integers (SparkPost's migration guide).
    expect(response.body).toEqual({
      results: [{ ...event, customer_id: 1, subaccount_id: 101 }],
      total_count: 1,
      links: {},
    });
  });

  test("defaults to the last 24 hours up to 1 minute ago", async () => {
    await insertRecords(fixture, [
      webhookEvent({ event_id: "5100", timestamp: "2024-06-29T12:00:00.000Z" }),
      webhookEvent({ event_id: "5101", timestamp: "2024-06-29T11:59:59.999Z" }),
      webhookEvent({ event_id: "5102", timestamp: "2024-06-30T11:58:59.999Z" }),
      webhookEvent({ event_id: "5103", timestamp: "2024-06-30T11:59:00.000Z" }),
    ]);
    expect(eventIdsOf(await get(fixture, "/api/v1/events/message"))).toEqual(["5102", "5100"]);
  });

  test("includes from and excludes to, to the millisecond", async () => {
    await insertRecords(fixture, [
      webhookEvent({ event_id: "5200", timestamp: "2024-06-20T00:00:00.000Z" }),
      webhookEvent({ event_id: "5201", timestamp: "2024-06-20T23:59:59.999Z" }),
      webhookEvent({ event_id: "5202", timestamp: "2024-06-21T00:00:00.000Z" }),
    ]);
    const day = "/api/v1/events/message?from=2024-06-20T00:00:00Z&to=2024-06-21T00:00:00Z";
    expect(eventIdsOf(await get(fixture, day))).toEqual(["5201", "5200"]);
    const later = "/api/v1/events/message?from=2024-06-20T00:00:00.001Z&to=2024-06-21T00:00:00.001Z";
    expect(eventIdsOf(await get(fixture, later))).toEqual(["5202", "5201"]);
  });
});

describe("cursor pages", () => {
  test("walk every match exactly once, newest first, with the exact total on every page", async () => {
    // 25 events, three at a time sharing a timestamp, so pages end inside groups of equal times.
    const records = Array.from({ length: 25 }, (_, index) =>
      webhookEvent({
        event_id: `53${String(index).padStart(2, "0")}`,
        campaign_id: "walk-test",
        timestamp: new Date(Date.UTC(2024, 5, 10, 10, Math.floor(index / 3))).toISOString(),
      }),
    );
    await insertRecords(fixture, records);
    const pages = await walk(
      "/api/v1/events/message?from=2024-06-10T00:00:00Z&to=2024-06-11T00:00:00Z&campaigns=walk&per_page=4",
    );
    expect(pages).toHaveLength(7);
    const ids = pages.flatMap(eventIdsOf);
    const expected = records
      .map((record) => (record as { msys: { message_event: { event_id: string; timestamp: string } } }).msys)
      .map(({ message_event }) => message_event)
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp) || b.event_id.localeCompare(a.event_id))
      .map((event) => event.event_id);
    expect(ids).toEqual(expected);
    for (const page of pages) expect(page.body.total_count).toBe(25);
    const next = (pages[0]?.body.links as { next?: string } | undefined)?.next;
    expect(next).toMatch(
      /^\/api\/v1\/events\/message\?campaigns=walk&per_page=4&from=2024-06-10T00%3A00%3A00\.000Z&to=2024-06-11T00%3A00%3A00\.000Z&cursor=[\w-]+\.[\w-]+$/,
    );
    expect(pages.at(-1)?.body.links).toEqual({});
  });

  test("stay exact while events arrive between pages, before, inside and after the walked range", async () => {
    const original = Array.from({ length: 20 }, (_, index) =>
      webhookEvent({
        event_id: `54${String(index).padStart(2, "0")}`,
        campaign_id: "concurrent",
        timestamp: new Date(Date.UTC(2024, 5, 5, 10, index % 7, index % 2)).toISOString(),
      }),
    );
    await insertRecords(fixture, original);
    let added = 0;
    const pages = await walk(
      "/api/v1/events/message?from=2024-06-05T00:00:00Z&to=2024-06-06T00:00:00Z&campaigns=concurrent&per_page=3",
      async (page) => {
        added += 1;
        await insertRecords(fixture, [
          webhookEvent({ event_id: `55${page}0`, campaign_id: "concurrent", timestamp: "2024-06-05T23:00:00.000Z" }),
          webhookEvent({ event_id: `55${page}1`, campaign_id: "concurrent", timestamp: "2024-06-05T10:03:00.000Z" }),
          webhookEvent({ event_id: `55${page}2`, campaign_id: "concurrent", timestamp: "2024-06-05T01:00:00.000Z" }),
        ]);
      },
    );
    const ids = pages.flatMap(eventIdsOf);
    expect(new Set(ids).size).toBe(ids.length);
    const originalIds = original.map(
      (r) => (r as { msys: { message_event: { event_id: string } } }).msys.message_event.event_id,
    );
    for (const id of originalIds) expect(ids).toContain(id);
    expect(added).toBeGreaterThan(5);
  });

  test("refuse a cursor whose position was altered", async () => {
    const first = await get(
      fixture,
      "/api/v1/events/message?from=2024-06-10T00:00:00Z&to=2024-06-11T00:00:00Z&per_page=2",
    );
    const next = (first.body.links as { next: string }).next;
    const cursor = decodeURIComponent(/cursor=([^&]+)/.exec(next)?.[1] ?? "");
    const [body, signature] = cursor.split(".") as [string, string];
    const position = JSON.parse(Buffer.from(body, "base64url").toString()) as [string, string, string];
    position[0] = "2024-06-10T23:59:59.000Z";
    const forged = `${Buffer.from(JSON.stringify(position)).toString("base64url")}.${signature}`;
    const response = await get(fixture, next.replace(/cursor=[^&]+/, `cursor=${forged}`));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        {
          message: "invalid cursor",
          description: "the cursor is malformed or was altered; use 'initial' or the cursor from links.next",
          param: "cursor",
        },
      ],
    });
  });

  test("accept cursor=initial as the first page", async () => {
    const url = "/api/v1/events/message?from=2024-06-10T00:00:00Z&to=2024-06-11T00:00:00Z&per_page=2";
    expect(eventIdsOf(await get(fixture, `${url}&cursor=initial`))).toEqual(eventIdsOf(await get(fixture, url)));
  });
});

describe("the legacy Message Events API", () => {
  test("pages by number with links as an array", async () => {
    const base = "/api/v1/message-events?from=2024-06-10T00:00&to=2024-06-11T00:00&campaign_ids=walk-test&per_page=10";
    const first = await get(fixture, base);
    expect(first.status).toBe(200);
    expect(first.body.total_count).toBe(25);
    expect(first.body.results).toHaveLength(10);
    expect(first.body.links).toEqual([
      {
        href: "/api/v1/message-events?page=2&campaign_ids=walk-test&per_page=10&from=2024-06-10T00%3A00%3A00.000Z&to=2024-06-11T00%3A00%3A00.000Z",
        rel: "next",
      },
      {
        href: "/api/v1/message-events?page=3&campaign_ids=walk-test&per_page=10&from=2024-06-10T00%3A00%3A00.000Z&to=2024-06-11T00%3A00%3A00.000Z",
        rel: "last",
      },
    ]);
    const last = await get(fixture, `${base}&page=3`);
    expect(last.body.results).toHaveLength(5);
    expect((last.body.links as { rel: string }[]).map((link) => link.rel)).toEqual(["last"]);
    const all = [...eventIdsOf(first), ...eventIdsOf(await get(fixture, `${base}&page=2`)), ...eventIdsOf(last)];
    expect(new Set(all).size).toBe(25);
  });

  test("refuses a time zone other than UTC", async () => {
    const response = await get(fixture, "/api/v1/message-events?timezone=America/New_York");
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        {
          message: "invalid parameter",
          description: "only UTC is supported; give 'from' and 'to' in UTC",
          param: "timezone",
        },
      ],
    });
  });
});

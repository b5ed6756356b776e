import { events } from "@msgevents/schema";
import { and, gte, lt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { filterConditions } from "../src/search/conditions.ts";
import { dayPartitionsOverlapping, TOKEN_INDEX_PLANS, tokenCountStatement } from "../src/search/partition-queries.ts";
import { computesTokensPerRow, planOf } from "./plans.ts";
import {
  eventIdsOf,
  expectExactWalk,
  get,
  insertRecords,
  type QueryFixture,
  startQueryFixture,
  webhookEvent,
} from "./support.ts";

// A keyword in every event of a day makes the time index look cheaper to the planner than the token index; a plan
// that finds its candidates by time then computes every row's search tokens (tens of microseconds each). The
// keyword count must take its candidates from the token index whatever the statistics say.
let fixture: QueryFixture;
const DAY_START = Date.parse("2024-05-01T00:00:00Z");
const EVENTS = 6000;
const RARE_EVERY = 500;
const eventId = (index: number) => `5${String(index).padStart(6, "0")}`;

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-05-03T00:00:00Z"));
  const records = [];
  for (let index = 0; index < EVENTS; index += 1) {
    const timestamp = new Date(DAY_START + index * 14_000).toISOString();
    records.push(
      webhookEvent({
        event_id: eventId(index),
        timestamp,
        friendly_from: "news@example.com",
        subject: index % RARE_EVERY === 0 ? "A rare offer" : "Plain message",
      }),
    );
  }
  await insertRecords(fixture, records);
  await fixture.pool.query("ANALYZE events");
}, 300_000);

afterAll(() => fixture?.close());

describe("a keyword in every event of the day", () => {
  const from = new Date(DAY_START + 3_600_000);
  const to = new Date(DAY_START + 20 * 3_600_000);

  test("would be counted by time, computing every row's tokens, if the window's bounds were plain conditions", async () => {
    const filters = await filterConditions(fixture.db, { text: { sending_domains: ["example"] } });
    const plain = sql`SELECT count(*) FROM ${events} WHERE ${and(
      gte(events.eventTime, from),
      lt(events.eventTime, to),
      ...filters.conditions,
    )}`;
    expect(computesTokensPerRow(await planOf(fixture.pool, plain, TOKEN_INDEX_PLANS))).toBe(true);
  });

  test("is counted over the token index, never computing a row's tokens", async () => {
    const filters = await filterConditions(fixture.db, { text: { sending_domains: ["example"] } });
    const partitions = await dayPartitionsOverlapping(fixture.db, from, to);
    const nodes = await planOf(
      fixture.pool,
      tokenCountStatement(partitions, from, to, filters.conditions),
      TOKEN_INDEX_PLANS,
    );
    expect(computesTokensPerRow(nodes)).toBe(false);
    expect(nodes.some((node) => node["Index Name"]?.includes("search_hashes"))).toBe(true);
  });

  test("is counted and paged exactly over a window that cuts its day partition", async () => {
    const window = `from=${from.toISOString()}&to=${to.toISOString()}`;
    const times = Array.from({ length: EVENTS }, (_, index) => DAY_START + index * 14_000);
    const inWindow = times.filter((time) => time >= from.getTime() && time < to.getTime());
    const first = await get(fixture, `/api/v1/events/message?${window}&sending_domains=example&per_page=5`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.total_count).toBe(inWindow.length);
    const newestFirst = inWindow.reverse().map((time) => new Date(time).toISOString().replace("Z", "+00:00"));
    expect((first.body.results as { timestamp: string }[]).map((event) => event.timestamp)).toEqual(
      newestFirst.slice(0, 5),
    );
    expect(eventIdsOf(first)).toHaveLength(5);
  });

  test("pages a rare keyword over the token index exactly, cursor after cursor, in a window that cuts the day", async () => {
    const window = `from=${from.toISOString()}&to=${to.toISOString()}`;
    const wanted = Array.from({ length: EVENTS }, (_, index) => index)
      .filter((index) => index % RARE_EVERY === 0)
      .filter((index) => DAY_START + index * 14_000 >= from.getTime() && DAY_START + index * 14_000 < to.getTime())
      .reverse()
      .map(eventId);
    await expectExactWalk(fixture, `/api/v1/events/message?${window}&subjects=rare&per_page=2`, wanted);
  });
});

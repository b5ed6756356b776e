import { RARE_TYPE_INDEX } from "@msgevents/schema";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { filterConditions } from "../src/search/conditions.ts";
import { dayPartitionsOverlapping, TOKEN_INDEX_PLANS, tokenCountStatement } from "../src/search/partition-queries.ts";
import { planOf } from "./plans.ts";
import { expectExactWalk, insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

// A rare type (bounces, complaints: a few percent of the traffic) has its own index (migration 0021), led by the type:
// a search for one reads that type's entries, where the time index made it read every entry of the window. The common
// types keep the time index.
let fixture: QueryFixture;
const DAY_START = Date.parse("2024-05-01T00:00:00Z");
const EVENTS = 6000;
const COMMON = ["delivery", "injection", "open", "click"];
const eventId = (index: number) => `8${String(index).padStart(6, "0")}`;

/** One event in 40 a bounce, one in 40 a complaint, the others common; every third at yahoo. */
const facts = (index: number) => ({
  type: index % 40 === 0 ? "bounce" : index % 40 === 1 ? "spam_complaint" : (COMMON[index % 4] as string),
  yahoo: index % 3 === 0,
});

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-05-03T00:00:00Z"));
  const records = Array.from({ length: EVENTS }, (_, index) =>
    webhookEvent({
      event_id: eventId(index),
      type: facts(index).type,
      timestamp: new Date(DAY_START + index * 14_000).toISOString(),
      rcpt_to: `user${index}@${facts(index).yahoo ? "mail.yahoo.com" : "example.net"}`,
    }),
  );
  await insertRecords(fixture, records);
  await fixture.pool.query("ANALYZE events");
}, 300_000);

afterAll(() => fixture?.close());

const from = new Date(DAY_START + 3_600_000);
const to = new Date(DAY_START + 20 * 3_600_000);
const window = `from=${from.toISOString()}&to=${to.toISOString()}`;
const inWindow = (predicate: (fact: ReturnType<typeof facts>) => boolean) =>
  Array.from({ length: EVENTS }, (_, index) => index)
    .filter((index) => DAY_START + index * 14_000 >= from.getTime() && DAY_START + index * 14_000 < to.getTime())
    .filter((index) => predicate(facts(index)))
    .reverse()
    .map(eventId);

/** The index names of the count's plan for these filters, over the window. */
async function countIndexes(filters: Parameters<typeof filterConditions>[1]): Promise<string[]> {
  const conditions = await filterConditions(fixture.db, filters);
  const partitions = await dayPartitionsOverlapping(fixture.db, from, to);
  const nodes = await planOf(
    fixture.pool,
    tokenCountStatement(partitions, from, to, conditions.conditions),
    TOKEN_INDEX_PLANS,
  );
  return nodes.flatMap((node) => (node["Index Name"] ? [node["Index Name"]] : []));
}

describe("a rare type", () => {
  test("with a recipient domain is counted from the rare-type index and the token index, not the time index", async () => {
    const indexes = await countIndexes({ types: ["bounce"], text: { recipient_domains: ["yahoo.com"] } });
    expect(indexes).toContain("events_20240501_type_event_time_idx");
    expect(indexes.some((name) => name.includes("search_hashes"))).toBe(true);
    expect(indexes.some((name) => name.includes("event_time_type_idx"))).toBe(false);
  });

  test("beside a common one keeps the time index, which holds both", async () => {
    const indexes = await countIndexes({ types: ["bounce", "delivery"], text: { recipient_domains: ["yahoo.com"] } });
    expect(indexes.some((name) => name.includes("type_event_time_idx"))).toBe(false);
  });

  test("the partition's index is the copy of the parent's", async () => {
    const { rows } = await fixture.pool.query<{ parent: string }>(
      `SELECT ih.inhparent::regclass::text AS parent FROM pg_inherits ih
       WHERE ih.inhrelid = 'events_20240501_type_event_time_idx'::regclass`,
    );
    expect(rows).toEqual([{ parent: RARE_TYPE_INDEX }]);
  });
});

describe.each([
  {
    name: "a bounce at yahoo",
    query: "events=bounce&recipient_domains=yahoo.com",
    matches: (f: ReturnType<typeof facts>) => f.type === "bounce" && f.yahoo,
  },
  {
    name: "a complaint",
    query: "events=spam_complaint",
    matches: (f: ReturnType<typeof facts>) => f.type === "spam_complaint",
  },
  {
    name: "bounces and complaints",
    query: "events=bounce,spam_complaint",
    matches: (f: ReturnType<typeof facts>) => f.type === "bounce" || f.type === "spam_complaint",
  },
  {
    name: "a bounce or a delivery at yahoo",
    query: "events=bounce,delivery&recipient_domains=yahoo.com",
    matches: (f: ReturnType<typeof facts>) => (f.type === "bounce" || f.type === "delivery") && f.yahoo,
  },
])("$name", ({ query, matches }) => {
  test("is counted and paged exactly, cursor after cursor", async () => {
    const wanted = inWindow(matches);
    expect(wanted.length).toBeGreaterThan(10);
    await expectExactWalk(fixture, `/api/v1/events/message?${window}&${query}&per_page=25`, wanted);
  });
});

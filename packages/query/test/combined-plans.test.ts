import { events } from "@msgevents/schema";
import { and, gte, lt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { filterConditions } from "../src/search/conditions.ts";
import { dayPartitionsOverlapping, TOKEN_INDEX_PLANS, tokenCountStatement } from "../src/search/partition-queries.ts";
import { computesTokensPerRow, planOf } from "./plans.ts";
import { expectExactWalk, insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

// Filter combinations: a type with a keyword or a recipient domain, two campaigns, a campaign with a subaccount. Each
// filter's index alone finds many more candidates than the combination matches; the plans must take the candidates
// from an index (never a scan of the window that computes every row's search tokens) and answer exactly.
let fixture: QueryFixture;
const DAY_START = Date.parse("2024-05-01T00:00:00Z");
const EVENTS = 4000;
const TYPES = ["delivery", "open", "click", "bounce"];
const eventId = (index: number) => `7${String(index).padStart(6, "0")}`;

/** Every fourth event of each kind: types cycle by 1, subjects by 5, domains by 3, campaigns by 7, subaccounts by 2. */
const facts = (index: number) => ({
  type: TYPES[index % 4] as string,
  rare: index % 5 === 0,
  yahoo: index % 3 === 0,
  campaign: `spring-sale-${index % 7}`,
  subaccount: index % 2,
});

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-05-03T00:00:00Z"));
  const records = [];
  for (let index = 0; index < EVENTS; index += 1) {
    const fact = facts(index);
    records.push(
      webhookEvent({
        event_id: eventId(index),
        type: fact.type,
        timestamp: new Date(DAY_START + index * 20_000).toISOString(),
        subject: fact.rare ? "A rare offer" : "Plain message",
        rcpt_to: `user${index}@${fact.yahoo ? "mail.yahoo.com" : "example.net"}`,
        campaign_id: fact.campaign,
        subaccount_id: String(fact.subaccount),
      }),
    );
  }
  await insertRecords(fixture, records);
  await fixture.pool.query("ANALYZE events");
}, 300_000);

afterAll(() => fixture?.close());

const from = new Date(DAY_START + 3_600_000);
const to = new Date(DAY_START + 20 * 3_600_000);
const window = `from=${from.toISOString()}&to=${to.toISOString()}`;
const inWindow = (predicate: (fact: ReturnType<typeof facts>) => boolean) =>
  Array.from({ length: EVENTS }, (_, index) => index)
    .filter((index) => DAY_START + index * 20_000 >= from.getTime() && DAY_START + index * 20_000 < to.getTime())
    .filter((index) => predicate(facts(index)))
    .reverse()
    .map(eventId);

describe.each([
  {
    name: "a type with a keyword",
    filters: { types: ["delivery"], text: { subjects: ["rare"] } },
    query: "events=delivery&subjects=rare",
    matches: (fact: ReturnType<typeof facts>) => fact.type === "delivery" && fact.rare,
  },
  {
    name: "a type with a recipient domain",
    filters: { types: ["bounce"], text: { recipient_domains: ["yahoo.com"] } },
    query: "events=bounce&recipient_domains=yahoo.com",
    matches: (fact: ReturnType<typeof facts>) => fact.type === "bounce" && fact.yahoo,
  },
])("$name", ({ filters, query, matches }) => {
  test("is counted with candidates from the token index, never computing a row's tokens", async () => {
    const conditions = await filterConditions(fixture.db, filters);
    expect(conditions.usesTokenIndex).toBe(true);
    const partitions = await dayPartitionsOverlapping(fixture.db, from, to);
    const nodes = await planOf(
      fixture.pool,
      tokenCountStatement(partitions, from, to, conditions.conditions),
      TOKEN_INDEX_PLANS,
    );
    expect(computesTokensPerRow(nodes)).toBe(false);
    expect(nodes.some((node) => node["Index Name"]?.includes("search_hashes"))).toBe(true);
    expect(nodes.some((node) => node["Node Type"] === "Seq Scan")).toBe(false);
  });

  test("is counted and paged exactly, cursor after cursor", async () => {
    const wanted = inWindow(matches);
    expect(wanted.length).toBeGreaterThan(10);
    await expectExactWalk(fixture, `/api/v1/events/message?${window}&${query}&per_page=40`, wanted);
  });
});

describe.each([
  {
    name: "two campaigns",
    query: "campaigns=spring-sale-1,spring-sale-4",
    matches: (fact: ReturnType<typeof facts>) => ["spring-sale-1", "spring-sale-4"].includes(fact.campaign),
    filter: sql`${events.campaignId} = ANY (ARRAY['spring-sale-1', 'spring-sale-4'])`,
  },
  {
    name: "a campaign with a subaccount",
    query: "campaigns=spring-sale-3&subaccounts=1",
    matches: (fact: ReturnType<typeof facts>) => fact.campaign === "spring-sale-3" && fact.subaccount === 1,
    filter: sql`${events.campaignId} = 'spring-sale-3' AND ${events.subaccountId} = 1`,
  },
])("$name", ({ query, matches, filter }) => {
  test("has the campaign B-tree to find its candidates instead of a scan of the window", async () => {
    const nodes = await planOf(
      fixture.pool,
      sql`SELECT count(*) FROM ${events} WHERE ${and(gte(events.eventTime, from), lt(events.eventTime, to), filter)}`,
      sql`SELECT set_config('enable_seqscan', 'off', true)`,
    );
    expect(nodes.some((node) => node["Index Name"]?.includes("campaign_id"))).toBe(true);
  });

  test("is counted and paged exactly, cursor after cursor", async () => {
    const wanted = inWindow(matches);
    expect(wanted.length).toBeGreaterThan(10);
    await expectExactWalk(fixture, `/api/v1/events/message?${window}&${query}&per_page=40`, wanted);
  });
});

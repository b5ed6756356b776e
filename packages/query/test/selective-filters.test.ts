import type { SQL } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { filterConditions } from "../src/search/conditions.ts";
import type { SearchFilters } from "../src/search/filters.ts";
import { dayPartitionsOverlapping, TOKEN_INDEX_PLANS, tokenCountStatement } from "../src/search/partition-queries.ts";
import { selectiveConditions } from "../src/search/selective-filters.ts";
import { computesTokensPerRow, type PlanNode, planOf } from "./plans.ts";
import { expectExactWalk, insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

// Filters whose matches differ a hundredfold: a subaccount in nine events of ten, a campaign, a subject keyword and
// a recipient domain in a few percent each. Intersecting the rare filter's candidates with the common one's postings
// costs more than checking the common one on the rare one's rows; filters of similar rarity still intersect.
let fixture: QueryFixture;
const DAY_START = Date.parse("2024-05-01T00:00:00Z");
const EVENTS = 3000;
const eventId = (index: number) => `8${String(index).padStart(6, "0")}`;

const facts = (index: number) => ({
  subaccount: index % 10 === 0 ? 1 : 0,
  campaign: index % 25 === 0 ? "spring-sale" : `newsletter-${index % 4}`,
  cart: index % 16 === 0,
  yahoo: index % 12 === 0,
  tagged: index % 3 === 0,
});
type Facts = ReturnType<typeof facts>;

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-05-03T00:00:00Z"));
  const records = [];
  for (let index = 0; index < EVENTS; index += 1) {
    const fact = facts(index);
    records.push(
      webhookEvent({
        event_id: eventId(index),
        timestamp: new Date(DAY_START + index * 28_000).toISOString(),
        subject: fact.cart ? "Your cart misses you" : "Plain message",
        rcpt_to: `user${index}@${fact.yahoo ? "mail.yahoo.com" : "example.net"}`,
        campaign_id: fact.campaign,
        subaccount_id: String(fact.subaccount),
        rcpt_tags: fact.tagged ? ["vip"] : [],
      }),
    );
  }
  await insertRecords(fixture, records);
  await fixture.pool.query("ANALYZE events");
}, 300_000);

afterAll(() => fixture?.close());

const from = new Date(DAY_START);
const to = new Date(DAY_START + 86_400_000);

async function countPlanOf(conditions: SQL[]): Promise<PlanNode[]> {
  const partitions = await dayPartitionsOverlapping(fixture.db, from, to);
  return planOf(fixture.pool, tokenCountStatement(partitions, from, to, conditions), TOKEN_INDEX_PLANS);
}

/** The search's conditions and the ones selectiveConditions makes of them. */
async function conditionsOf(filters: SearchFilters, pending: ReadonlySet<string> = new Set()) {
  const conditions = await filterConditions(fixture.db, filters);
  return { ...conditions, selective: await selectiveConditions(fixture.db, conditions.parts, { from, to }, pending) };
}

/** The hash arrays the token index is searched for, over every index condition of a plan. */
const tokenIndexSearches = (nodes: PlanNode[]) =>
  nodes
    .filter((node) => node["Index Name"]?.includes("search_hashes"))
    .flatMap((node) => node["Index Cond"]?.match(/'\{[-0-9,]+\}'/g) ?? []);

describe("a filter in most events beside a rare one", () => {
  test("is checked on the rows of a campaign's B-tree instead of intersected with it", async () => {
    const { selective, parts } = await conditionsOf({ text: { campaigns: ["spring-sale"] }, subaccounts: [0] });
    expect(selective[1]).toBe(parts[1]?.recheck);
    const nodes = await countPlanOf(selective);
    expect(nodes.some((node) => node["Index Name"]?.includes("campaign_id"))).toBe(true);
    expect(tokenIndexSearches(nodes)).toEqual([]);
    expect(nodes.some((node) => node["Node Type"] === "Seq Scan")).toBe(false);
  });

  test("is checked on the rows of a rare keyword's postings, which alone are read from the token index", async () => {
    const { selective, parts } = await conditionsOf({ text: { subjects: ["cart"] }, subaccounts: [0] });
    expect(selective).toEqual([parts[0]?.condition, parts[1]?.recheck]);
    const nodes = await countPlanOf(selective);
    expect(tokenIndexSearches(nodes)).toHaveLength(1);
    expect(computesTokensPerRow(nodes)).toBe(false);
  });

  test("a common type (every event here is a delivery) is checked on a rare keyword's rows, not read from the time index", async () => {
    const { selective, parts } = await conditionsOf({ types: ["delivery"], text: { subjects: ["cart"] } });
    expect(selective).toEqual([parts[0]?.recheck, parts[1]?.condition]);
    const nodes = await countPlanOf(selective);
    expect(nodes.some((node) => node["Index Name"]?.includes("event_time_type"))).toBe(false);
    expect(tokenIndexSearches(nodes)).toHaveLength(1);
  });

  test("is checked on the rows of an event type's candidates", async () => {
    const { selective, parts } = await conditionsOf({ types: ["bounce"], subaccounts: [0] });
    expect(selective).toEqual([parts[0]?.condition, parts[1]?.recheck]);
  });
});

describe("filters kept as they are", () => {
  test("two keywords of similar rarity are both searched in the token index", async () => {
    const { selective, conditions } = await conditionsOf({
      text: { subjects: ["cart"], recipient_domains: ["yahoo.com"] },
    });
    expect(selective).toEqual(conditions);
    expect(tokenIndexSearches(await countPlanOf(selective))).toHaveLength(2);
  });

  test("a filter without counts (tags) neither finds the candidates nor is left to its re-check", async () => {
    const { selective, conditions } = await conditionsOf({ rcptTags: ["vip"], subaccounts: [0] });
    expect(selective).toEqual(conditions);
  });

  test("while the search counts' backfill has days of the window still to count", async () => {
    const { selective, conditions } = await conditionsOf(
      { text: { campaigns: ["spring-sale"] }, subaccounts: [0] },
      new Set(["2024-05-01"]),
    );
    expect(selective).toEqual(conditions);
  });
});

describe.each([
  {
    name: "a campaign with a common subaccount",
    query: "campaigns=spring-sale&subaccounts=0",
    matches: (fact: Facts) => fact.campaign === "spring-sale" && fact.subaccount === 0,
  },
  {
    name: "a keyword with a common subaccount",
    query: "subjects=cart&subaccounts=0",
    matches: (fact: Facts) => fact.cart && fact.subaccount === 0,
  },
  {
    name: "a common type with a rare keyword",
    query: "events=delivery&subjects=cart",
    matches: (fact: Facts) => fact.cart,
  },
  {
    name: "a keyword with a recipient domain",
    query: "subjects=cart&recipient_domains=yahoo.com",
    matches: (fact: Facts) => fact.cart && fact.yahoo,
  },
  {
    name: "a tag with a common subaccount and a rare keyword",
    query: "subjects=cart&subaccounts=0&rcpt_tags=vip",
    matches: (fact: Facts) => fact.cart && fact.subaccount === 0 && fact.tagged,
  },
])("$name", ({ query, matches }) => {
  test("is counted and paged exactly, cursor after cursor", async () => {
    const wanted = Array.from({ length: EVENTS }, (_, index) => index)
      .filter((index) => matches(facts(index)))
      .reverse()
      .map(eventId);
    expect(wanted.length).toBeGreaterThan(10);
    const window = `from=${from.toISOString()}&to=${to.toISOString()}`;
    await expectExactWalk(fixture, `/api/v1/events/message?${window}&${query}&per_page=25`, wanted);
  });
});

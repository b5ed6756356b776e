import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MAX_NAMED_IDS } from "../src/search/named-texts.ts";
import {
  eventIdsOf,
  get,
  insertRecords,
  insertRecordsAsTexts,
  type QueryFixture,
  startQueryFixture,
  webhookEvent,
} from "./support.ts";

// An event's rcpt_meta and rcpt_tags are stored as an id into event_payloads since migration 0032, in the row's
// payload before it. A search finds both forms, and a page renders both as the webhook sent them.

let fixture: QueryFixture;
const WINDOW = "from=2024-06-28T00:00:00Z&to=2024-06-29T00:00:00Z";

const FACTS = [
  { meta: { plan: "pro", region: "eu", score: 5 }, tags: ["vip", "beta"] },
  { meta: { plan: "basic", region: "eu", langs: ["de", "fr"] }, tags: [] },
  { meta: { plan: "pro", region: "us", active: true }, tags: ["beta"] },
  { meta: { plan: "Pro", note: "a,b", nested: { plan: "pro" } }, tags: ["VIP"] },
];

/** Event ids of the events stored with payloads in the rows (t…) and by id (n…), per fact. */
const ids = (form: "t" | "n", index: number) => `${form === "t" ? 91 : 92}0000000000000000${index}`;

function records(form: "t" | "n") {
  return FACTS.map((fact, index) =>
    webhookEvent({
      event_id: ids(form, index),
      timestamp: `2024-06-28T${form === "t" ? "08" : "09"}:0${index}:00.000Z`,
      rcpt_meta: fact.meta,
      rcpt_tags: fact.tags,
      // A value too long for its column stays in the row's payload beside the id.
      ...(index === 2 ? { campaign_id: `long-${"x".repeat(1_100)}` } : {}),
    }),
  );
}

/** Events of 2024-06-27, each with a customer of its own: more matching payloads than a search lists. */
const MANY = { named: MAX_NAMED_IDS + 100, texts: 100 };
const manyCustomers = (form: "t" | "n", count: number) =>
  Array.from({ length: count }, (_, index) =>
    webhookEvent({
      event_id: `${form === "t" ? 93 : 94}${String(index).padStart(17, "0")}`,
      timestamp: `2024-06-27T10:${String(index % 60).padStart(2, "0")}:00.000Z`,
      rcpt_meta: { segment: "bulk", customer: `${form}${index}` },
      rcpt_tags: ["bulk"],
    }),
  );

beforeAll(async () => {
  fixture = await startQueryFixture();
  await insertRecordsAsTexts(fixture, [...records("t"), ...manyCustomers("t", MANY.texts)]);
  await insertRecords(fixture, [...records("n"), ...manyCustomers("n", MANY.named)]);
  const { rows } = await fixture.pool.query(
    `SELECT count(*) FILTER (WHERE payload ? 'rcpt_meta')::int AS inline, count(payload_ref)::int AS named,
            (SELECT count(*)::int FROM event_payloads) AS "values"
     FROM events`,
  );
  expect(rows[0]).toEqual({
    inline: FACTS.length + MANY.texts,
    named: FACTS.length + MANY.named,
    values: FACTS.length + MANY.named,
  });
});

afterAll(async () => {
  await fixture?.close();
});

/** Both forms' ids of the facts at these indexes, newest first as pages are. */
const both = (...indexes: number[]) =>
  [...indexes.map((index) => ids("n", index)), ...indexes.map((index) => ids("t", index))].sort().reverse();

describe("a search over recipient payloads stored by id and in the rows", () => {
  test.each([
    ["rcpt_meta=plan=pro", [0, 2]],
    ["rcpt_meta=plan=Pro", [3]],
    ["rcpt_meta=plan=pro,plan=basic", [0, 1, 2]],
    ["rcpt_meta=plan=pro,region=eu", [0]],
    ["rcpt_meta=score=5", [0]],
    ["rcpt_meta=active=true", [2]],
    ["rcpt_meta=langs=fr", [1]],
    ["delimiter=|&rcpt_meta=note=a,b", [3]],
    ["rcpt_meta=plan=absent", []],
    ["rcpt_tags=beta", [0, 2]],
    ["rcpt_tags=vip,VIP", [0, 3]],
    ["rcpt_tags=beta&rcpt_meta=region=us", [2]],
    ["rcpt_tags=absent", []],
  ])("%s finds the events of both forms", async (search, wanted) => {
    const response = await get(fixture, `/api/v1/events/message?${WINDOW}&${search}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(eventIdsOf(response)).toEqual(both(...wanted));
    expect(response.body.total_count).toBe(wanted.length * 2);
  });

  test("a value that more payloads match than a search lists finds every event of both forms", async () => {
    const window = "from=2024-06-27T00:00:00Z&to=2024-06-28T00:00:00Z";
    for (const search of ["rcpt_meta=segment=bulk", "rcpt_tags=bulk"]) {
      const response = await get(fixture, `/api/v1/events/message?${window}&${search}&per_page=10000`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.total_count, search).toBe(MANY.named + MANY.texts);
      const customers = (response.body.results ?? []).map(
        (result) => (result.rcpt_meta as Record<string, unknown>).customer,
      );
      expect(new Set(customers).size, search).toBe(MANY.named + MANY.texts);
    }
  });

  test("a page renders each form as the webhook sent it, key order included", async () => {
    const response = await get(fixture, `/api/v1/events/message?${WINDOW}`);
    const results = response.body.results ?? [];
    expect(results).toHaveLength(FACTS.length * 2);
    const byId = new Map(results.map((result) => [result.event_id, result]));
    FACTS.forEach((fact, index) => {
      const named = byId.get(ids("n", index)) ?? {};
      const texts = byId.get(ids("t", index)) ?? {};
      expect(named).toMatchObject({ rcpt_meta: fact.meta, rcpt_tags: fact.tags });
      // The two forms render alike but for their own ids, times and recipients.
      const own = new Set(["event_id", "timestamp", "message_id", "rcpt_to"]);
      const shared = (result: Record<string, unknown>) =>
        JSON.stringify(Object.entries(result).filter(([key]) => !own.has(key)));
      expect(shared(named)).toBe(shared(texts));
    });
  });
});

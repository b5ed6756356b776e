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

// Subjects, senders and transmissions are stored as ids into event_texts since migration 0030, as texts in the rows
// stored before it. A search finds both, and a page renders both as the texts SparkPost sent.

let fixture: QueryFixture;
const WINDOW = "from=2024-06-28T00:00:00Z&to=2024-06-29T00:00:00Z";

const FACTS = [
  { subject: "Your cart misses you", from: "Shop@Mail.Example", transmission: "tx-1" },
  { subject: "Summer sale: your cart", from: "news@mail.example", transmission: "tx-2" },
  { subject: "Welcome aboard", from: "shop@mail.example", transmission: "tx-1" },
  { subject: "your_cart-reminder", from: "alerts@mail.example", transmission: "TX-1" },
];

/** Event ids of the events stored as texts (t…) and as ids (n…), per fact. */
const ids = (form: "t" | "n", index: number) => `${form === "t" ? 81 : 82}0000000000000000${index}`;

function records(form: "t" | "n") {
  return FACTS.map((fact, index) =>
    webhookEvent({
      event_id: ids(form, index),
      timestamp: `2024-06-28T${form === "t" ? "08" : "09"}:0${index}:00.000Z`,
      subject: fact.subject,
      friendly_from: fact.from,
      transmission_id: fact.transmission,
    }),
  );
}

/** Events of 2024-06-27, each with a subject of its own: more matching texts than a search lists (MAX_NAMED_IDS). */
const MANY = { named: MAX_NAMED_IDS + 100, texts: 100 };
const manySubjects = (form: "t" | "n", count: number) =>
  Array.from({ length: count }, (_, index) =>
    webhookEvent({
      event_id: `${form === "t" ? 83 : 84}${String(index).padStart(17, "0")}`,
      timestamp: `2024-06-27T10:${String(index % 60).padStart(2, "0")}:00.000Z`,
      subject: `Bulk notice ${form}${index}`,
    }),
  );

beforeAll(async () => {
  fixture = await startQueryFixture();
  await insertRecordsAsTexts(fixture, [...records("t"), ...manySubjects("t", MANY.texts)]);
  await insertRecords(fixture, [...records("n"), ...manySubjects("n", MANY.named)]);
  const { rows } = await fixture.pool.query(
    "SELECT count(subject)::int AS texts, count(subject_ref)::int AS named FROM events",
  );
  expect(rows[0]).toEqual({ texts: FACTS.length + MANY.texts, named: FACTS.length + MANY.named });
});

afterAll(async () => {
  await fixture?.close();
});

/** Both forms' ids of the facts at these indexes, newest first as pages are. */
const both = (...indexes: number[]) =>
  [...indexes.map((index) => ids("n", index)), ...indexes.map((index) => ids("t", index))].sort().reverse();

describe("a search over texts stored as ids and as texts", () => {
  test.each([
    ["subjects=cart", [0, 1, 3]],
    ["subjects=your cart", [0, 1, 3]],
    ["subjects=summer", [1]],
    ["subjects=misses,welcome", [0, 2]],
    ["subjects=absent", []],
    ["from_addresses=shop@mail.example", [0, 2]],
    ["from_addresses=NEWS@MAIL.EXAMPLE,alerts@mail.example", [1, 3]],
    ["transmissions=tx-1", [0, 2]],
    ["transmissions=TX-1,tx-2", [1, 3]],
    ["subjects=cart&from_addresses=shop@mail.example&transmissions=tx-1", [0]],
  ])("%s finds the events of both forms", async (search, wanted) => {
    const response = await get(fixture, `/api/v1/events/message?${WINDOW}&${search}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(eventIdsOf(response)).toEqual(both(...wanted));
    expect(response.body.total_count).toBe(wanted.length * 2);
  });

  test("a keyword that more texts match than a search lists finds every event of both forms", async () => {
    const window = "from=2024-06-27T00:00:00Z&to=2024-06-28T00:00:00Z";
    const response = await get(fixture, `/api/v1/events/message?${window}&subjects=bulk notice&per_page=10000`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.total_count).toBe(MANY.named + MANY.texts);
    const subjects = (response.body.results ?? []).map((result) => result.subject);
    expect(new Set(subjects).size).toBe(MANY.named + MANY.texts);
    expect(subjects.every((subject) => String(subject).startsWith("Bulk notice "))).toBe(true);
  });

  test("a page renders each form as the texts the webhook sent", async () => {
    const response = await get(fixture, `/api/v1/events/message?${WINDOW}`);
    const results = response.body.results ?? [];
    expect(results).toHaveLength(FACTS.length * 2);
    const byId = new Map(results.map((result) => [result.event_id, JSON.stringify(result)]));
    FACTS.forEach((fact, index) => {
      const named = JSON.parse(byId.get(ids("n", index)) ?? "{}");
      const texts = JSON.parse(byId.get(ids("t", index)) ?? "{}");
      expect(named).toMatchObject({
        subject: fact.subject,
        friendly_from: fact.from,
        transmission_id: fact.transmission,
      });
      // Key order included: the two forms render alike but for their own ids and times.
      expect(Object.keys(named)).toEqual(Object.keys(texts));
    });
  });
});

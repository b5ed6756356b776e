import { readFileSync } from "node:fs";
import { readSample, sampleBatch, sampleEventTypes } from "@msgevents/testkit";
import { getTableColumns } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  decodeBody,
  type EventRow,
  events,
  type NormalizedBatch,
  type NormalizedEvent,
  normalizeBatch,
  parseWebhookBatch,
  toEventsApiEvent,
} from "../src/index.ts";
import { type MigratedDatabase, RECEIVED_AT, startMigratedDatabase, storeEvents } from "./support.ts";

/** The reviewed rows: test/fixtures/normalized/<type>.json, written once from the samples and checked by hand. */
interface ReviewedRows {
  events: (Omit<NormalizedEvent, "eventTime"> & { eventTime: string })[];
  rejected: NormalizedBatch["rejected"];
}

function reviewed(type: string): ReviewedRows {
  return JSON.parse(readFileSync(new URL(`fixtures/normalized/${type}.json`, import.meta.url), "utf8"));
}

function asReviewed(batch: NormalizedBatch): ReviewedRows {
  return {
    events: batch.events.map((event) => ({ ...event, eventTime: event.eventTime.toISOString() })),
    rejected: batch.rejected,
  };
}

/** The one event a single-event sample file holds. */
function sampleEvent(type: string): Record<string, unknown> {
  const record = readSample(type) as { msys: Record<string, Record<string, unknown>> };
  const [event] = Object.values(record.msys);
  if (!event) throw new Error(`sample ${type} holds no event`);
  return event;
}

test("the samples cover all 27 SparkPost event types", () => {
  expect(sampleEventTypes).toHaveLength(27);
});

describe("normalizing SparkPost's samples", () => {
  test.each(sampleEventTypes)("the %s sample normalizes to exactly its reviewed row", (type) => {
    expect(asReviewed(normalizeBatch(sampleBatch(type)))).toStrictEqual(reviewed(type));
  });

  test("the sms_status sample, which has no event_id, is stored under an id derived from its content", () => {
    expect(normalizeBatch(sampleBatch("sms_status")).events[0]?.eventId).toBe(
      "msgevents:sha256:3c1f749b205a922a23d8dc5c68285aba03759bbd024c66692b55880787ec7eee",
    );
  });

  test("the batch of all types normalizes to the reviewed rows in batch order, refusing none", () => {
    const batch = sampleBatch("batch-all-types");
    const typesInOrder = batch.map((record) => Object.values((record as { msys: object }).msys)[0]?.type as string);
    expect([...typesInOrder].sort()).toEqual([...sampleEventTypes].map((type) => sampleEvent(type).type).sort());
    const expectedEvents = typesInOrder.flatMap(
      (type) =>
        sampleEventTypes.map((name) => reviewed(name)).find((rows) => rows.events[0]?.type === type)?.events ?? [],
    );
    const result = asReviewed(parseWebhookBatch(JSON.stringify(batch)));
    expect(result.events).toStrictEqual(expectedEvents);
    expect(result.events).toHaveLength(27);
    expect(result.rejected).toStrictEqual([]);
  });

  test("the ping batch normalizes to no events and no rejections", () => {
    expect(normalizeBatch(sampleBatch("ping"))).toStrictEqual({ events: [], rejected: [] });
  });
});

describe("stored samples", () => {
  let db: MigratedDatabase;
  let stored: EventRow[];

  /** Every column of a stored row, null: the reviewed rows list only the columns an event fills. */
  const nullRow = Object.fromEntries(Object.keys(getTableColumns(events)).map((key) => [key, null]));

  beforeAll(async () => {
    db = await startMigratedDatabase();
    const { events: rows } = normalizeBatch(sampleBatch("batch-all-types"));
    expect(await storeEvents(db.pool, rows)).toBe(27);
    stored = await drizzle({ client: db.pool }).select().from(events);
  });
  afterAll(async () => {
    await db.close();
  });

  test.each(sampleEventTypes)("the %s sample reads back from PostgreSQL exactly as reviewed", (type) => {
    const [expected] = reviewed(type).events;
    if (!expected) throw new Error(`no reviewed row for ${type}`);
    const row = stored.find((candidate) => candidate.type === expected.type);
    if (!row) throw new Error(`${type} was not stored`);
    // The body is stored encoded: it must decode to the reviewed fields.
    expect({ ...row, body: row.body ? decodeBody(row.body) : row.body }).toStrictEqual({
      ...nullRow,
      ...expected,
      eventTime: new Date(expected.eventTime),
      batchId: "batch-1",
      receivedAt: RECEIVED_AT,
    });
  });

  test.each(sampleEventTypes)("the stored %s sample rebuilds as the Events API shows it", (type) => {
    const original = sampleEvent(type);
    const row = stored.find((candidate) => candidate.type === original.type);
    if (!row) throw new Error(`${type} was not stored`);
    const expected: Record<string, unknown> = {
      ...original,
      timestamp: "2016-04-18T14:25:07.000+00:00",
      customer_id: Number(original.customer_id),
      subaccount_id: Number(original.subaccount_id),
    };
    // The Events API shows the id an event without one is stored under, so it can be searched for.
    if (original.event_id === undefined) expected.event_id = expect.stringMatching(/^msgevents:sha256:[0-9a-f]{64}$/);
    if (original.injection_time !== undefined) expected.injection_time = "2016-04-18T14:25:07.000+00:00";
    if (original.rcpt_to !== undefined && original.recipient_domain === undefined) {
      expected.recipient_domain = "example.com";
    }
    if (original.friendly_from !== undefined && original.sending_domain === undefined) {
      expected.sending_domain = "example.com";
    }
    expect(toEventsApiEvent(row)).toStrictEqual(expected);
  });

  test("a rebuilt click has every field of SparkPost's Events API sample response, in the same JSON types", () => {
    const response = readSample("events-api-response") as { results: Record<string, unknown>[] };
    const [apiClick] = response.results;
    const row = stored.find((candidate) => candidate.type === "click");
    if (!apiClick || !row) throw new Error("missing click");
    const rebuilt = toEventsApiEvent(row);
    const typeOf = (value: unknown) => (Array.isArray(value) ? "array" : value === null ? "null" : typeof value);
    // The Events API integration guide states customer_id and subaccount_id are integers; the sample predates it.
    const documentedTypes: Record<string, string> = { customer_id: "number", subaccount_id: "number" };
    for (const [field, value] of Object.entries(apiClick)) {
      if (field === "mailbox_provider" || field === "mailbox_provider_region") continue; // absent from the webhook sample
      expect({ field, type: typeOf(rebuilt[field]) }).toEqual({ field, type: documentedTypes[field] ?? typeOf(value) });
    }
    for (const field of ["timestamp", "injection_time"]) {
      expect(rebuilt[field]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
    }
    expect(rebuilt).toMatchObject({ customer_id: 1, subaccount_id: 101 });
  });
});

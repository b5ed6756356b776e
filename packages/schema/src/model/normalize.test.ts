import { describe, expect, test } from "vitest";
import { InvalidBatchError, normalizeBatch, normalizeEvent, parseWebhookBatch } from "./normalize.ts";

const base = { type: "delivery", event_id: "1001", timestamp: "1460989507" };
const record = (event: Record<string, unknown>) => ({ msys: { message_event: event } });

function reasonFor(recordValue: unknown): string | undefined {
  const { events, rejected } = normalizeBatch([recordValue]);
  expect(events).toEqual([]);
  return rejected[0]?.reason;
}

function normalized(event: Record<string, unknown>) {
  const row = normalizeEvent(event);
  if (typeof row === "string") throw new Error(`unexpected rejection: ${row}`);
  return row;
}

describe("rejected records", () => {
  test.each([
    ["a string", "msys", "record is not a JSON object"],
    ["null", null, "record is not a JSON object"],
    ["an array", [{ msys: {} }], "record is not a JSON object"],
    ["a number", 42, "record is not a JSON object"],
  ])("a record that is %s is refused as not an object", (_, value, reason) => {
    expect(reasonFor(value)).toBe(reason);
  });

  test("a record without msys that is not a flattened event either is refused", () => {
    expect(reasonFor({ cust: { id: "1" } })).toBe("record has no msys object");
    expect(reasonFor({ event_id: "1", timestamp: "1460989507" })).toBe("record has no msys object");
    expect(reasonFor({ type: 7, event_id: "1", timestamp: "1460989507" })).toBe("record has no msys object");
    expect(reasonFor({ msys: [] })).toBe("record has no msys object");
    expect(reasonFor({ msys: "x" })).toBe("record has no msys object");
  });

  test("a grouping that is not an object is refused with its name", () => {
    expect(reasonFor({ msys: { message_event: "delivery" } })).toBe("msys.message_event is not an object");
    expect(reasonFor({ msys: { track_event: null } })).toBe("msys.track_event is not an object");
    expect(reasonFor({ msys: { track_event: [base] } })).toBe("msys.track_event is not an object");
  });

  test.each([
    ["an object", { id: 1 }, "event_id is neither a string nor a number"],
    ["201 characters", "9".repeat(201), "event_id longer than 200 characters"],
  ])("an event_id that is %s is refused", (_, eventId, reason) => {
    expect(reasonFor(record({ ...base, event_id: eventId }))).toBe(`msys.message_event: ${reason}`);
  });

  test("an event_id of exactly 200 characters and a numeric event_id are stored as text", () => {
    expect(normalized({ ...base, event_id: "9".repeat(200) }).eventId).toBe("9".repeat(200));
    expect(normalized({ ...base, event_id: 1234 }).eventId).toBe("1234");
  });

  test.each([
    ["missing", undefined, "missing type"],
    ["empty", "", "missing type"],
    ["a number", 7, "missing type"],
    ["65 characters", "t".repeat(65), "type longer than 64 characters"],
  ])("a type that is %s is refused", (_, type, reason) => {
    expect(reasonFor(record({ ...base, type }))).toBe(`msys.message_event: ${reason}`);
  });

  test.each([
    ["missing", undefined, "missing timestamp"],
    ["null", null, "missing timestamp"],
    ["garbage text", "yesterday", 'timestamp "yesterday" is not a usable time'],
    ["negative", "-1", 'timestamp "-1" is not a usable time'],
    ["after the year 3000", "99999999999", 'timestamp "99999999999" is not a usable time'],
    ["an out-of-range number", 1e300, "timestamp 1e+300 is not a usable time"],
    ["a boolean", true, "timestamp true is not a usable time"],
    ["an ISO date without zone", "2016-04-18T14:25:07", 'timestamp "2016-04-18T14:25:07" is not a usable time'],
  ])("a timestamp that is %s is refused", (_, timestamp, reason) => {
    expect(reasonFor(record({ ...base, timestamp }))).toBe(`msys.message_event: ${reason}`);
  });

  test("a long garbage timestamp is quoted in the reason cut to 40 characters", () => {
    expect(reasonFor(record({ ...base, timestamp: "x".repeat(100) }))).toBe(
      `msys.message_event: timestamp "${"x".repeat(39)} is not a usable time`,
    );
  });

  test("a rejection never aborts the batch: the other records load and each refusal keeps its index", () => {
    const { events, rejected } = normalizeBatch([
      record({ ...base, event_id: "1" }),
      "junk",
      record({ ...base, type: "" }),
      record({ ...base, event_id: "2" }),
      { msys: {} },
      record({ ...base, timestamp: "soon" }),
      record({ ...base, event_id: "3" }),
    ]);
    expect(events.map((event) => event.eventId)).toEqual(["1", "2", "3"]);
    expect(rejected).toEqual([
      { index: 1, reason: "record is not a JSON object" },
      { index: 2, reason: "msys.message_event: missing type" },
      { index: 5, reason: 'msys.message_event: timestamp "soon" is not a usable time' },
    ]);
  });

  test("a record with one bad event among its groupings is refused whole, so it is never half stored", () => {
    const { events, rejected } = normalizeBatch([
      { msys: { message_event: base, track_event: { ...base, type: "open", timestamp: undefined } } },
    ]);
    expect(events).toEqual([]);
    expect(rejected).toEqual([{ index: 0, reason: "msys.track_event: missing timestamp" }]);
  });

  test("a body that is not JSON, or not an array, fails the whole batch", () => {
    expect(() => parseWebhookBatch("{not json")).toThrow(InvalidBatchError);
    expect(() => parseWebhookBatch('{"msys":{}}')).toThrow("batch is not a JSON array");
    expect(() => parseWebhookBatch(new TextEncoder().encode("null"))).toThrow("batch is not a JSON array");
  });
});

describe("numbers arriving as strings or numbers", () => {
  test.each([
    ["unix seconds text", "1460989507", "2016-04-18T14:25:07.000Z"],
    ["unix seconds number", 1460989507, "2016-04-18T14:25:07.000Z"],
    ["fractional seconds", "1460989507.25", "2016-04-18T14:25:07.250Z"],
    ["ISO-8601 from the Events API", "2016-04-18T14:25:07.000+00:00", "2016-04-18T14:25:07.000Z"],
    ["ISO-8601 with an offset", "2016-04-18T16:25:07+02:00", "2016-04-18T14:25:07.000Z"],
    ["the epoch", "0", "1970-01-01T00:00:00.000Z"],
  ])("a timestamp as %s becomes the same instant", (_, timestamp, iso) => {
    expect(normalized({ ...base, timestamp }).eventTime.toISOString()).toBe(iso);
  });

  test("subaccount_id, customer_id and bounce_class become integer columns whether text or number", () => {
    const fromText = normalized({ ...base, subaccount_id: "101", customer_id: "1521", bounce_class: "10" });
    const fromNumbers = normalized({ ...base, subaccount_id: 101, customer_id: 1521, bounce_class: 10 });
    for (const row of [fromText, fromNumbers]) {
      expect(row).toMatchObject({ subaccountId: 101, customerId: 1521, bounceClass: 10, payload: null, body: {} });
    }
  });

  test("a numeric text the column cannot rebuild exactly also stays in the body as sent", () => {
    const row = normalized({ ...base, subaccount_id: "0101", bounce_class: "007" });
    expect(row).toMatchObject({
      subaccountId: 101,
      bounceClass: 7,
      payload: null,
      body: { subaccount_id: "0101", bounce_class: "007" },
    });
  });

  test("values out of range or not integers stay in the body only", () => {
    const row = normalized({
      ...base,
      customer_id: "99999999999",
      subaccount_id: 1.5,
      bounce_class: "40000",
      ab_test_version: "v2",
    });
    expect(row.customerId).toBeUndefined();
    expect(row.subaccountId).toBeUndefined();
    expect(row.bounceClass).toBeUndefined();
    expect(row.abTestVersion).toBeUndefined();
    expect(row.payload).toBeNull();
    expect(row.body).toEqual({
      customer_id: "99999999999",
      subaccount_id: 1.5,
      bounce_class: "40000",
      ab_test_version: "v2",
    });
  });

  test("transmission_id and message_id stay text, even as numbers beyond 2^53", () => {
    const row = normalized({ ...base, transmission_id: "65832150921904138", message_id: "000443ee14578172be22" });
    expect(row).toMatchObject({ transmissionId: "65832150921904138", messageId: "000443ee14578172be22", body: {} });
  });

  test("a text field sent as a number fills its column (which SQL reads) and keeps the number in the body", () => {
    const row = normalized({ ...base, campaign_id: 42 });
    expect(row).toMatchObject({ campaignId: "42", payload: null, body: { campaign_id: 42 } });
  });
});

describe("columns, payload, body and derived domains", () => {
  test("a text value over 1,024 UTF-8 bytes stays in the payload, where SQL reads it, and not in its column", () => {
    const subject = "s".repeat(1025);
    const threeByteText = "€".repeat(342); // 1,026 bytes in 342 characters
    const row = normalized({ ...base, subject, reason: threeByteText, campaign_id: "c".repeat(1024) });
    expect(row.subject).toBeUndefined();
    expect(row.reason).toBeUndefined();
    expect(row.campaignId).toBe("c".repeat(1024));
    expect(row.payload).toEqual({ subject, reason: threeByteText });
    expect(row.body).toEqual({});
  });

  test("a text field whose value is not text or a number stays in the payload, where SQL reads it", () => {
    const row = normalized({ ...base, campaign_id: { nested: true }, subject: false });
    expect(row).toMatchObject({ payload: { campaign_id: { nested: true }, subject: false }, body: {} });
    expect(row.campaignId).toBeUndefined();
  });

  test("recipient_domain and sending_domain are derived, lower-cased, when the event has none", () => {
    const row = normalized({
      ...base,
      rcpt_to: "Someone@Example.COM",
      friendly_from: '"Shop" <news@Mail.Shop.example>',
    });
    expect(row).toMatchObject({ recipientDomain: "example.com", sendingDomain: "mail.shop.example" });
  });

  test("domains the event carries win over derived ones", () => {
    const row = normalized({
      ...base,
      rcpt_to: "a@example.com",
      recipient_domain: "given.example",
      friendly_from: "b@example.org",
      sending_domain: "bounce.example.org",
    });
    expect(row).toMatchObject({ recipientDomain: "given.example", sendingDomain: "bounce.example.org" });
  });

  test("addresses without a usable domain derive none", () => {
    expect(normalized({ ...base, rcpt_to: "no-at-sign" }).recipientDomain).toBeNull();
    expect(normalized({ ...base, friendly_from: "user@" }).sendingDomain).toBeNull();
    expect(normalized({ ...base, friendly_from: "user@bad domain" }).sendingDomain).toBeNull();
  });

  test("unknown fields are kept in the body untouched", () => {
    const row = normalized({ ...base, brand_new_field: { nested: [1, "two", null, true] }, score: 0.5 });
    expect(row.body).toEqual({ brand_new_field: { nested: [1, "two", null, true] }, score: 0.5 });
    expect(row.payload).toBeNull();
  });

  test("rcpt_meta and rcpt_tags, which searches read, stay in the payload; every other field goes to the body", () => {
    const row = normalized({ ...base, rcpt_meta: { plan: "pro" }, rcpt_tags: ["vip"], delv_method: "esmtp" });
    expect(row).toMatchObject({
      payload: { rcpt_meta: { plan: "pro" }, rcpt_tags: ["vip"] },
      body: { delv_method: "esmtp" },
    });
  });

  test("the fields the Metrics API's rollups read go to their columns, or to the payload, of deliveries and delays only", () => {
    const timings = { num_retries: "1", queue_time: "2500", msg_size: "1337" };
    expect(normalized({ ...base, ...timings })).toMatchObject({
      numRetries: 1,
      queueTime: 2500,
      msgSize: 1337,
      payload: null,
      body: {},
    });
    expect(normalized({ ...base, num_retries: 1, queue_time: "02500" })).toMatchObject({
      payload: { num_retries: 1, queue_time: "02500" },
      body: {},
    });
    expect(normalized({ ...base, ...timings, type: "delay" })).toMatchObject({
      numRetries: 1,
      payload: null,
      body: { queue_time: "2500", msg_size: "1337" },
    });
    expect(normalized({ ...base, ...timings, type: "open" })).toMatchObject({ payload: null, body: timings });
  });

  test("unknown event types under unknown groupings are kept", () => {
    const { events, rejected } = normalizeBatch([
      { msys: { future_event: { type: "teleport", event_id: "77", timestamp: 1700000000, destination: "mars" } } },
    ]);
    expect(rejected).toEqual([]);
    expect(events).toEqual([
      {
        eventTime: new Date("2023-11-14T22:13:20.000Z"),
        type: "teleport",
        eventId: "77",
        payload: null,
        body: { destination: "mars" },
      },
    ]);
  });

  test("top-level keys beside msys are ignored and a record with several groupings gives one row each", () => {
    const { events } = normalizeBatch([
      { cust: { id: "00000" }, msys: { message_event: base, track_event: { ...base, type: "open" } } },
    ]);
    expect(events.map((event) => event.type)).toEqual(["delivery", "open"]);
  });

  test("the ping batch normalizes to nothing, without rejections", () => {
    expect(parseWebhookBatch('[{"msys":{}}]')).toEqual({ events: [], rejected: [] });
    expect(parseWebhookBatch("[]")).toEqual({ events: [], rejected: [] });
  });
});

describe("strings PostgreSQL cannot store", () => {
  test("NUL characters and lone surrogates in values and keys become U+FFFD", () => {
    const { events } = parseWebhookBatch(
      JSON.stringify([
        record({
          ...base,
          event_id: "id\u0000",
          subject: "a\u0000b",
          rcpt_meta: { "k\u0000ey": "\ud800x", list: ["\udfff"] },
        }),
      ]),
    );
    expect(events).toEqual([
      {
        eventTime: new Date("2016-04-18T14:25:07.000Z"),
        type: "delivery",
        eventId: "id\uFFFD",
        subject: "a\uFFFDb",
        payload: { rcpt_meta: { "k\uFFFDey": "\uFFFDx", list: ["\uFFFD"] } },
        body: {},
      },
    ]);
  });
});

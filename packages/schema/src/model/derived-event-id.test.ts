import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { DERIVED_EVENT_ID_PREFIX, derivedEventId } from "./derived-event-id.ts";
import { normalizeBatch, normalizeEvent } from "./normalize.ts";

const smsStatus = {
  type: "sms_status",
  timestamp: "1460989507",
  customer_id: "1",
  sms_dst: "7876712656",
  sms_remoteids: ["0000", "0001"],
  stat_state: "Delivered",
};

const DERIVED_ID = /^msgevents:sha256:[0-9a-f]{64}$/;

describe("an id derived from an event's content", () => {
  test("is the SHA-256 of the RFC 8785 canonical JSON, after the prefix", () => {
    const event = { type: "x", timestamp: "1", b: 1.5e3, a: [2, "é", { z: null, y: true }] };
    const canonical = '{"a":[2,"é",{"y":true,"z":null}],"b":1500,"timestamp":"1","type":"x"}';
    const hash = createHash("sha256").update(canonical, "utf8").digest("hex");
    expect(derivedEventId(event)).toBe(`${DERIVED_EVENT_ID_PREFIX}${hash}`);
  });

  test("does not depend on the order of keys, at any depth", () => {
    const reordered = {
      stat_state: "Delivered",
      sms_remoteids: ["0000", "0001"],
      sms_dst: "7876712656",
      customer_id: "1",
      timestamp: "1460989507",
      type: "sms_status",
    };
    expect(derivedEventId(reordered)).toBe(derivedEventId(smsStatus));
    expect(derivedEventId({ ...smsStatus, meta: { b: 2, a: 1 } })).toBe(
      derivedEventId({ meta: { a: 1, b: 2 }, ...smsStatus }),
    );
  });

  test("changes with any value, array order included", () => {
    const id = derivedEventId(smsStatus);
    expect(derivedEventId({ ...smsStatus, stat_state: "Failed" })).not.toBe(id);
    expect(derivedEventId({ ...smsStatus, timestamp: "1460989508" })).not.toBe(id);
    expect(derivedEventId({ ...smsStatus, sms_remoteids: ["0001", "0000"] })).not.toBe(id);
    expect(derivedEventId({ ...smsStatus, customer_id: 1 })).not.toBe(id);
  });

  test("can never equal one of SparkPost's ids, which are decimal digits or UUIDs", () => {
    const id = derivedEventId(smsStatus);
    expect(id).toMatch(DERIVED_ID);
    expect(id).not.toMatch(/^\d+$/);
    expect(id).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    expect(id.length).toBeLessThanOrEqual(200);
  });

  test("is computed from text PostgreSQL can store, so NUL and lone surrogates cannot make it fail", () => {
    expect(derivedEventId({ ...smsStatus, sms_text: "a\u0000\ud800" })).toBe(
      derivedEventId({ ...smsStatus, sms_text: "a\uFFFD\uFFFD" }),
    );
  });
});

describe("normalizing an event without event_id", () => {
  test.each([
    ["missing", undefined],
    ["null", null],
    ["empty", ""],
  ])("an event whose event_id is %s is stored under its derived id", (_, eventId) => {
    const event = { ...smsStatus, event_id: eventId };
    const row = normalizeEvent(event);
    expect(row).toMatchObject({ eventId: derivedEventId(event), type: "sms_status" });
    expect(row).toHaveProperty("body", {
      sms_remoteids: ["0000", "0001"],
      sms_dst: "7876712656",
      stat_state: "Delivered",
    });
  });

  test("the same record in a batch delivered again gets the same id, whatever its key order", () => {
    const first = normalizeBatch([{ msys: { message_event: smsStatus } }]);
    const again = normalizeBatch([
      { msys: { message_event: Object.fromEntries(Object.entries(smsStatus).reverse()) } },
    ]);
    expect(first.rejected).toEqual([]);
    expect(again.events.map((event) => event.eventId)).toEqual(first.events.map((event) => event.eventId));
    expect(first.events[0]?.eventId).toMatch(DERIVED_ID);
  });

  test("a SparkPost event_id is kept as given, never replaced by a derived one", () => {
    expect(normalizeEvent({ ...smsStatus, event_id: "92356927693813856" })).toMatchObject({
      eventId: "92356927693813856",
    });
  });

  test("a record that is not an event is still refused with its reason", () => {
    expect(normalizeBatch([42, { msys: { message_event: { timestamp: "1460989507", stat_state: "x" } } }])).toEqual({
      events: [],
      rejected: [
        { index: 0, reason: "record is not a JSON object" },
        { index: 1, reason: "msys.message_event: missing type" },
      ],
    });
    expect(normalizeBatch([{ msys: { message_event: { type: "sms_status" } } }]).rejected).toEqual([
      { index: 0, reason: "msys.message_event: missing timestamp" },
    ]);
  });
});

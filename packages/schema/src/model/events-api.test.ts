import { describe, expect, test } from "vitest";
import { storedEventFields } from "./events-api.ts";

const stored = (payload: Record<string, unknown>) => ({
  eventTime: new Date("2024-06-01T00:00:00Z"),
  type: "delivery",
  eventId: "1",
  payload,
});

describe("storedEventFields", () => {
  test("gives the payload's and body's fields in jsonb's order, whatever order each list was stored in", () => {
    const first = storedEventFields(stored({ zz: 1, a: 2 }), { bbb: 3, cc: 4 });
    const second = storedEventFields(stored({ a: 2, zz: 1 }), { cc: 4, bbb: 3 });
    expect(Object.keys(first)).toEqual(["type", "event_id", "a", "cc", "zz", "bbb"]);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  test("keeps each event's own fields when their names would join into the same text", () => {
    // Joined with a NUL separator both lists would read "a\0b\0c": each must still get its own fields.
    const joined = storedEventFields(stored({ "a\u0000b": 1 }), { c: 2 });
    const apart = storedEventFields(stored({ a: 1 }), { "b\u0000c": 2 });
    expect(joined).toEqual({ type: "delivery", event_id: "1", c: 2, "a\u0000b": 1 });
    expect(apart).toEqual({ type: "delivery", event_id: "1", a: 1, "b\u0000c": 2 });
  });

  test("lets the body's value win over the payload's for a field in both", () => {
    expect(storedEventFields(stored({ reason: "payload" }), { reason: "body" }).reason).toBe("body");
  });
});

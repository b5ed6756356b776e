import { describe, expect, test } from "vitest";
import { EVENT_GROUPINGS, toWebhookRecord, webhookGroupFor } from "./groupings.ts";
import { normalizeBatch } from "./normalize.ts";

describe("webhookGroupFor", () => {
  test.each([
    ["delivery", "message_event"],
    ["sms_status", "message_event"],
    ["amp_click", "track_event"],
    ["generation_rejection", "gen_event"],
    ["link_unsubscribe", "unsubscribe_event"],
    ["relay_permfail", "relay_event"],
    ["ab_test_cancelled", "ab_test_event"],
    ["error", "ingest_event"],
  ])("names the grouping %s arrives under: %s", (type, grouping) => {
    expect(webhookGroupFor(type)).toBe(grouping);
  });

  test("knows every type of every grouping, and no other", () => {
    for (const [grouping, types] of Object.entries(EVENT_GROUPINGS)) {
      for (const type of types) expect(webhookGroupFor(type)).toBe(grouping);
    }
    expect(webhookGroupFor("teleport")).toBeUndefined();
    expect(webhookGroupFor("toString")).toBeUndefined();
  });
});

describe("toWebhookRecord", () => {
  const click = { type: "click", event_id: "1", timestamp: "2016-04-18T14:25:07.000+00:00", customer_id: 1 };

  test("wraps a flattened event under its grouping, untouched", () => {
    expect(toWebhookRecord(click)).toStrictEqual({ msys: { track_event: click } });
  });

  test("puts a type it does not know, or no type, under message_event", () => {
    expect(toWebhookRecord({ type: "teleport" })).toStrictEqual({ msys: { message_event: { type: "teleport" } } });
    expect(toWebhookRecord({ event_id: "1" })).toStrictEqual({ msys: { message_event: { event_id: "1" } } });
  });

  test("a wrapped event normalizes exactly as the flattened record itself", () => {
    expect(normalizeBatch([toWebhookRecord(click)])).toStrictEqual(normalizeBatch([click]));
  });
});

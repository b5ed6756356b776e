import { readFileSync } from "node:fs";
import { sampleBatch, sampleEventTypes } from "@msgevents/testkit";
import { describe, expect, test } from "vitest";
import { type NormalizedEvent, normalizeBatch, toEventsApiEvent, toWebhookRecord } from "../src/index.ts";

/** The one event a batch must normalize to. */
function onlyEvent(records: unknown[]): NormalizedEvent {
  const { events, rejected } = normalizeBatch(records);
  expect(rejected).toEqual([]);
  const [event] = events;
  if (!event || events.length !== 1) throw new Error(`expected one event, got ${events.length}`);
  return event;
}

const primaryKey = (event: NormalizedEvent) => ({
  eventId: event.eventId,
  type: event.type,
  eventTime: event.eventTime.toISOString(),
});

function columnsOf(event: NormalizedEvent): Omit<NormalizedEvent, "payload" | "body"> {
  const { payload: _, body: __, ...columns } = event;
  return columns;
}

describe("one event from a webhook and from an Events API backfill", () => {
  // The click sample as GET /api/v1/events/message returns it: flattened, ISO-8601 times, integer customer and
  // subaccount ids, and the Events API's sending_domain and mailbox provider enrichments.
  const apiClick = JSON.parse(readFileSync(new URL("fixtures/events-api/click.json", import.meta.url), "utf8"));
  const fromWebhook = onlyEvent(sampleBatch("click"));
  const fromBackfill = onlyEvent([toWebhookRecord(apiClick)]);

  test("has the same primary key, so it is stored once", () => {
    expect(apiClick.timestamp).toBe("2016-04-18T14:25:07.000+00:00");
    expect(primaryKey(fromBackfill)).toStrictEqual(primaryKey(fromWebhook));
  });

  test("fills the same columns, the backfill adding only the Events API's mailbox provider", () => {
    expect(columnsOf(fromBackfill)).toStrictEqual({
      ...columnsOf(fromWebhook),
      mailboxProvider: "Gmail",
      mailboxProviderRegion: "Europe",
    });
  });

  test("keeps the same payload and body but for the spelling of injection_time, and rebuilds to the same Events API event", () => {
    expect(fromBackfill.payload).toStrictEqual(fromWebhook.payload);
    expect(fromBackfill.body).toStrictEqual({
      ...fromWebhook.body,
      injection_time: "2016-04-18T14:25:07.000+00:00",
    });
    expect(toEventsApiEvent(fromBackfill)).toStrictEqual({
      ...toEventsApiEvent(fromWebhook),
      mailbox_provider: "Gmail",
      mailbox_provider_region: "Europe",
    });
  });

  test("in the flattened shape without a webhook envelope normalizes the same as wrapped", () => {
    expect(onlyEvent([apiClick])).toStrictEqual(fromBackfill);
  });
});

describe.each(sampleEventTypes)("the %s sample read back through the Events API and backfilled", (type) => {
  const fromWebhook = onlyEvent(sampleBatch(type));
  const backfilled = onlyEvent([toWebhookRecord(toEventsApiEvent(fromWebhook))]);

  test("keeps its primary key and every column", () => {
    expect(primaryKey(backfilled)).toStrictEqual(primaryKey(fromWebhook));
    expect(columnsOf(backfilled)).toStrictEqual(columnsOf(fromWebhook));
  });

  test("rebuilds to the same Events API event", () => {
    expect(toEventsApiEvent(backfilled)).toStrictEqual(toEventsApiEvent(fromWebhook));
  });
});

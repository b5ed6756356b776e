import { afterAll, beforeAll, expect, test } from "vitest";
import { eventIdsOf, get, insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

// An event whose body cannot be decoded (a body encoding this version does not know, or corrupt bytes) must not take
// its page down: the page is served, that event with its columns and the reason, every other event whole.
let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-06-30T12:00:00Z"));
  await insertRecords(
    fixture,
    ["b-1", "b-2", "b-3", "b-4"].map((eventId, index) =>
      webhookEvent({
        event_id: eventId,
        timestamp: `2024-06-30T10:0${index}:00.000Z`,
        delv_method: "esmtp",
        rcpt_meta: { plan: "pro" },
      }),
    ),
  );
  // Written by a later release (version 9), and damaged on disk.
  await fixture.pool.query("UPDATE events SET body = '\\x09ffee'::bytea WHERE event_id = 'b-2'");
  await fixture.pool.query("UPDATE events SET body = '\\x01deadbeef'::bytea WHERE event_id = 'b-3'");
}, 120_000);

afterAll(() => fixture?.close());

test("the page is served: the events whose bodies cannot be decoded say why, the others are whole", async () => {
  const response = await get(fixture, "/api/v1/events/message?from=2024-06-30T00:00:00Z&to=2024-06-30T11:00:00Z");
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.total_count).toBe(4);
  expect(eventIdsOf(response)).toEqual(["b-4", "b-3", "b-2", "b-1"]);
  const [fourth, third, second, first] = response.body.results ?? [];
  for (const whole of [fourth, first]) {
    expect(whole).toMatchObject({ delv_method: "esmtp", rcpt_meta: { plan: "pro" }, campaign_id: "plain" });
    expect(whole).not.toHaveProperty("msgevents_error");
  }
  expect(second).toMatchObject({
    event_id: "b-2",
    campaign_id: "plain",
    rcpt_meta: { plan: "pro" },
    msgevents_error: "event body has unknown encoding version 9",
  });
  expect(second).not.toHaveProperty("delv_method");
  expect(third).toMatchObject({ event_id: "b-3", msgevents_error: expect.stringMatching(/^event body is corrupt/) });
});

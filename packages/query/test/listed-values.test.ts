import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listMatchingValues, MAX_LISTED_VALUES } from "../src/search/listed-values.ts";
import { eventIdsOf, get, insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

const SEARCH = "/api/v1/events/message";

function eventOn(eventId: string, timestamp: string, fields: Record<string, unknown>): unknown {
  return webhookEvent({ event_id: eventId, timestamp, ...fields });
}

describe("campaign and template searches by listed value", () => {
  let fixture: QueryFixture;

  beforeAll(async () => {
    fixture = await startQueryFixture();
    await insertRecords(fixture, [
      // June 10 to 14, with no events (and so no partition) on June 12.
      eventOn("8100000000000000001", "2024-06-10T06:00:00.000Z", { campaign_id: "summer-sale" }),
      eventOn("8100000000000000002", "2024-06-10T18:00:00.000Z", { campaign_id: "summer-sale-vip" }),
      eventOn("8100000000000000003", "2024-06-11T00:00:00.000Z", { campaign_id: "summer-sale" }),
      eventOn("8100000000000000004", "2024-06-11T23:59:59.999Z", { campaign_id: "winter-sale" }),
      eventOn("8100000000000000005", "2024-06-13T12:00:00.000Z", { campaign_id: "summer_sale" }),
      eventOn("8100000000000000006", "2024-06-14T05:59:59.999Z", { campaign_id: "summer-sale" }),
      eventOn("8100000000000000007", "2024-06-14T06:00:00.000Z", { campaign_id: "summer-sale" }),
      eventOn("8100000000000000008", "2024-06-13T08:00:00.000Z", { template_id: "receipt_v2" }),
    ]);
  });
  afterAll(() => fixture?.close());

  test("the database lists the stored values that match a keyword search, and nothing else", async () => {
    expect((await listMatchingValues(fixture.db, "campaign_id", ["summer"]))?.sort()).toEqual([
      "summer-sale",
      "summer-sale-vip",
      "summer_sale",
    ]);
    expect(await listMatchingValues(fixture.db, "campaign_id", ["sale-vip", "winter"])).toEqual(
      expect.arrayContaining(["summer-sale-vip", "winter-sale"]),
    );
    expect(await listMatchingValues(fixture.db, "campaign_id", ["sal", "---"])).toEqual([]);
    expect(await listMatchingValues(fixture.db, "template_id", ["receipt"])).toEqual(["receipt_v2"]);
  });

  test.each([
    ["whole days only", "2024-06-11T00:00:00Z", "2024-06-14T00:00:00Z", ["8100000000000000005", "8100000000000000003"]],
    [
      "partial first and last days around whole ones and a missing day",
      "2024-06-10T12:00:00Z",
      "2024-06-14T06:00:00Z",
      ["8100000000000000006", "8100000000000000005", "8100000000000000003", "8100000000000000002"],
    ],
    ["within one day", "2024-06-14T05:00:00Z", "2024-06-14T07:00:00Z", ["8100000000000000007", "8100000000000000006"]],
    [
      "a window of years",
      "2000-01-01T00:00:00Z",
      "2024-06-14T06:00:00Z",
      [
        "8100000000000000006",
        "8100000000000000005",
        "8100000000000000003",
        "8100000000000000002",
        "8100000000000000001",
      ],
    ],
    ["on days without partitions", "2024-06-01T00:00:00Z", "2024-06-03T00:00:00Z", []],
  ])("total_count and results agree over %s", async (_name, from, to, expected) => {
    const response = await get(fixture, `${SEARCH}?from=${from}&to=${to}&campaigns=summer`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(eventIdsOf(response)).toEqual(expected);
    expect(response.body.total_count).toBe(expected.length);
  });

  test("a listed filter combined with another filter still counts exactly", async () => {
    const response = await get(
      fixture,
      `${SEARCH}?from=2024-06-10T00:00:00Z&to=2024-06-15T00:00:00Z&campaigns=sale&events=delivery&per_page=2`,
    );
    expect(response.body.total_count).toBe(7);
    expect(eventIdsOf(response)).toEqual(["8100000000000000007", "8100000000000000006"]);
  });
});

describe("searches that the value list cannot answer keep to the token index", () => {
  let fixture: QueryFixture;
  beforeAll(async () => {
    fixture = await startQueryFixture();
  });
  afterAll(() => fixture?.close());

  test("a campaign id too long for its column is still found, and so are the others", async () => {
    const overlong = `launch-${"x".repeat(1500)}`;
    await insertRecords(fixture, [
      eventOn("8200000000000000001", "2024-06-20T10:00:00.000Z", { campaign_id: overlong }),
      eventOn("8200000000000000002", "2024-06-20T11:00:00.000Z", { campaign_id: "launch-day" }),
      eventOn("8200000000000000003", "2024-06-20T12:00:00.000Z", { campaign_id: "other" }),
    ]);

    expect(await listMatchingValues(fixture.db, "campaign_id", ["launch"])).toBeUndefined();
    const response = await get(fixture, `${SEARCH}?from=2024-06-20T00:00:00Z&to=2024-06-21T00:00:00Z&campaigns=launch`);
    expect(eventIdsOf(response)).toEqual(["8200000000000000002", "8200000000000000001"]);
    expect(response.body.total_count).toBe(2);
    expect(response.body.results?.[1]?.campaign_id).toBe(overlong);
  });

  test(`a keyword matching more than ${MAX_LISTED_VALUES} values returns every event once`, async () => {
    const records = Array.from({ length: MAX_LISTED_VALUES + 5 }, (_, index) =>
      eventOn(`83${String(index).padStart(17, "0")}`, "2024-06-22T10:00:00.000Z", {
        template_id: `bulk-${index}`,
        campaign_id: "bulk",
      }),
    );
    await insertRecords(fixture, records);

    expect(await listMatchingValues(fixture.db, "template_id", ["bulk"])).toBeUndefined();
    const response = await get(
      fixture,
      `${SEARCH}?from=2024-06-22T00:00:00Z&to=2024-06-23T00:00:00Z&templates=bulk&per_page=10000`,
    );
    expect(response.body.total_count).toBe(MAX_LISTED_VALUES + 5);
    expect(new Set(eventIdsOf(response)).size).toBe(MAX_LISTED_VALUES + 5);
  });
});

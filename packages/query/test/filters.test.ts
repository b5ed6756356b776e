import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventIdsOf, get, insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

let fixture: QueryFixture;
const WINDOW = "from=2024-06-28T00:00:00Z&to=2024-06-29T00:00:00Z";

const A = "7000000000000000001";
const B = "7000000000000000002";
const C = "7000000000000000003";

beforeAll(async () => {
  fixture = await startQueryFixture();
  await insertRecords(fixture, [
    webhookEvent({
      event_id: A,
      type: "bounce",
      timestamp: "2024-06-28T10:00:00.000Z",
      rcpt_to: "alice@mail.yahoo.com",
      friendly_from: "promo@info.example.com",
      subject: "Summer deals are here!",
      campaign_id: "blackfriday-specials",
      template_id: "my_other_email",
      ip_pool: "admin_notify",
      sending_ip: "10.1.1.1",
      reason: "5.4.7 Example text",
      bounce_class: "10",
      subaccount_id: "101",
      message_id: "msg-A",
      transmission_id: "tx-A",
      mailbox_provider: "Yahoo",
      mailbox_provider_region: "North America",
      ab_test_id: "subject-test",
      ab_test_version: "2",
      rcpt_meta: { plan: "pro", regions: ["eu", "us"], score: 5 },
      rcpt_tags: ["vip", "beta"],
    }),
    webhookEvent({
      event_id: B,
      timestamp: "2024-06-28T09:00:00.000Z",
      rcpt_to: "bob@yahoo.co.uk",
      friendly_from: "x@example.com.uk",
      subject: "Winter sale",
      campaign_id: "blackfriday-members",
      template_id: "email-welcome",
      ip_pool: "shared",
      subaccount_id: "102",
      mailbox_provider: "Gmail",
      mailbox_provider_region: "Europe",
      rcpt_meta: { plan: "basic" },
      rcpt_tags: ["beta"],
    }),
    webhookEvent({
      event_id: C,
      type: "open",
      timestamp: "2024-06-28T08:00:00.000Z",
      rcpt_to: "carol@gmail.com",
      friendly_from: "a@mail.examples.org",
      subject: "summer-time",
      campaign_id: "goodfriday",
      template_id: "templates",
      ip_pool: "administrators",
      mailbox_provider: "Google Workspace",
      mailbox_provider_region: "South America",
    }),
  ]);
});

afterAll(() => fixture?.close());

async function idsFor(query: string): Promise<string[]> {
  const response = await get(fixture, `/api/v1/events/message?${WINDOW}&${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.total_count).toBe(response.body.results?.length);
  return eventIdsOf(response);
}

describe("each filter parameter matches what it names and nothing else", () => {
  const cases: [string, string, string[]][] = [
    ["event_ids", A, [A]],
    ["event_ids", "no-such-event", []],
    ["events", "bounce", [A]],
    ["events", "bounce,open", [A, C]],
    ["events", "spam_complaint", []],
    ["recipients", "ALICE@mail.yahoo.com", [A]],
    ["recipients", "alice@yahoo.com", []],
    ["recipient_domains", "yahoo", [A, B]],
    ["recipient_domains", "mail", [A]],
    ["recipient_domains", "hoo", []],
    ["from_addresses", "promo@info.example.com", [A]],
    ["from_addresses", "promo@example.com", []],
    ["sending_domains", "example.com", [A, B]],
    ["sending_domains", "ample", []],
    ["subjects", "summer", [A, C]],
    ["subjects", "deals are", [A]],
    ["subjects", "are deals", []],
    ["subjects", "summ", []],
    ["bounce_classes", "10", [A]],
    ["bounce_classes", "20", []],
    ["reasons", "5.4.7", [A]],
    ["reasons", "5.4", []],
    ["campaigns", "blackfriday", [A, B]],
    ["campaigns", "friday", []],
    ["campaigns", "goodfriday,blackfriday-members", [B, C]],
    ["templates", "email", [A, B]],
    ["templates", "emai", []],
    ["sending_ips", "10.1.1.1", [A]],
    ["sending_ips", "10.1.1", []],
    ["ip_pools", "admin", [A]],
    ["ip_pools", "notif", []],
    ["subaccounts", "101", [A]],
    ["subaccounts", "101,102", [A, B]],
    ["subaccounts", "103", []],
    ["messages", "msg-A", [A]],
    ["messages", "msg", []],
    ["transmissions", "tx-A", [A]],
    ["transmissions", "tx", []],
    ["mailbox_providers", "yahoo", [A]],
    ["mailbox_providers", "google", [C]],
    ["mailbox_providers", "yah", []],
    ["mailbox_provider_regions", "america", [A, C]],
    ["mailbox_provider_regions", "north america", [A]],
    ["mailbox_provider_regions", "amer", []],
    ["ab_tests", "subject", [A]],
    ["ab_tests", "subj", []],
    ["rcpt_meta", "plan=pro", [A]],
    ["rcpt_meta", "plan=enterprise", []],
    ["rcpt_meta", "regions=eu", [A]],
    ["rcpt_meta", "score=5", [A]],
    ["rcpt_meta", "plan=pro,plan=basic", [A, B]],
    ["rcpt_meta", "plan=pro,regions=us", [A]],
    ["rcpt_meta", "plan=basic,regions=us", []],
    ["rcpt_tags", "vip", [A]],
    ["rcpt_tags", "beta", [A, B]],
    ["rcpt_tags", "VIP", []],
  ];
  test.each(cases)("%s=%s finds %j", async (param, value, expected) => {
    expect(await idsFor(`${param}=${encodeURIComponent(value)}`)).toEqual(expected);
  });

  test("ab_test_versions narrows ab_tests", async () => {
    expect(await idsFor("ab_tests=subject-test&ab_test_versions=2")).toEqual([A]);
    expect(await idsFor("ab_tests=subject-test&ab_test_versions=3")).toEqual([]);
  });

  test("different filters must all match", async () => {
    expect(await idsFor("campaigns=blackfriday&events=delivery")).toEqual([B]);
    expect(await idsFor("campaigns=blackfriday&rcpt_tags=vip&recipient_domains=yahoo")).toEqual([A]);
  });

  test("the delimiter parameter replaces the comma", async () => {
    expect(await idsFor("delimiter=%7C&campaigns=goodfriday%7Cblackfriday-members")).toEqual([B, C]);
  });

  test("without filters every event of the window is returned, newest first", async () => {
    expect(await idsFor("")).toEqual([A, B, C]);
  });
});

describe("SparkPost's documented keyword examples", () => {
  const examples: [string, string, string, boolean][] = [
    ["campaigns", "blackfriday", "blackfriday-specials", true],
    ["campaigns", "blackfriday", "blackfriday-members", true],
    ["campaigns", "friday", "blackfriday-specials", false],
    ["reasons", "5.4.7", "5.4.7 Example text", true],
    ["templates", "email", "my_other_email", true],
    ["recipient_domains", "yahoo", "mail.yahoo.com", true],
    ["recipient_domains", "yahoo", "yahoo.co.uk", true],
    ["sending_domains", "example.com", "info.example.com", true],
    ["sending_domains", "example.com", "example.com.uk", true],
    ["ip_pools", "admin", "admin_notify", true],
  ];
  const field: Record<string, string> = {
    campaigns: "campaign_id",
    reasons: "reason",
    templates: "template_id",
    recipient_domains: "recipient_domain",
    sending_domains: "sending_domain",
    ip_pools: "ip_pool",
  };
  let day = 1;
  test.each(examples)("%s=%s against %s matches: %s", async (param, keyword, stored, matches) => {
    day += 1;
    const from = `2024-05-${String(day).padStart(2, "0")}T00:00:00Z`;
    const to = `2024-05-${String(day).padStart(2, "0")}T23:00:00Z`;
    const eventId = `60000000000000000${String(day).padStart(2, "0")}`;
    await insertRecords(fixture, [
      webhookEvent({ event_id: eventId, timestamp: `${from.slice(0, -1)}.000Z`, [field[param] as string]: stored }),
    ]);
    const response = await get(fixture, `/api/v1/events/message?from=${from}&to=${to}&${param}=${keyword}`);
    expect(eventIdsOf(response)).toEqual(matches ? [eventId] : []);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { filterConditions } from "../src/search/conditions.ts";
import type { SearchFilters } from "../src/search/filters.ts";
import { get, insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

// Counts answered from search_token_counts must equal what SparkPost's keyword semantics select, whatever the window's
// edges: the oracle here reads the webhook records themselves, not the database.
let fixture: QueryFixture;
const START = Date.parse("2024-06-28T23:00:00Z");
const EVENTS = 2400;

const pick = <T>(values: readonly T[], index: number, step: number): T => values[(index * step) % values.length] as T;
const SUBJECTS = [
  "Your order #1042 shipped",
  "your-ORDER_update",
  "  Weekly news ",
  "Re: your order",
  "A.b.c test",
  "-lead dash",
  "Ünïcode Straße",
  `${"x".repeat(1100)} tail`,
];
const REASONS = ["550 5.1.1 User unknown", "452 mailbox full", "Blocked - see https://x.y/unknown"];
const CAMPAIGNS = ["spring-sale_2024", "Spring Sale", "webinar-04", "2024-webinar"];
const TEMPLATES = ["welcome-v2", "Welcome"];
const RECIPIENT_DOMAINS = ["mail.Yahoo.com", "gmail.com", "acme-corp.co.uk"];
const SENDING_DOMAINS = ["mail.shop.example", "news.example.org"];
const FROM_ADDRESSES = ["News@Mail.Shop.example", "billing@news.example.org"];
const IP_POOLS = ["default", "warm_up-2"];
const SENDING_IPS = ["10.0.0.1", "10.0.0.2"];
const SUBACCOUNTS = ["0", "7"];
const PROVIDERS = ["Gmail", "Hotmail / Outlook"];
const REGIONS = ["Global", "North America"];
const AB_TESTS = ["subject-test", undefined];
const TYPES = ["delivery", "bounce", "open", "click", "injection"];

const records = Array.from({ length: EVENTS }, (_, index) => {
  const type = pick(TYPES, index, 1);
  const bounced = type === "bounce";
  return webhookEvent({
    type,
    event_id: `4${String(index).padStart(8, "0")}`,
    // About one event a minute with uneven milliseconds, over about 40 hours and three day partitions.
    timestamp: new Date(START + index * 61_037).toISOString(),
    subject: pick(SUBJECTS, index, 3),
    reason: bounced ? pick(REASONS, index, 7) : undefined,
    bounce_class: bounced ? (index % 2 === 0 ? "10" : "25") : undefined,
    campaign_id: pick(CAMPAIGNS, index, 5),
    template_id: pick(TEMPLATES, index, 3),
    rcpt_to: `user${index}@${pick(RECIPIENT_DOMAINS, index, 2)}`,
    recipient_domain: pick(RECIPIENT_DOMAINS, index, 2),
    sending_domain: pick(SENDING_DOMAINS, index, 3),
    friendly_from: pick(FROM_ADDRESSES, index, 5),
    ip_pool: pick(IP_POOLS, index, 7),
    sending_ip: pick(SENDING_IPS, index, 3),
    subaccount_id: pick(SUBACCOUNTS, index, 11),
    mailbox_provider: pick(PROVIDERS, index, 5),
    mailbox_provider_region: pick(REGIONS, index, 3),
    ab_test_id: pick(AB_TESTS, index, 5),
  }) as { msys: Record<string, Record<string, string | undefined>> };
});
const eventsOf = () => records.map((record) => Object.values(record.msys)[0] as Record<string, string | undefined>);

const keywordsOf = (value: string | undefined, domain: boolean) =>
  (value ?? "")
    .toLowerCase()
    .split(domain ? /[\s._-]+/ : /[\s_-]+/)
    .filter((keyword) => keyword.length > 0);

/** Keyword filters: the parameter, the webhook field, whether periods split. */
const KEYWORD_FILTERS = [
  ["subjects", "subject", false],
  ["reasons", "reason", false],
  ["campaigns", "campaign_id", false],
  ["templates", "template_id", false],
  ["recipient_domains", "recipient_domain", true],
  ["sending_domains", "sending_domain", true],
  ["ip_pools", "ip_pool", false],
  ["mailbox_providers", "mailbox_provider", false],
  ["mailbox_provider_regions", "mailbox_provider_region", false],
  ["ab_tests", "ab_test_id", false],
] as const;

interface Search {
  parameters: string;
  matches(event: Record<string, string | undefined>): boolean;
}

function searches(): Search[] {
  const all: Search[] = [{ parameters: "", matches: () => true }];
  for (const [parameter, field, domain] of KEYWORD_FILTERS) {
    const keywords = new Set(eventsOf().flatMap((event) => keywordsOf(event[field], domain)));
    for (const keyword of keywords) {
      // Upper case in the search too: keyword search ignores case ('ß' has no upper case of one letter).
      const asked = keyword.length % 2 === 0 && !keyword.includes("ß") ? keyword.toUpperCase() : keyword;
      all.push({
        parameters: `${parameter}=${encodeURIComponent(asked)}`,
        matches: (event) => keywordsOf(event[field], domain).includes(keyword),
      });
    }
  }
  // Domain phrases are counted too: each run of keywords, in order.
  for (const [parameter, field] of [
    ["recipient_domains", "recipient_domain"],
    ["sending_domains", "sending_domain"],
  ] as const) {
    for (const phrase of ["mail.yahoo.com", "Yahoo.COM", "co.uk", "acme-corp.co", "shop.example", "example.org"]) {
      const wanted = keywordsOf(phrase, true).join(" ");
      all.push({
        parameters: `${parameter}=${encodeURIComponent(phrase)}`,
        matches: (event) => ` ${keywordsOf(event[field], true).join(" ")} `.includes(` ${wanted} `),
      });
    }
  }
  for (const address of FROM_ADDRESSES) {
    all.push({
      parameters: `from_addresses=${encodeURIComponent(address.toUpperCase())}`,
      matches: (event) => event.friendly_from?.toLowerCase() === address.toLowerCase(),
    });
  }
  for (const ip of SENDING_IPS) {
    all.push({ parameters: `sending_ips=${ip}`, matches: (event) => event.sending_ip === ip });
  }
  for (const subaccount of SUBACCOUNTS) {
    all.push({ parameters: `subaccounts=${subaccount}`, matches: (event) => event.subaccount_id === subaccount });
  }
  all.push({ parameters: "bounce_classes=25", matches: (event) => event.bounce_class === "25" });
  all.push({ parameters: "events=bounce", matches: (event) => event.type === "bounce" });
  all.push({
    parameters: "events=open,click,open",
    matches: (event) => event.type === "open" || event.type === "click",
  });
  return all;
}

const WINDOWS: [string, string][] = [
  ["2024-06-29T00:00:00Z", "2024-06-30T00:00:00Z"],
  ["2024-06-29T03:07:13.5Z", "2024-06-30T11:52:01.25Z"],
  ["2024-06-29T10:01:00Z", "2024-06-29T10:14:00Z"],
  ["2024-06-29T10:14:00Z", "2024-06-29T10:16:00Z"],
  ["2024-06-28T00:00:00Z", "2024-07-01T00:00:00Z"],
];

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-07-01T00:00:00Z"));
  for (let start = 0; start < EVENTS; start += 400) await insertRecords(fixture, records.slice(start, start + 400));
  // The same events again, and some twice in one batch: stored once, so counted once.
  await insertRecords(fixture, [...records.slice(100, 300), ...records.slice(100, 150)]);
}, 120_000);

afterAll(() => fixture?.close());

describe("search counts", () => {
  // One test per window: each runs about 80 searches, which must fit the test limit on a loaded machine.
  test.each(WINDOWS)(
    "equal the events each search selects, for every counted filter, from %s to %s",
    async (from, to) => {
      const all = searches();
      expect(all.length).toBeGreaterThan(60);
      const inWindow = eventsOf().filter((event) => {
        const time = Date.parse(String(event.timestamp));
        return time >= Date.parse(from) && time < Date.parse(to);
      });
      for (const search of all) {
        const response = await get(
          fixture,
          `/api/v1/events/message?from=${from}&to=${to}&per_page=5${search.parameters ? `&${search.parameters}` : ""}`,
        );
        expect(response.status, search.parameters).toBe(200);
        const expected = inWindow.filter(search.matches).length;
        expect(response.body.total_count, `${search.parameters} over [${from}, ${to})`).toBe(expected);
        expect(response.body.results?.length).toBe(Math.min(5, expected));
      }
    },
  );

  test("answer a keyword in every event from a handful of rows, not one per matching event", async () => {
    const { rows } = await fixture.pool.query<{ rows: string }>(
      "SELECT count(*) AS rows FROM search_token_counts WHERE token = 'sd:example'",
    );
    // Every event holds the keyword: one row per 15-minute increment of the traffic.
    const increments = new Set(eventsOf().map((event) => Math.floor(Date.parse(String(event.timestamp)) / 900_000)));
    expect(Number(rows[0]?.rows)).toBe(increments.size);
    expect(increments.size).toBeLessThan(EVENTS / 10);
  });

  test("serve no filter, event types alone, and one keyword or value of one filter; nothing else", async () => {
    const counted = async (filters: SearchFilters) => (await filterConditions(fixture.db, filters)).countedTokens;
    expect(await counted({})).toEqual(["*"]);
    expect(await counted({ types: ["open", "click"] })).toEqual(["t=open", "t=click"]);
    expect(await counted({ text: { subjects: ["YOUR"] } })).toEqual(["su:your"]);
    expect(await counted({ text: { recipient_domains: ["mail.yahoo.com"] } })).toEqual(["rd:mail yahoo com"]);
    expect(await counted({ text: { recipient_domains: ["Yahoo"] } })).toEqual(["rd:yahoo"]);
    expect(await counted({ text: { from_addresses: ["News@X.example"] } })).toEqual(["f=news@x.example"]);
    expect(await counted({ subaccounts: [7] })).toEqual(["a=7"]);
    // Several values may match one event (not additive); a phrase must match in order; other filters narrow.
    expect(await counted({ text: { subjects: ["your", "order"] } })).toBeUndefined();
    expect(await counted({ text: { subjects: ["your order"] } })).toBeUndefined();
    expect(await counted({ types: ["open"], text: { subjects: ["your"] } })).toBeUndefined();
    expect(await counted({ text: { subjects: ["your"], campaigns: ["spring"] } })).toBeUndefined();
    // Recipients are not counted: the search-token index finds their few events at once.
    expect(await counted({ text: { recipients: ["user1@gmail.com"] } })).toBeUndefined();
    expect(await counted({ eventIds: ["400000001"] })).toBeUndefined();
  });
});

describe("search counts of days the maintenance compacted", () => {
  beforeAll(async () => {
    // The two ended days of the traffic compacted (a row per token and day), the last left as loads wrote it, so that
    // windows read both kinds of counts.
    for (const day of ["2024-06-28", "2024-06-29"]) {
      await fixture.pool.query("SELECT msgevents_compact_search_token_counts($1::date)", [day]);
    }
    const { rows } = await fixture.pool.query<{ days: string[] }>(
      "SELECT array_agg(DISTINCT day::text ORDER BY day::text) AS days FROM search_token_day_counts",
    );
    expect(rows[0]?.days).toEqual(["2024-06-28", "2024-06-29"]);
  });

  test.each(WINDOWS.filter(([from, to]) => Date.parse(to) - Date.parse(from) > 3_600_000))(
    "still equal the events each search selects, from %s to %s",
    async (from, to) => {
      const inWindow = eventsOf().filter((event) => {
        const time = Date.parse(String(event.timestamp));
        return time >= Date.parse(from) && time < Date.parse(to);
      });
      for (const search of searches()) {
        const response = await get(
          fixture,
          `/api/v1/events/message?from=${from}&to=${to}&per_page=5${search.parameters ? `&${search.parameters}` : ""}`,
        );
        const expected = inWindow.filter(search.matches).length;
        expect(response.body.total_count, `${search.parameters} over [${from}, ${to})`).toBe(expected);
        expect(response.body.results?.length).toBe(Math.min(5, expected));
      }
    },
  );
});

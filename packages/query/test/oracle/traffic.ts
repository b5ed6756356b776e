import { generateEvents, type WebhookRecord } from "@msgevents/testkit";

// The webhook batches the oracle test loads: generated traffic over three days, two dense bursts (one at the turn of
// a UTC day) where messages are opened and clicked again within minutes, and hand-written messages for each rule of
// uniques; posted as SparkPost does, with retried batches and events arriving twice in different batches.

const PROVIDERS: Readonly<Record<string, readonly [string, string]>> = {
  "gmail.com": ["Gmail", "Global"],
  "yahoo.com": ["Yahoo", "Global"],
  "outlook.com": ["Hotmail / Outlook", "Global"],
  "hotmail.com": ["Hotmail / Outlook", "Global"],
  "icloud.com": ["Apple iCloud", "Global"],
  "gmx.de": ["GMX", "Europe - Germany"],
};

/** SparkPost's enrichment: the mailbox provider and region of the recipient's domain (corporate ones: Other). */
function withMailboxProvider(record: WebhookRecord): WebhookRecord {
  for (const event of Object.values(record.msys)) {
    const domain = String(event.recipient_domain ?? "");
    const [provider, region] = PROVIDERS[domain] ?? ["Other", "Global"];
    event.mailbox_provider = provider;
    event.mailbox_provider_region = region;
  }
  return record;
}

const CRAFTED = {
  campaign_id: "oracle-crafted",
  template_id: "oracle-template",
  rcpt_to: "reader@crafted.example",
  recipient_domain: "crafted.example",
  friendly_from: "news@oracle.example",
  ip_pool: "oracle-pool",
  sending_ip: "192.0.2.7",
  subaccount_id: "3",
  mailbox_provider: "Other",
  mailbox_provider_region: "Global",
};

let crafted = 0;
function event(
  type: string,
  messageId: string,
  timestamp: string,
  fields: Record<string, unknown> = {},
): WebhookRecord {
  crafted += 1;
  const grouping = /open|click/.test(type) ? "track_event" : "message_event";
  const payload: Record<string, unknown> = {
    ...CRAFTED,
    type,
    event_id: `7${String(crafted).padStart(16, "0")}`,
    message_id: messageId,
    timestamp,
    ...fields,
  };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete payload[key];
  return { msys: { [grouping]: payload } };
}

/**
 * One message per rule, each opened or clicked twice where the increment decides whether that is one unique or two.
 * `late` events are posted in a later batch than the rest (an earlier open arriving after a later one was counted).
 */
function craftedMessages(): { early: WebhookRecord[]; late: WebhookRecord[] } {
  const early = [
    // Twice within one hour (10:05, 10:50 UTC): once at hour precision in UTC and New York, twice at 1min-15min;
    // in Kathmandu (+05:45) 15:50 and 16:35, two hours.
    event("open", "c-hour", "2024-06-01T10:05:00.000Z"),
    event("open", "c-hour", "2024-06-01T10:50:00.000Z"),
    // Twice within one quarter hour (13:01, 13:08): twice at 15min precision (per-minute uniques), once an hour.
    event("open", "c-quarter", "2024-06-01T13:01:00.000Z"),
    event("open", "c-quarter", "2024-06-01T13:08:00.000Z"),
    // Twice within one minute: once at every precision.
    event("click", "c-minute", "2024-06-01T14:20:05.000Z"),
    event("click", "c-minute", "2024-06-01T14:20:40.000Z"),
    // 09:20 and 10:10 UTC are two UTC hours but one Kathmandu hour (15:05, 15:55).
    event("open", "c-kathmandu", "2024-06-01T09:20:00.000Z"),
    event("open", "c-kathmandu", "2024-06-01T10:10:00.000Z"),
    // Either side of midnight UTC: two UTC days, two New York hours, one Kathmandu hour (05:35, 05:50).
    event("initial_open", "c-midnight", "2024-06-01T23:50:00.000Z"),
    event("initial_open", "c-midnight", "2024-06-02T00:05:00.000Z"),
    // An open, a click and an AMP open in one hour: one confirmed open, two rendered.
    event("open", "c-confirmed", "2024-06-01T11:10:00.000Z"),
    event("click", "c-confirmed", "2024-06-01T11:12:00.000Z"),
    event("amp_open", "c-confirmed", "2024-06-01T11:40:00.000Z"),
    event("amp_initial_open", "c-confirmed", "2024-06-01T11:41:00.000Z"),
    event("amp_click", "c-confirmed", "2024-06-02T11:41:00.000Z"),
    // The later of two opens in one hour arrives first.
    event("open", "c-late", "2024-06-01T15:50:00.000Z"),
    // Bounces every route must classify: an Admin one, one without class or reason, an out-of-band one.
    event("bounce", "c-admin", "2024-06-01T12:00:00.000Z", {
      bounce_class: "25",
      reason: "550 5.7.1 [internal] admin",
    }),
    event("bounce", "c-unclassified", "2024-06-01T12:01:00.000Z", { bounce_class: undefined, reason: undefined }),
    event("out_of_band", "c-oob", "2024-06-02T12:02:00.000Z", { bounce_class: "10", reason: "550 5.1.1 unknown" }),
    event("delivery", "c-oob", "2024-06-02T12:00:00.000Z", { num_retries: "2", queue_time: "9000", msg_size: "12" }),
    event("delay", "c-oob", "2024-06-02T11:00:00.000Z", { num_retries: "0", reason: "421 later" }),
    // Engagement without a campaign (after SparkPost's enrichment period): in totals, not in campaign rows.
    event("open", "c-unenriched", "2024-06-02T08:00:00.000Z", { campaign_id: undefined, template_id: undefined }),
  ];
  const late = [event("open", "c-late", "2024-06-01T15:10:00.000Z")];
  return { early, late };
}

/**
 * The batches in the order they are posted: generated traffic over 2024-06-01..03 and its bursts interleaved with
 * the crafted messages, each batch repeating the last 25 records of the one before (an event in two batches), and
 * the first batch posted again at the end (a retry).
 */
export function oracleBatches(): WebhookRecord[][] {
  const spread = generateEvents(4_000, {
    seed: 31,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-04T00:00:00Z"),
    campaigns: 12,
    recipientDomains: 30,
  });
  // Dense hours: about 500 messages, each opened and clicked a few times within the hour.
  const burst = generateEvents(1_500, {
    seed: 32,
    from: new Date("2024-06-01T10:00:00Z"),
    to: new Date("2024-06-01T11:00:00Z"),
    campaigns: 6,
    recipientDomains: 10,
  });
  const midnight = generateEvents(1_500, {
    seed: 33,
    from: new Date("2024-06-02T23:30:00Z"),
    to: new Date("2024-06-03T00:30:00Z"),
    campaigns: 6,
    recipientDomains: 10,
  });
  const { early, late } = craftedMessages();
  const records = [...spread, ...burst, ...midnight].map(withMailboxProvider);
  const batches: WebhookRecord[][] = [];
  const size = 500;
  for (let start = 0; start < records.length; start += size) {
    const previous = batches[batches.length - 1] ?? [];
    batches.push([...previous.slice(-25), ...records.slice(start, start + size)]);
  }
  batches.splice(2, 0, early);
  batches.push(late, batches[0] ?? []);
  return batches;
}

import type { EventInsert } from "../db/tables.ts";
import type { EventFieldName } from "./event-types.ts";

/** Keyed by fields the event model names, so a column can only be filled from a field the model documents. */
type ByEventField<Value> = { [Field in EventFieldName]?: Value };

/** Event fields whose text is kept in its own column (and then left out of `payload`). */
export const TEXT_COLUMNS = {
  message_id: "messageId",
  transmission_id: "transmissionId",
  rcpt_to: "recipient",
  recipient_domain: "recipientDomain",
  friendly_from: "friendlyFrom",
  sending_domain: "sendingDomain",
  subject: "subject",
  campaign_id: "campaignId",
  template_id: "templateId",
  ip_pool: "ipPool",
  sending_ip: "sendingIp",
  reason: "reason",
  mailbox_provider: "mailboxProvider",
  mailbox_provider_region: "mailboxProviderRegion",
  ab_test_id: "abTestId",
} as const satisfies ByEventField<keyof EventInsert>;

/**
 * Event fields coerced to integers. `asString` says how the Events API shape renders them: SparkPost returns
 * customer_id and subaccount_id as integers, the others as the strings the webhooks carry.
 */
export const INTEGER_COLUMNS = {
  customer_id: { column: "customerId", max: 2_147_483_647, asString: false },
  subaccount_id: { column: "subaccountId", max: 2_147_483_647, asString: false },
  bounce_class: { column: "bounceClass", max: 32_767, asString: true },
  ab_test_version: { column: "abTestVersion", max: 2_147_483_647, asString: true },
} as const satisfies ByEventField<{ column: keyof EventInsert; max: number; asString: boolean }>;

export type TextField = keyof typeof TEXT_COLUMNS;
export type IntegerField = keyof typeof INTEGER_COLUMNS;

/**
 * Longest text (in UTF-8 bytes) put in a column. A B-tree entry must fit in a third of a page (about 2,700 bytes);
 * a longer value stays in `payload` only, so one odd event can never make its whole batch fail to load.
 */
export const MAX_COLUMN_TEXT_BYTES = 1024;

/**
 * Fields SQL reads from `payload` (jsonb), so they stay there rather than in the encoded body: the search-token index
 * and the search re-checks read rcpt_meta and rcpt_tags (migration 0002), and a text field whose value is not in its
 * column (too long, or not text) is read from payload by the search functions and triggers (0002, 0006, 0010).
 */
export const SEARCHED_PAYLOAD_FIELDS: ReadonlySet<string> = new Set(["rcpt_meta", "rcpt_tags"]);

/**
 * Fields the Metrics API's rollup trigger reads, by event type (msgevents_event_metrics, migrations 0008 and 0028):
 * whether a delivery or delay was retried, and a delivery's queue time and size. Other types never use them.
 */
export const METRIC_FIELDS: Readonly<Record<string, ReadonlySet<MetricField>>> = {
  delivery: new Set(["num_retries", "queue_time", "msg_size"]),
  delay: new Set(["num_retries"]),
};

/**
 * Where the rollup trigger reads those fields (migration 0028): a value SparkPost's way, a string of digits without
 * leading zeros that fits, lives in its column alone (2 or 4 bytes, where `payload` took about 60 for the three); any
 * other value stays in `payload`, read there exactly as before. The Events API renders a column's value back as that
 * string, among the payload's fields.
 */
export const METRIC_COLUMNS = {
  num_retries: { column: "numRetries", max: 32_767 },
  queue_time: { column: "queueTime", max: 2_147_483_647 },
  msg_size: { column: "msgSize", max: 2_147_483_647 },
} as const satisfies ByEventField<{ column: keyof EventInsert; max: number }>;

export type MetricField = keyof typeof METRIC_COLUMNS;

export const MAX_EVENT_ID_LENGTH = 200;
export const MAX_TYPE_LENGTH = 64;

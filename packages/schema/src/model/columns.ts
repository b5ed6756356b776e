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

export const MAX_EVENT_ID_LENGTH = 200;
export const MAX_TYPE_LENGTH = 64;

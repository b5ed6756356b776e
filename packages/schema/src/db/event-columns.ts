import type { NormalizedEvent } from "../model/normalize.ts";

/**
 * The `events` columns a normalized event fills, with the SQL type insertEvents sends it as. batch_number comes from
 * the batch the event was received in, and body is the event's encoded body (see insert-events.ts). A loader test
 * checks this list against the migrated database, so a column added to the schema cannot be silently left out of
 * loads.
 */
export const EVENT_COLUMNS = [
  ["event_time", "eventTime", "timestamptz"],
  ["type", "type", "text"],
  ["event_id", "eventId", "text"],
  ["message_id", "messageId", "text"],
  ["transmission_id", "transmissionId", "text"],
  ["rcpt_to", "recipient", "text"],
  ["recipient_domain", "recipientDomain", "text"],
  ["friendly_from", "friendlyFrom", "text"],
  ["sending_domain", "sendingDomain", "text"],
  ["subject", "subject", "text"],
  ["campaign_id", "campaignId", "text"],
  ["template_id", "templateId", "text"],
  ["ip_pool", "ipPool", "text"],
  ["sending_ip", "sendingIp", "text"],
  ["reason", "reason", "text"],
  ["bounce_class", "bounceClass", "smallint"],
  ["subaccount_id", "subaccountId", "integer"],
  ["customer_id", "customerId", "integer"],
  ["mailbox_provider", "mailboxProvider", "text"],
  ["mailbox_provider_region", "mailboxProviderRegion", "text"],
  ["ab_test_id", "abTestId", "text"],
  ["ab_test_version", "abTestVersion", "integer"],
  ["num_retries", "numRetries", "smallint"],
  ["queue_time", "queueTime", "integer"],
  ["msg_size", "msgSize", "integer"],
  ["payload", "payload", "jsonb"],
] as const satisfies ReadonlyArray<
  readonly [column: string, field: Exclude<keyof NormalizedEvent, "body">, sqlType: string]
>;

/** Columns the loader sets per batch rather than per event. */
export const BATCH_LEVEL_COLUMNS = ["batch_number"] as const;

/** Columns of events stored before migration 0014, which named their batch by id and receipt time. */
export const LEGACY_COLUMNS = ["batch_id", "received_at"] as const;

/** The column of the encoded body, which insertEvents sends apart from the others. */
export const BODY_COLUMN = "body";

/** The column of a row's recipient payload id (migration 0032), which insertEvents sets from its naming. */
export const PAYLOAD_REF_COLUMN = "payload_ref";

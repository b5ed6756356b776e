import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * Hashed search tokens of every filterable value of an event (keywords, exact values, rcpt_meta key=value pairs,
 * rcpt_tags), computed by msgevents_search_hashes (migration 0002). Indexed as an expression rather than stored, which
 * keeps rows small; queries must repeat this exact expression to use the index. Owned and documented by packages/query.
 */
export const eventSearchHashes = sql`msgevents_search_hashes(rcpt_to, recipient_domain, friendly_from, sending_domain, subject, campaign_id, template_id, ip_pool, sending_ip, reason, mailbox_provider, mailbox_provider_region, ab_test_id, message_id, transmission_id, subaccount_id, bounce_class, payload)`;

/**
 * One row per stored event. Range-partitioned by `event_time` (one partition per UTC day; see the partitioning
 * migration), so the primary key includes it. `(event_id, type, event_time)` makes re-loading an event a no-op while
 * keeping SparkPost's sample events apart: the samples share one event_id and timestamp across all types.
 *
 * Columns hold what the Events API filters on; `payload` holds every other field of the event. Text fields stored in
 * a column are left out of `payload` (see model/columns.ts), which keeps a row near the size of its raw JSON.
 */
export const events = pgTable(
  "events",
  {
    eventTime: timestamp("event_time", { withTimezone: true, precision: 3 }).notNull(),
    type: text("type").notNull(),
    eventId: text("event_id").notNull(),
    batchId: text("batch_id").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, precision: 3 }).notNull(),
    messageId: text("message_id"),
    transmissionId: text("transmission_id"),
    recipient: text("rcpt_to"),
    recipientDomain: text("recipient_domain"),
    friendlyFrom: text("friendly_from"),
    sendingDomain: text("sending_domain"),
    subject: text("subject"),
    campaignId: text("campaign_id"),
    templateId: text("template_id"),
    ipPool: text("ip_pool"),
    sendingIp: text("sending_ip"),
    reason: text("reason"),
    bounceClass: smallint("bounce_class"),
    subaccountId: integer("subaccount_id"),
    customerId: integer("customer_id"),
    mailboxProvider: text("mailbox_provider"),
    mailboxProviderRegion: text("mailbox_provider_region"),
    abTestId: text("ab_test_id"),
    abTestVersion: integer("ab_test_version"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
  },
  // Indexes are owned by packages/query (see its README): few and measured, to keep storage near the raw JSON size.
  (table) => [
    primaryKey({ name: "events_pkey", columns: [table.eventId, table.type, table.eventTime] }),
    // Time order for pages; `type` makes `events=` counts index-only scans.
    index("events_event_time_type_idx").on(table.eventTime, table.type),
    // Every other filter: one GIN over the hashed tokens, re-checked exactly by the query.
    index("events_search_hashes_idx").using("gin", eventSearchHashes),
    // Campaign and template searches: the keyword is looked up among the distinct values (search_values), then
    // counted per partition by index-only scans of these B-trees (deduplicated: a few bytes per event).
    index("events_campaign_id_idx").on(table.campaignId),
    index("events_template_id_idx").on(table.templateId),
  ],
);

/** Fields whose distinct values search_values keeps, with the events column each names. */
export const VALUE_LISTED_FIELDS = ["campaign_id", "template_id"] as const;
export type ValueListedField = (typeof VALUE_LISTED_FIELDS)[number];

/**
 * Every distinct campaign_id and template_id ever stored, kept by a statement trigger on `events` (migration 0006)
 * in the transaction that stores the events. A keyword search over these low-cardinality fields first finds the
 * matching values here, through a GIN over their keyword hashes, then filters events by value. A row whose field is
 * `<field>:overlong` records that some value was too long for its column (payload only), which the B-trees cannot
 * find; searches of that field then keep to the token index. Values are never removed: a value whose events expired
 * only costs an index probe.
 */
export const searchValues = pgTable(
  "search_values",
  {
    field: text("field").notNull(),
    value: text("value").notNull(),
  },
  (table) => [
    primaryKey({ name: "search_values_pkey", columns: [table.field, table.value] }),
    index("search_values_keywords_idx").using("gin", sql`msgevents_keyword_hashes('', ${table.value}, false)`),
  ],
);

export const BATCH_STATUSES = ["pending", "loaded", "failed"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** One row per received webhook batch, written by the loader in the same transaction as the batch's events. */
export const batches = pgTable(
  "batches",
  {
    batchId: text("batch_id").primaryKey(),
    objectKey: text("object_key").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, precision: 3 }).notNull(),
    loadedAt: timestamp("loaded_at", { withTimezone: true, precision: 3 }),
    status: text("status").$type<BatchStatus>().notNull().default("pending"),
    bytes: integer("bytes"),
    eventsLoaded: integer("events_loaded").notNull().default(0),
    eventsDuplicate: integer("events_duplicate").notNull().default(0),
    recordsRejected: integer("records_rejected").notNull().default(0),
    /** Why each rejected record was refused: `[{"index": 3, "reason": "..."}]`. */
    rejections: jsonb("rejections").$type<{ index: number; reason: string }[]>(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
  },
  (table) => [
    check("batches_status_check", sql`${table.status} in ('pending', 'loaded', 'failed')`),
    uniqueIndex("batches_object_key_idx").on(table.objectKey),
    index("batches_received_at_idx").on(table.receivedAt),
    index("batches_status_idx").on(table.status).where(sql`${table.status} <> 'loaded'`),
  ],
);

export type EventRow = typeof events.$inferSelect;
export type EventInsert = typeof events.$inferInsert;
export type BatchRow = typeof batches.$inferSelect;

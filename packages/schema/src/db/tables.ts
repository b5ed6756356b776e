import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  type PgColumnBuilderBase,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/** bytea as a Buffer (drizzle has no built-in bytea column). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * Hashed search tokens of every filterable value of an event (keywords, exact values, rcpt_meta key=value pairs,
 * rcpt_tags), computed by msgevents_search_hashes (migration 0002). Indexed as an expression rather than stored, which
 * keeps rows small; queries must repeat this exact expression to use the index. Owned and documented by packages/query.
 */
export const eventSearchHashes = sql`msgevents_search_hashes(rcpt_to, recipient_domain, friendly_from, sending_domain, subject, campaign_id, template_id, ip_pool, sending_ip, reason, mailbox_provider, mailbox_provider_region, ab_test_id, message_id, transmission_id, subaccount_id, bounce_class, payload)`;

/**
 * The event types most events are (injection, delivery and the opens and clicks: about 90% of realistic traffic),
 * which the rare-type index leaves out: a search for one of them takes its candidates from the time index.
 */
export const COMMON_EVENT_TYPES = ["injection", "delivery", "open", "initial_open", "click"] as const;
/** The partial index over every other type (migration 0021). */
export const RARE_TYPE_INDEX = "events_rare_type_time_idx";

/**
 * The texts stored as ids into `event_texts` (migration 0030): each with the events column that holds it otherwise
 * and the one that holds its id. They repeat across a day's events (a few subjects and senders, a transmission's
 * events) and no trigger groups by them, so an id stands in for the text wherever SQL reads them.
 */
export const TEXT_REFS = [
  { field: 1, column: "subject", ref: "subject_ref", key: "subject", refKey: "subjectRef" },
  { field: 2, column: "friendly_from", ref: "friendly_from_ref", key: "friendlyFrom", refKey: "friendlyFromRef" },
  { field: 3, column: "transmission_id", ref: "transmission_ref", key: "transmissionId", refKey: "transmissionRef" },
] as const satisfies readonly { field: number; column: string; ref: string; key: string; refKey: string }[];
export type TextRef = (typeof TEXT_REFS)[number];

/**
 * The index of the rows whose recipient fields (rcpt_meta, rcpt_tags) are stored as an id into `event_payloads`
 * (migration 0032): rcpt_meta and rcpt_tags searches find the matching payloads there, then the rows here.
 */
export const PAYLOAD_REFS_INDEX = "events_payload_ref_idx";

/** The index over the ids of a row's texts (migration 0030), valid once every stored day has its copy. */
export const TEXT_REFS_INDEX = "events_text_refs_idx";
/**
 * The ids of a row's texts, as the text-refs index holds them; queries must repeat this exact expression, and the
 * index's predicate (textRefsPresent) holds for every row with one.
 */
export const eventTextRefs = sql`array_remove(ARRAY[subject_ref, friendly_from_ref, transmission_ref], NULL)`;
export const textRefsPresent = sql`(subject_ref IS NOT NULL OR friendly_from_ref IS NOT NULL OR transmission_ref IS NOT NULL)`;

/**
 * One row per stored event. Range-partitioned by `event_time` (one partition per UTC day; see the partitioning
 * migration), so the primary key includes it. `(event_id, type, event_time)` makes re-loading an event a no-op while
 * keeping SparkPost's sample events apart: the samples share one event_id and timestamp across all types.
 *
 * Columns hold what the Events API filters on. `payload` (jsonb) holds the few other fields SQL reads (rcpt_meta,
 * rcpt_tags, a value too long for its column, the rollups' fields of deliveries and delays; NULL when there are
 * none), and `body` every other field, encoded (encoding/body-codec.ts: zstd with a dictionary of SparkPost events).
 * Events stored before migration 0013 have every field beyond the columns in `payload` and no body.
 */
export const events = pgTable(
  "events",
  {
    eventTime: timestamp("event_time", { withTimezone: true, precision: 3 }).notNull(),
    type: text("type").notNull(),
    eventId: text("event_id").notNull(),
    /** The batch, for events stored before migration 0014; later events name it by batchNumber. */
    batchId: text("batch_id"),
    /** When the batch was received, for events stored before migration 0014 (the batch's row has it). */
    receivedAt: timestamp("received_at", { withTimezone: true, precision: 3 }),
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
    payload: jsonb("payload").$type<Record<string, unknown>>(),
    body: bytea("body"),
    /** The batch's `batches.batch_number` (4 bytes, where its id and receipt time took about 40). */
    batchNumber: integer("batch_number"),
    /** A delivery's or delay's metric fields, when SparkPost's way (METRIC_COLUMNS; before 0028 in `payload`). */
    numRetries: smallint("num_retries"),
    queueTime: integer("queue_time"),
    msgSize: integer("msg_size"),
    /** Since migration 0030, ids into event_texts of a subject, friendly_from and transmission_id (TEXT_REFS). */
    subjectRef: integer("subject_ref"),
    friendlyFromRef: integer("friendly_from_ref"),
    transmissionRef: integer("transmission_ref"),
    /**
     * Since migration 0032, an id into event_payloads of the row's rcpt_meta and rcpt_tags (RECIPIENT_PAYLOAD_FIELDS),
     * which `payload` then leaves out; NULL where the row keeps them in `payload`.
     */
    payloadRef: integer("payload_ref"),
  },
  // Indexes are owned by packages/query (see its README): few and measured, to keep storage near the raw JSON size.
  (table) => [
    primaryKey({ name: "events_pkey", columns: [table.eventId, table.type, table.eventTime] }),
    // Time order for pages; `type` makes `events=` counts index-only scans.
    index("events_event_time_type_idx").on(table.eventTime, table.type),
    // The rarer types by time (bounces, delays, rejections, complaints, unsubscribes…: about 8% of realistic traffic),
    // so that a search for one of them reads its own entries instead of every entry of the day's time index above.
    // Built on the partitions stored before migration 0021 by its backfill (src/backfills/declarations.ts).
    index(RARE_TYPE_INDEX)
      .on(table.type, table.eventTime)
      .where(sql.raw(`type NOT IN (${COMMON_EVENT_TYPES.map((type) => `'${type}'`).join(", ")})`)),
    // Every other filter: one GIN over the hashed tokens, re-checked exactly by the query.
    index("events_search_hashes_idx").using("gin", eventSearchHashes),
    // Campaign and template searches: the keyword is looked up among the distinct values (search_values), then
    // counted per partition by index-only scans of these B-trees (deduplicated: a few bytes per event).
    index("events_campaign_id_idx").on(table.campaignId),
    index("events_template_id_idx").on(table.templateId),
    // The texts stored as ids (TEXT_REFS): their searches find the matching ids in event_texts, then the rows here.
    index(TEXT_REFS_INDEX).using("gin", eventTextRefs).where(textRefsPresent),
    // The recipient fields stored as ids: only rows with one are in it (a few bytes per event, none for the others).
    index(PAYLOAD_REFS_INDEX).on(table.payloadRef).where(sql`payload_ref IS NOT NULL`),
  ],
);

/**
 * The distinct texts events name by id (TEXT_REFS, migration 0030): one row per field and value, never changed, so a
 * row's id always names the same text. The loader adds the values it stores, inside its transaction; a row that no
 * event names any more (its days dropped, its recipient erased) is removed by msgevents_collect_event_texts.
 */
export const eventTexts = pgTable(
  "event_texts",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    field: smallint("field").notNull(),
    value: text("value").notNull(),
  },
  (table) => [
    uniqueIndex("event_texts_field_value_key").on(table.field, table.value),
    // Subject keyword searches: the same keyword hashes as search_values' index.
    index("event_texts_keywords_idx")
      .using("gin", sql`msgevents_keyword_hashes('', ${table.value}, false)`)
      .where(sql`field = 1`),
  ],
);

/**
 * The distinct recipient fields events name by id (migration 0032): one row per value, a jsonb object holding an
 * event's rcpt_meta and rcpt_tags as received (a recipient's every event carries the same ones), never changed. The
 * loader adds the values it stores, inside its transaction; a value no event names any more is removed by
 * msgevents_collect_event_payloads. Searches find the values a rcpt_meta or rcpt_tags filter matches through the
 * same hashed tokens as the events' search index (msgevents_payload_hashes).
 */
export const eventPayloads = pgTable(
  "event_payloads",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    value: jsonb("value").$type<Record<string, unknown>>().notNull(),
  },
  (table) => [
    // Unique by the SHA-256 of the value's text (jsonb's canonical form): a 32-byte key where the value took about 170
    // bytes, and probed in half the time of a jsonb comparison.
    uniqueIndex("event_payloads_value_key").using("btree", sql`sha256((${table.value})::text::bytea)`),
    index("event_payloads_hashes_idx").using("gin", sql`msgevents_payload_hashes(${table.value})`),
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

/**
 * What the Metrics API groups and filters by, each with the `events` column it reads; `""` is the whole account.
 * Each event adds to the rollup row of every dimension whose value it has (`subaccount` 0 = the primary account).
 */
export const METRIC_DIMENSIONS = [
  "",
  "domain",
  "campaign",
  "template",
  "sending_ip",
  "ip_pool",
  "sending_domain",
  "subaccount",
  "mailbox_provider",
  "mailbox_provider_region",
] as const;
export type MetricDimension = (typeof METRIC_DIMENSIONS)[number];

/** Rollup increments in minutes: 15 minutes (every IANA offset is a multiple) and one UTC day. */
export const ROLLUP_INCREMENTS = [15, 1440] as const;
export type RollupIncrement = (typeof ROLLUP_INCREMENTS)[number];

/** The counters a rollup row keeps; every other served metric is a sum or difference of these. */
export const ROLLUP_COUNTERS = [
  "count_injected",
  "count_policy_rejection",
  "count_generation_rejection",
  "count_generation_failed",
  "count_delivered",
  "count_delivered_first",
  "count_delivered_subsequent",
  "count_delayed",
  "count_delayed_first",
  "count_inband_bounce",
  "count_outofband_bounce",
  "count_hard_bounce",
  "count_soft_bounce",
  "count_block_bounce",
  "count_undetermined_bounce",
  "count_admin_bounce",
  "count_rendered",
  "count_initial_rendered",
  "count_clicked",
  "count_spam_complaint",
  "count_unsubscribe",
  "count_unique_rendered",
  "count_unique_initial_rendered",
  "count_unique_clicked",
  "count_unique_confirmed_opened",
  "total_delivery_time_first",
  "total_delivery_time_subsequent",
  "total_msg_volume",
] as const;
export type RollupCounter = (typeof ROLLUP_COUNTERS)[number];

/**
 * Counts are `integer` (a value would need 2^31 events in one increment to overflow, which fails its batch loudly
 * rather than wrapping) and sums of milliseconds or bytes `bigint`: narrow rows keep the rollups small.
 */
const counter = (name: RollupCounter) =>
  name.startsWith("total_")
    ? bigint(name, { mode: "number" }).notNull().default(0)
    : integer(name).notNull().default(0);

/**
 * A counter written as NULL where it is zero (migration 0020). A row counts a few kinds of events (a quarter hour of
 * one recipient domain: its deliveries and opens, say), so most of its counters are zero, and a NULL costs one bit of
 * the row's null bitmap where a zero took 4 or 8 bytes. Readers sum them (`sum` skips NULLs) and coalesce the sums;
 * rows stored before 0020 keep their zeros, which read the same.
 */
const sparseCounter = (name: RollupCounter) =>
  name.startsWith("total_") ? bigint(name, { mode: "number" }) : integer(name);

/**
 * The rollup tables whose ended days are compacted, for their columns here and their readers (packages/query,
 * metrics/sources.ts): the increment whose rows are compacted (`minutes`), the arrays' names (`quarters` and
 * `quarter_<counter>`, `hours` and `hour_<counter>`), the columns that, with the dimension and the time, name a row,
 * and the table that holds the compacted days (`slotsTable`, migration 0025; 0023 kept them in the day rows, which
 * still hold them until the maintenance moves them). msgevents_compact_rollups (SQL) is called with the same.
 */
export const COMPACTED_ROLLUPS = {
  metric_rollups: { minutes: 15, slot: "quarter", keys: ["value"], slotsTable: "metric_rollup_quarters" },
  bounce_rollups: {
    minutes: 15,
    slot: "quarter",
    keys: ["value", "reason", "bounce_class"],
    slotsTable: "bounce_rollup_quarters",
  },
  reason_rollups: { minutes: 60, slot: "hour", keys: ["value", "reason"], slotsTable: "reason_rollup_hours" },
} as const satisfies Record<
  string,
  { minutes: 15 | 60; slot: "quarter" | "hour"; keys: readonly string[]; slotsTable: string }
>;

type CompactedRollup = keyof typeof COMPACTED_ROLLUPS;

/**
 * The compacted rows of the smaller increment of an ended day, for one value (migration 0023): `quarters` (or
 * `hours`) the quarter hours (0-95) or hours (0-23) that had events, ascending, and per counter an array of its values
 * in them (`quarter_<counter>`, `hour_<counter>`; NULL where zero, the whole array NULL where all are). In the rows of
 * the slots tables (0025); in a rollup table, NULL but in the day rows 0023 compacted, until the maintenance moves them.
 */
function slotArrays(table: CompactedRollup, counters: readonly RollupCounter[]): Record<string, PgColumnBuilderBase> {
  const { slot } = COMPACTED_ROLLUPS[table];
  return {
    [`${slot}s`]: smallint(`${slot}s`).array(),
    ...Object.fromEntries(
      counters.map((name) => [
        `${slot}_${name}`,
        name.startsWith("total_")
          ? bigint(`${slot}_${name}`, { mode: "number" }).array()
          : integer(`${slot}_${name}`).array(),
      ]),
    ),
  };
}

/**
 * The compacted day rows of a rollup table (those holding slotArrays, as 0023 left them) by dimension and day
 * (migration 0024). The compaction finds through it the days whose arrays it still has to move (0025), and a window's
 * cut days read their elements through it until then: without it, the planner scanned the whole table for them.
 * Loads never write the arrays, so their updates stay HOT.
 */
function compactedDayIndex(table: CompactedRollup, columns: { dimension: AnyPgColumn; bucketStart: AnyPgColumn }) {
  return index(`${table}_compacted_idx`)
    .on(columns.dimension, columns.bucketStart)
    .where(sql.raw(`"${COMPACTED_ROLLUPS[table].slot}s" IS NOT NULL`));
}

/**
 * Metrics API rollups (migration 0008): the counters of the events in one increment (`bucket_minutes` long, starting
 * at `bucket_start`, UTC-aligned) for one value of one dimension. Kept by a statement trigger on `events` from the
 * rows each INSERT actually inserted, in the loader's transaction, so they can never disagree with the events; rows
 * of a day go when retention drops the day's partition. A counter with nothing counted is NULL (rows written before
 * migration 0020 hold 0). Once a day has ended, the hourly maintenance compacts it (migrations 0023, 0025): each
 * quarter-hour row moves into the value's row of the day in metric_rollup_quarters as one element of its arrays
 * (slotArrays). A quarter hour's counters are then its element there plus its row, if events arrived after the
 * compaction. Owned and documented by packages/query
 * ("Metrics API").
 */
export const metricRollups = pgTable(
  "metric_rollups",
  {
    bucketMinutes: smallint("bucket_minutes").notNull(),
    dimension: text("dimension").$type<MetricDimension>().notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    value: text("value").notNull(),
    countInjected: sparseCounter("count_injected"),
    countPolicyRejection: sparseCounter("count_policy_rejection"),
    countGenerationRejection: sparseCounter("count_generation_rejection"),
    countGenerationFailed: sparseCounter("count_generation_failed"),
    countDelivered: sparseCounter("count_delivered"),
    countDeliveredFirst: sparseCounter("count_delivered_first"),
    countDeliveredSubsequent: sparseCounter("count_delivered_subsequent"),
    countDelayed: sparseCounter("count_delayed"),
    countDelayedFirst: sparseCounter("count_delayed_first"),
    countInbandBounce: sparseCounter("count_inband_bounce"),
    countOutofbandBounce: sparseCounter("count_outofband_bounce"),
    countHardBounce: sparseCounter("count_hard_bounce"),
    countSoftBounce: sparseCounter("count_soft_bounce"),
    countBlockBounce: sparseCounter("count_block_bounce"),
    countUndeterminedBounce: sparseCounter("count_undetermined_bounce"),
    countAdminBounce: sparseCounter("count_admin_bounce"),
    countRendered: sparseCounter("count_rendered"),
    countInitialRendered: sparseCounter("count_initial_rendered"),
    countClicked: sparseCounter("count_clicked"),
    countSpamComplaint: sparseCounter("count_spam_complaint"),
    countUnsubscribe: sparseCounter("count_unsubscribe"),
    countUniqueRendered: sparseCounter("count_unique_rendered"),
    countUniqueInitialRendered: sparseCounter("count_unique_initial_rendered"),
    countUniqueClicked: sparseCounter("count_unique_clicked"),
    countUniqueConfirmedOpened: sparseCounter("count_unique_confirmed_opened"),
    totalDeliveryTimeFirst: sparseCounter("total_delivery_time_first"),
    totalDeliveryTimeSubsequent: sparseCounter("total_delivery_time_subsequent"),
    totalMsgVolume: sparseCounter("total_msg_volume"),
    ...slotArrays("metric_rollups", ROLLUP_COUNTERS),
  },
  (table) => [
    primaryKey({
      name: "metric_rollups_pkey",
      columns: [table.bucketMinutes, table.dimension, table.bucketStart, table.value],
    }),
    compactedDayIndex("metric_rollups", table),
  ],
);

/** bounce_rollups' counters. */
export const BOUNCE_ROLLUP_COUNTERS = [
  "count_inband_bounce",
  "count_outofband_bounce",
  "count_admin_bounce",
] as const satisfies readonly RollupCounter[];

/**
 * Bounce counters by reason and bounce class, per increment and dimension value like metric_rollups, for the
 * bounce-reason and bounce-classification routes. A bounce without a reason has `reason` '' and one without a class
 * `bounce_class` 1 (Undetermined).
 *
 * Once a day has ended, the hourly maintenance compacts it, as metric_rollups (slotArrays): each quarter-hour row
 * moves into bounce_rollup_quarters, where a row of its own cost about six times as much (its key repeats the reason).
 */
export const bounceRollups = pgTable(
  "bounce_rollups",
  {
    bucketMinutes: smallint("bucket_minutes").notNull(),
    dimension: text("dimension").$type<MetricDimension>().notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    value: text("value").notNull(),
    reason: text("reason").notNull(),
    bounceClass: smallint("bounce_class").notNull(),
    countInbandBounce: counter("count_inband_bounce"),
    countOutofbandBounce: counter("count_outofband_bounce"),
    countAdminBounce: counter("count_admin_bounce"),
    ...slotArrays("bounce_rollups", BOUNCE_ROLLUP_COUNTERS),
  },
  (table) => [
    primaryKey({
      name: "bounce_rollups_pkey",
      columns: [table.bucketMinutes, table.dimension, table.bucketStart, table.value, table.reason, table.bounceClass],
    }),
    compactedDayIndex("bounce_rollups", table),
  ],
);

/** reason_rollups' counters. */
export const REASON_ROLLUP_COUNTERS = [
  "count_delayed",
  "count_delayed_first",
  "count_policy_rejection",
  "count_generation_rejection",
  "count_generation_failed",
] as const satisfies readonly RollupCounter[];

/**
 * Delay and rejection counters by reason, per UTC hour (60) and day (1440) and dimension value (migration 0016), for
 * the delay-reason and rejection-reason routes. An event without a reason has `reason` ''. Once a day has ended, the
 * hourly maintenance moves its hour rows into reason_rollup_hours (slotArrays, migration 0025), as metric_rollups'
 * quarter hours.
 */
export const reasonRollups = pgTable(
  "reason_rollups",
  {
    bucketMinutes: smallint("bucket_minutes").notNull(),
    dimension: text("dimension").$type<MetricDimension>().notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    value: text("value").notNull(),
    reason: text("reason").notNull(),
    countDelayed: sparseCounter("count_delayed"),
    countDelayedFirst: sparseCounter("count_delayed_first"),
    countPolicyRejection: sparseCounter("count_policy_rejection"),
    countGenerationRejection: sparseCounter("count_generation_rejection"),
    countGenerationFailed: sparseCounter("count_generation_failed"),
    ...slotArrays("reason_rollups", REASON_ROLLUP_COUNTERS),
  },
  (table) => [
    primaryKey({
      name: "reason_rollups_pkey",
      columns: [table.bucketMinutes, table.dimension, table.bucketStart, table.value, table.reason],
    }),
    compactedDayIndex("reason_rollups", table),
  ],
);

/**
 * The compacted days of metric_rollups (migration 0025): per dimension value and ended UTC day, its quarter-hour rows
 * as arrays (slotArrays), written by the hourly maintenance (msgevents_compact_rollups) as it deletes those rows. Apart
 * from the day rows, which loads keep updating and whole days are read from, so that these stay narrow (with the
 * arrays in them, 0023, the day rows were 4-6 times wider and a month's group-by read most of the table). Goes with its
 * day row: a statement trigger deletes it when the row is deleted (retention, the rollups' recounts).
 */
export const metricRollupQuarters = pgTable(
  "metric_rollup_quarters",
  {
    dimension: text("dimension").$type<MetricDimension>().notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    value: text("value").notNull(),
    ...slotArrays("metric_rollups", ROLLUP_COUNTERS),
  },
  (table) => [
    primaryKey({ name: "metric_rollup_quarters_pkey", columns: [table.dimension, table.bucketStart, table.value] }),
  ],
);

/**
 * The compacted days of bounce_rollups, as metricRollupQuarters (migration 0025). Indexed without the reason, whose
 * text a key would repeat (a primary key with it cost 241 B a row at 1M events): a value's rows of a day are few, and
 * the compaction, which alone writes them, holds the day rows' locks, so no two rows share a key.
 */
export const bounceRollupQuarters = pgTable(
  "bounce_rollup_quarters",
  {
    dimension: text("dimension").$type<MetricDimension>().notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    value: text("value").notNull(),
    reason: text("reason").notNull(),
    bounceClass: smallint("bounce_class").notNull(),
    ...slotArrays("bounce_rollups", BOUNCE_ROLLUP_COUNTERS),
  },
  (table) => [index("bounce_rollup_quarters_value_idx").on(table.dimension, table.bucketStart, table.value)],
);

/** The compacted days of reason_rollups (their hours), as bounceRollupQuarters (migration 0025). */
export const reasonRollupHours = pgTable(
  "reason_rollup_hours",
  {
    dimension: text("dimension").$type<MetricDimension>().notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    value: text("value").notNull(),
    reason: text("reason").notNull(),
    ...slotArrays("reason_rollups", REASON_ROLLUP_COUNTERS),
  },
  (table) => [index("reason_rollup_hours_value_idx").on(table.dimension, table.bucketStart, table.value)],
);

/**
 * Which engagement each message had in one UTC day (migration 0016): `seen` holds `minute * 4 + kind` for each minute
 * of the day (0-1439) in which the message had an event of a unique metric's kind (0 rendered, 1 initial_rendered,
 * 2 clicked), and the minutes 1440-1469 for its events in the first half hour of the next day, which belong to hours
 * of :15 and :30 zones that start on this day. The rollup trigger upserts it and reads the row as it was before
 * (RETURNING old), so a message is counted once per minute, hour and day whatever the order, duplicates or concurrency
 * of its events' batches.
 */
export const metricEngagement = pgTable(
  "metric_engagement",
  {
    day: date("day").notNull(),
    messageId: text("message_id").notNull(),
    seen: smallint("seen").array().notNull(),
  },
  (table) => [primaryKey({ name: "metric_engagement_pkey", columns: [table.day, table.messageId] })],
);

/**
 * The UTC days whose metric_engagement rows the maintenance has pruned (migration 0026): past the late-arrival horizon
 * a day's rows are deleted, and a pruned day that has rows again was written by late events, so its rollups are
 * recounted before its rows are deleted again (msgevents_prune_engagement; src/db/engagement.ts).
 */
export const metricEngagementPruned = pgTable("metric_engagement_pruned", {
  day: date("day").primaryKey(),
});

/** A unique counter of metric_unique_rollups: the increment (prefix) and the unique metric; NULL where zero (0020). */
const unique = (name: string) => integer(name);

/**
 * Unique metrics per SparkPost's hour and day increments (migration 0016), per dimension value like metric_rollups.
 * A row of `bucket_minutes` 60 is the UTC hour `bucket_start`, and holds the uniques of the hour of each phase that
 * starts in it: `hour_*` the hour from :00, `hour15_*` from :15 (the hours of zones 5:45 or 8:45 from UTC), `hour30_*`
 * from :30 (zones 5:30, 9:30, -3:30…). A row of 1440 is a UTC day: the same sums over the hours that start in it, and
 * `day_*` the day's own uniques. (Per-minute uniques are metric_rollups' `count_unique_*`.)
 */
export const metricUniqueRollups = pgTable(
  "metric_unique_rollups",
  {
    bucketMinutes: smallint("bucket_minutes").notNull(),
    dimension: text("dimension").$type<MetricDimension>().notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    value: text("value").notNull(),
    hourRendered: unique("hour_rendered"),
    hourInitialRendered: unique("hour_initial_rendered"),
    hourClicked: unique("hour_clicked"),
    hourConfirmedOpened: unique("hour_confirmed_opened"),
    hour15Rendered: unique("hour15_rendered"),
    hour15InitialRendered: unique("hour15_initial_rendered"),
    hour15Clicked: unique("hour15_clicked"),
    hour15ConfirmedOpened: unique("hour15_confirmed_opened"),
    hour30Rendered: unique("hour30_rendered"),
    hour30InitialRendered: unique("hour30_initial_rendered"),
    hour30Clicked: unique("hour30_clicked"),
    hour30ConfirmedOpened: unique("hour30_confirmed_opened"),
    dayRendered: unique("day_rendered"),
    dayInitialRendered: unique("day_initial_rendered"),
    dayClicked: unique("day_clicked"),
    dayConfirmedOpened: unique("day_confirmed_opened"),
  },
  (table) => [
    primaryKey({
      name: "metric_unique_rollups_pkey",
      columns: [table.bucketMinutes, table.dimension, table.bucketStart, table.value],
    }),
  ],
);

/**
 * Search counts (migration 0010): how many events of one 15-minute increment (`bucket_start`, UTC-aligned) hold one
 * search token: a keyword of a keyword field ('su:your'), a whole value of a low-cardinality field ('s=10.0.0.1',
 * 'f=news@example.com', 'a=0', 'b=10'), an event type ('t=delivery'), or '*' for every event. Kept by a statement
 * trigger on `events` from the rows each INSERT actually inserted, in the loader's transaction, so a search counts
 * its matches in whole increments from here, within its own snapshot, instead of visiting every matching row. Owned
 * and documented by packages/query ("Counting matches").
 */
export const searchTokenCounts = pgTable(
  "search_token_counts",
  {
    token: text("token").notNull(),
    bucketStart: timestamp("bucket_start", { withTimezone: true }).notNull(),
    events: integer("events").notNull(),
  },
  (table) => [
    primaryKey({ name: "search_token_counts_pkey", columns: [table.token, table.bucketStart] }),
    // Retention deletes a dropped day's rows by time; rows are written roughly in time order, so a BRIN is enough.
    index("search_token_counts_bucket_idx").using("brin", table.bucketStart),
  ],
);

/**
 * The search counts of ended days, compacted (migration 0022): one row per token and UTC day holding that day's
 * search_token_counts rows of the token as two arrays, the quarter hours that have events (0-95, ascending) and their
 * counts. The same counts at the same 15-minute increments in a tenth of the space: most tokens hold a few events a
 * day (a recipient domain's keywords), and a row of their own per quarter hour cost more than the events' count.
 * The hourly maintenance moves each ended day's rows here (msgevents_compact_search_token_counts), and again the rows
 * of events that arrive later; until then, and for the day still being written, the counts are in
 * search_token_counts, so a quarter hour's count is its row there plus its element here.
 */
export const searchTokenDayCounts = pgTable(
  "search_token_day_counts",
  {
    token: text("token").notNull(),
    day: date("day").notNull(),
    quarters: smallint("quarters").array().notNull(),
    events: integer("events").array().notNull(),
  },
  (table) => [primaryKey({ name: "search_token_day_counts_pkey", columns: [table.token, table.day] })],
);

/**
 * Backfills (migration 0011): data derived from the stored events (today the Metrics API rollups and the search
 * counts) that a migration cannot compute without its time growing with the events stored, so it is filled in the
 * background instead, one day partition per transaction (src/backfills/). A migration registers a backfill by name
 * (msgevents_register_backfill), in its own transaction, with one backfill_days row per day partition that exists;
 * days created later are kept by the triggers from their first event. Queries read a derived table only for the days
 * whose row is done (or absent), and count the others from the events.
 */
export const backfills = pgTable("backfills", {
  name: text("name").primaryKey(),
  registeredAt: timestamp("registered_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  /** When a runner first started a day of it; null until then. */
  startedAt: timestamp("started_at", { withTimezone: true, precision: 3 }),
});

/**
 * One day of one backfill: pending while `done_at` is null. A runner claims the row (FOR UPDATE SKIP LOCKED), fills
 * the day and sets `done_at` in one transaction, so a day is filled whole or not at all; a day is never made pending
 * again (a later change that must recompute registers a backfill of its own).
 */
export const backfillDays = pgTable(
  "backfill_days",
  {
    /** A backfills.name (no foreign key: a constraint would name the schema, which the migrations leave open). */
    backfill: text("backfill").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    doneAt: timestamp("done_at", { withTimezone: true, precision: 3 }),
    /** Events the fill read (the day partition's rows when it was filled). */
    events: bigint("events", { mode: "number" }),
    /** How long the day's fill took, lock wait included. */
    fillMs: integer("fill_ms"),
    attempts: integer("attempts").notNull().default(0),
    /** Failed attempts since the last success: a day that keeps failing raises the maintenance alarm. */
    failures: integer("failures").notNull().default(0),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true, precision: 3 }),
    lastError: text("last_error"),
  },
  (table) => [primaryKey({ name: "backfill_days_pkey", columns: [table.backfill, table.day] })],
);

export const BATCH_STATUSES = ["pending", "loaded", "failed"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** One row per received webhook batch, written by the loader in the same transaction as the batch's events. */
export const batches = pgTable(
  "batches",
  {
    batchId: text("batch_id").primaryKey(),
    /** A short number for the batch, which its events carry instead of its id (migration 0014). */
    batchNumber: integer("batch_number").generatedAlwaysAsIdentity(),
    objectKey: text("object_key").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, precision: 3 }).notNull(),
    loadedAt: timestamp("loaded_at", { withTimezone: true, precision: 3 }),
    status: text("status").$type<BatchStatus>().notNull().default("pending"),
    bytes: integer("bytes"),
    eventsLoaded: integer("events_loaded").notNull().default(0),
    eventsDuplicate: integer("events_duplicate").notNull().default(0),
    recordsRejected: integer("records_rejected").notNull().default(0),
    /** Records dropped because their recipient was erased (the suppression list, migration 0015). */
    recordsSuppressed: integer("records_suppressed").notNull().default(0),
    /** Why each rejected record was refused: `[{"index": 3, "reason": "..."}]`. */
    rejections: jsonb("rejections").$type<{ index: number; reason: string }[]>(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
  },
  (table) => [
    check("batches_status_check", sql`${table.status} in ('pending', 'loaded', 'failed')`),
    uniqueIndex("batches_object_key_idx").on(table.objectKey),
    uniqueIndex("batches_batch_number_idx").on(table.batchNumber),
    index("batches_received_at_idx").on(table.receivedAt),
    index("batches_status_idx").on(table.status).where(sql`${table.status} <> 'loaded'`),
    // Batches with refused records are rare: /health counts them and the rejections list pages them by this.
    index("batches_rejected_idx").on(table.receivedAt, table.batchId).where(sql`${table.recordsRejected} > 0`),
  ],
);

export type EventRow = typeof events.$inferSelect;
export type EventInsert = typeof events.$inferInsert;
export type BatchRow = typeof batches.$inferSelect;

import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  customType,
  date,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * Right-to-be-forgotten tables (migration 0015), owned and documented by packages/erasure. None of them ever holds an
 * address: a recipient is known by its keyed hash (HMAC-SHA256 of the lower-cased address under the deployment's
 * recipient-hash key, which lives in the stack's secrets, never in the database).
 */

/** bytea as a Buffer (drizzle has no built-in bytea column). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/**
 * Where a request is: `pending` (accepted), `events` (deleting the recipients' events day by day from `next_day`),
 * `batches` (rewriting the raw batches that held them), `completed`.
 */
export const ERASURE_STATUSES = ["pending", "events", "batches", "completed"] as const;
export type ErasureStatus = (typeof ERASURE_STATUSES)[number];

/** `scope` of a request or a suppression: every account (SparkPost's include_subaccounts). */
export const EVERY_ACCOUNT = -1;

/**
 * One row per accepted request: the audit entry. Who asked (`credential`: an identifier of the API key, never the
 * key), when, for which accounts, how far the erasure got and what it erased. Never deleted.
 */
export const erasureRequests = pgTable(
  "erasure_requests",
  {
    requestId: bigint("request_id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    receivedAt: instant("received_at").notNull().defaultNow(),
    credential: text("credential").notNull(),
    /** -1 every account, 0 the primary account, N subaccount N (SparkPost's include_subaccounts and X-MSYS-SUBACCOUNT). */
    scope: integer("scope").notNull(),
    recipients: integer("recipients").notNull(),
    status: text("status").$type<ErasureStatus>().notNull().default("pending"),
    /** The events phase resumes at this UTC day (days before it are done). */
    nextDay: date("next_day", { mode: "string" }),
    eventsErased: bigint("events_erased", { mode: "number" }).notNull().default(0),
    batchesRewritten: integer("batches_rewritten").notNull().default(0),
    recordsRemoved: integer("records_removed").notNull().default(0),
    startedAt: instant("started_at"),
    updatedAt: instant("updated_at"),
    completedAt: instant("completed_at"),
    lastError: text("last_error"),
  },
  (table) => [
    check("erasure_requests_status_check", sql`${table.status} in ('pending', 'events', 'batches', 'completed')`),
    check("erasure_requests_scope_check", sql`${table.scope} >= -1`),
    index("erasure_requests_open_idx").on(table.requestId).where(sql`${table.status} <> 'completed'`),
  ],
);

/**
 * The recipients of a request, by keyed hash. `search_token` is the event search index's 32-bit hash of the
 * recipient (`hashtext('r=' || lower(address))`, the value every stored event of the address already carries in
 * that index), which lets the eraser find the events without the address; it is cleared when the request completes.
 */
export const erasureRecipients = pgTable(
  "erasure_recipients",
  {
    requestId: bigint("request_id", { mode: "number" }).notNull(),
    recipientHash: bytea("recipient_hash").notNull(),
    searchToken: integer("search_token"),
  },
  (table) => [
    primaryKey({ name: "erasure_recipients_pkey", columns: [table.requestId, table.recipientHash] }),
    index("erasure_recipients_hash_idx").on(table.recipientHash),
  ],
);

/**
 * The suppression list: records of these recipients (in `scope`'s accounts) are dropped by the loader, whatever
 * brings them (a webhook redelivery, a replay, a redrive, a backfill), and counted in the batch's
 * `records_suppressed`. Entries are never removed.
 */
export const suppressedRecipients = pgTable(
  "suppressed_recipients",
  {
    recipientHash: bytea("recipient_hash").notNull(),
    scope: integer("scope").notNull(),
    requestId: bigint("request_id", { mode: "number" }).notNull(),
    suppressedAt: instant("suppressed_at").notNull().defaultNow(),
  },
  (table) => [primaryKey({ name: "suppressed_recipients_pkey", columns: [table.recipientHash, table.scope] })],
);

/** The raw batches a request rewrites, found from the events it deleted and from recipient_batches. */
export const erasureBatches = pgTable(
  "erasure_batches",
  {
    requestId: bigint("request_id", { mode: "number" }).notNull(),
    objectKey: text("object_key").notNull(),
    batchId: text("batch_id").notNull(),
    doneAt: instant("done_at"),
    recordsRemoved: integer("records_removed").notNull().default(0),
  },
  (table) => [primaryKey({ name: "erasure_batches_pkey", columns: [table.requestId, table.objectKey] })],
);

/**
 * The recipients of raw records that no `events` row of their batch points to, kept by the loader so that an erasure
 * finds every batch holding an address without reading the bucket: a record whose events were already stored from
 * another batch (a redelivery, a backfill overlapping webhooks), a record the loader refused, and a raw_rcpt_to that
 * is not its rcpt_to in other case. Every other record is found through its event's rcpt_to and `events.batch_id`.
 */
export const recipientBatches = pgTable(
  "recipient_batches",
  {
    recipientHash: bytea("recipient_hash").notNull(),
    batchId: text("batch_id").notNull(),
  },
  (table) => [primaryKey({ name: "recipient_batches_pkey", columns: [table.recipientHash, table.batchId] })],
);

/** Batches the loader stored suppressed records from (redelivered after an erasure): the eraser rewrites them. */
export const pendingBatchScrubs = pgTable("pending_batch_scrubs", {
  objectKey: text("object_key").primaryKey(),
  batchId: text("batch_id").notNull(),
  foundAt: instant("found_at").notNull().defaultNow(),
});

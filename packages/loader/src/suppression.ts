import {
  canonicalAddress,
  type RecipientHasher,
  type RecordRecipient,
  readSuppression,
  recordRecipients,
  SUPPRESSION_FENCE_LOCK,
} from "@msgevents/erasure";
import {
  addEventNames,
  type NormalizedEvent,
  normalizeBatch,
  parseWebhookRecords,
  type RejectedRecord,
} from "@msgevents/schema";
import type pg from "pg";

/** One raw record of a batch: what it normalized to, and its recipients (only read when suppression is on). */
export interface PreparedRecord {
  events: NormalizedEvent[];
  rejected: boolean;
  recipients: RecordRecipient[];
}

export interface PreparedBatch {
  records: PreparedRecord[];
  rejected: RejectedRecord[];
}

/**
 * Normalizes a raw batch record by record (as parseWebhookBatch does, rejections keeping their index in the batch),
 * keeping which events each record gave, so that a record of an erased recipient can be dropped whole. Throws
 * InvalidBatchError when the body is not a JSON array.
 */
export function prepareBatch(body: Uint8Array, withRecipients: boolean): PreparedBatch {
  const records: PreparedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  parseWebhookRecords(body).forEach((record, index) => {
    const normalized = normalizeBatch([record]);
    for (const refused of normalized.rejected) rejected.push({ index, reason: refused.reason });
    records.push({
      events: normalized.events,
      rejected: normalized.rejected.length > 0,
      recipients: withRecipients ? recordRecipients(record) : [],
    });
  });
  return { records, rejected };
}

/**
 * Before the load transaction: names the texts and recipient payloads of the records whose recipient is not
 * suppressed (addEventNames, committed at once) and returns those records. A suppression saved after this read drops
 * records in the load (splitSuppressed) whose values were named here: the load removes them (removeEventNames).
 */
export async function nameUnsuppressed(
  pool: pg.Pool,
  hasher: RecipientHasher | undefined,
  records: readonly PreparedRecord[],
): Promise<Set<PreparedRecord>> {
  const { kept } = hasher ? await bySuppression(pool, hasher, records) : { kept: records };
  await addEventNames(
    pool,
    kept.flatMap((record) => record.events),
  );
  return new Set(kept);
}

/**
 * Inside the load transaction: waits behind an eraser's fence, then splits the records into those to store and those
 * of a suppressed (erased) recipient, which are dropped.
 */
export async function splitSuppressed(
  client: pg.ClientBase,
  hasher: RecipientHasher,
  records: readonly PreparedRecord[],
): Promise<{ kept: PreparedRecord[]; suppressed: PreparedRecord[] }> {
  await client.query("SELECT pg_advisory_xact_lock_shared($1)", [SUPPRESSION_FENCE_LOCK]);
  return bySuppression(client, hasher, records);
}

/** The records to store and those of a suppressed recipient, by the suppression list as `db` reads it now. */
async function bySuppression(
  db: pg.Pool | pg.ClientBase,
  hasher: RecipientHasher,
  records: readonly PreparedRecord[],
): Promise<{ kept: PreparedRecord[]; suppressed: PreparedRecord[] }> {
  const isSuppressed = await readSuppression(
    db,
    hasher,
    records.flatMap((record) => record.recipients),
  );
  const kept: PreparedRecord[] = [];
  const suppressed: PreparedRecord[] = [];
  for (const record of records) (record.recipients.some(isSuppressed) ? suppressed : kept).push(record);
  return { kept, suppressed };
}

/**
 * Records, by keyed hash, the recipients of this batch's records that no events row of the batch will point to, so
 * that an erasure finds the batch without reading the bucket (recipient_batches, migration 0015): the recipients of
 * refused records, of records whose events were already stored from another batch, and a raw_rcpt_to that is not the
 * stored rcpt_to in other case. The common batch (all new, all stored, raw_rcpt_to = rcpt_to) writes nothing and
 * asks nothing more of the database.
 */
export async function recordUnindexedRecipients(
  client: pg.ClientBase,
  hasher: RecipientHasher,
  batch: { batchId: string; batchNumber: number },
  records: readonly PreparedRecord[],
  hadDuplicates: boolean,
): Promise<void> {
  const duplicates = hadDuplicates ? await eventsStoredElsewhere(client, batch, records) : new Set<NormalizedEvent>();
  const unindexed = new Set<string>();
  for (const record of records) {
    const indexed = new Set(
      record.events
        .filter((event) => !duplicates.has(event) && event.recipient)
        .map((event) => canonicalAddress(event.recipient ?? "")),
    );
    for (const { address } of record.recipients) if (!indexed.has(address)) unindexed.add(address);
  }
  if (unindexed.size === 0) return;
  const hashes = [...unindexed].map((address) => hasher.hash(address)).sort(Buffer.compare);
  await client.query(
    `INSERT INTO recipient_batches (recipient_hash, batch_id) SELECT hash, $2 FROM unnest($1::bytea[]) AS hash
     ON CONFLICT DO NOTHING`,
    [hashes, batch.batchId],
  );
}

/** The batch's events whose row was stored from another batch (ON CONFLICT skipped them here). */
async function eventsStoredElsewhere(
  client: pg.ClientBase,
  batch: { batchId: string; batchNumber: number },
  records: readonly PreparedRecord[],
): Promise<Set<NormalizedEvent>> {
  const events = records.flatMap((record) => record.events);
  const { rows } = await client.query<{ i: string }>(
    `SELECT d.i FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS d(event_id, type, event_time, i)
     WHERE NOT EXISTS (
       SELECT FROM events AS e
       WHERE e.event_id = d.event_id AND e.type = d.type AND e.event_time = d.event_time
         AND (e.batch_number = $4 OR e.batch_id = $5))`,
    [
      events.map((event) => event.eventId),
      events.map((event) => event.type),
      events.map((event) => event.eventTime),
      batch.batchNumber,
      batch.batchId,
    ],
  );
  return new Set(rows.flatMap((row) => events[Number(row.i) - 1] ?? []));
}

/** Flags the batch for the eraser, which rewrites it without the suppressed records. */
export async function flagForScrub(
  client: pg.ClientBase,
  batch: { batchId: string; objectKey: string },
): Promise<void> {
  await client.query(
    `INSERT INTO pending_batch_scrubs (object_key, batch_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING`,
    [batch.objectKey, batch.batchId],
  );
}

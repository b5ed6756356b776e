import { InvalidBatchError, normalizeBatch } from "@msgevents/schema";
import { type ErasableObjectStore, ObjectNotFoundError } from "@msgevents/storage";
import type pg from "pg";
import type { EventKey } from "./erase-events.ts";
import { type RawBatch, readRawBatch, withoutRecords } from "./raw-batch.ts";
import type { RecipientHasher } from "./recipient-hash.ts";
import { readSuppression, recordRecipients } from "./recipients.ts";

export interface ScrubDeps {
  pool: pg.Pool;
  store: ErasableObjectStore;
  hasher: RecipientHasher;
}

export interface ScrubResult {
  /** The batch was read (false: no current object; only its other versions were deleted). */
  found: boolean;
  /** A new version without the suppressed records was written. */
  rewritten: boolean;
  recordsRemoved: number;
  /** Earlier versions deleted (versioned buckets). */
  versionsDeleted: number;
  /** The events the removed records hold, to delete wherever they were stored from. */
  eventKeys: EventKey[];
}

/**
 * Rewrites one raw batch without the records of any suppressed recipient (whichever request suppressed them), every
 * other record kept byte for byte, and deletes the batch's other versions on a versioned bucket. Idempotent: a batch
 * already clean is not written again, but its other versions are still deleted (a run stopped between the two steps
 * leaves them). A batch that is not a JSON array never loaded and holds no records to match; it is left as it is.
 */
export async function scrubBatch(deps: ScrubDeps, objectKey: string): Promise<ScrubResult> {
  let body: Uint8Array;
  try {
    body = await deps.store.get(objectKey);
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
    const versionsDeleted = await deps.store.deleteOtherVersions(objectKey);
    return { found: false, rewritten: false, recordsRemoved: 0, versionsDeleted, eventKeys: [] };
  }
  let batch: RawBatch;
  try {
    batch = readRawBatch(body);
  } catch (error) {
    if (!(error instanceof InvalidBatchError)) throw error;
    const versionsDeleted = await deps.store.deleteOtherVersions(objectKey);
    return { found: true, rewritten: false, recordsRemoved: 0, versionsDeleted, eventKeys: [] };
  }
  const recipients = batch.records.map(recordRecipients);
  const isSuppressed = await readSuppression(deps.pool, deps.hasher, recipients.flat());
  const dropped = new Set<number>();
  recipients.forEach((ofRecord, index) => {
    if (ofRecord.some(isSuppressed)) dropped.add(index);
  });
  if (dropped.size === 0) {
    const versionsDeleted = await deps.store.deleteOtherVersions(objectKey);
    return { found: true, rewritten: false, recordsRemoved: 0, versionsDeleted, eventKeys: [] };
  }
  const droppedRecords = [...dropped].map((index) => batch.records[index]);
  const { versionsDeleted } = await deps.store.replace(objectKey, withoutRecords(batch, dropped));
  const eventKeys = normalizeBatch(droppedRecords).events.map(({ eventId, type, eventTime }) => ({
    eventId,
    type,
    eventTime,
  }));
  return { found: true, rewritten: true, recordsRemoved: dropped.size, versionsDeleted, eventKeys };
}

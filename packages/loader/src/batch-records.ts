import type { BatchStatus, RejectedRecord } from "@msgevents/schema";
import type pg from "pg";

export interface BatchIdentity {
  batchId: string;
  objectKey: string;
  /** When the batch was received; the first value recorded for a batch is kept. */
  receivedAt: Date;
}

export interface LoadCounts {
  eventsLoaded: number;
  eventsDuplicate: number;
  recordsRejected: number;
  /** Records dropped because their recipient was erased (the suppression list). */
  recordsSuppressed: number;
}

/** The batch's status when already recorded, read without a transaction (a replay's fast path). */
export async function readBatchStatus(pool: pg.Pool, batchId: string): Promise<BatchStatus | undefined> {
  const result = await pool.query<{ status: BatchStatus }>("SELECT status FROM batches WHERE batch_id = $1", [batchId]);
  return result.rows[0]?.status;
}

/**
 * Inserts or locks the batch's row inside the load transaction. A second loader of the same batch waits here until
 * the first commits or aborts, then sees its outcome: this row lock is what serializes loads of one batch.
 */
export async function claimBatch(
  client: pg.ClientBase,
  batch: BatchIdentity & { bytes: number },
): Promise<{ status: BatchStatus; batchNumber: number }> {
  const result = await client.query<{ status: BatchStatus; batch_number: number }>(
    `INSERT INTO batches (batch_id, object_key, received_at, bytes, status, attempts)
     VALUES ($1, $2, $3, $4, 'pending', 1)
     ON CONFLICT (batch_id) DO UPDATE SET attempts = batches.attempts + 1, bytes = excluded.bytes
     RETURNING status, batch_number`,
    [batch.batchId, batch.objectKey, batch.receivedAt, batch.bytes],
  );
  const row = result.rows[0];
  if (!row) throw new Error(`claiming batch ${batch.batchId} returned no row`);
  return { status: row.status, batchNumber: row.batch_number };
}

/**
 * Marks the batch loaded with its counts. A batch loaded again (`eventsInBatch` given) adds the events this load
 * stored to those stored before, the rest of the batch's events counting as duplicates.
 */
export async function markBatchLoaded(
  client: pg.ClientBase,
  batchId: string,
  counts: LoadCounts,
  rejections: readonly RejectedRecord[],
  eventsInBatch?: number,
): Promise<void> {
  const rejected = rejections.length > 0 ? JSON.stringify(rejections) : null;
  if (eventsInBatch !== undefined) {
    await client.query(
      `UPDATE batches SET loaded_at = now(), events_loaded = least(events_loaded + $2, $3::int),
         events_duplicate = greatest($3::int - least(events_loaded + $2, $3::int), 0), records_rejected = $4,
         rejections = $5::jsonb, records_suppressed = $6, last_error = NULL
       WHERE batch_id = $1`,
      [batchId, counts.eventsLoaded, eventsInBatch, counts.recordsRejected, rejected, counts.recordsSuppressed],
    );
    return;
  }
  await client.query(
    `UPDATE batches SET status = 'loaded', loaded_at = now(), events_loaded = $2, events_duplicate = $3,
       records_rejected = $4, rejections = $5::jsonb, records_suppressed = $6, last_error = NULL
     WHERE batch_id = $1`,
    [batchId, counts.eventsLoaded, counts.eventsDuplicate, counts.recordsRejected, rejected, counts.recordsSuppressed],
  );
}

/** Records a batch that can never load; a batch already loaded (e.g. under another key) is left as it is. */
export async function recordBatchFailure(
  pool: pg.Pool,
  batch: BatchIdentity & { bytes: number | null },
  error: string,
): Promise<void> {
  await pool.query(
    `INSERT INTO batches (batch_id, object_key, received_at, bytes, status, attempts, last_error)
     VALUES ($1, $2, $3, $4, 'failed', 1, $5)
     ON CONFLICT (batch_id) DO UPDATE SET status = 'failed', attempts = batches.attempts + 1,
       last_error = excluded.last_error, bytes = excluded.bytes
     WHERE batches.status <> 'loaded'`,
    [batch.batchId, batch.objectKey, batch.receivedAt, batch.bytes, error],
  );
}

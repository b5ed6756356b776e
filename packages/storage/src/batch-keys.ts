import type { ObjectStore, StoredObject } from "./object-store.ts";

/**
 * Where raw webhook batches live, shared by ingest (writes), the loader (reads what S3 notifies) and replay (lists
 * days): `batches/YYYY/MM/DD/<batchId>.json`, by the UTC day the batch was received.
 */
export const BATCH_KEY_ROOT = "batches/";

/**
 * Batch ids are opaque text from SparkPost's X-MessageSystems-Batch-ID header (32 hex digits in practice) or our
 * `sha256-<hex>` content hash. They become a key segment, so they must start with a letter or digit.
 */
const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const BATCH_KEY_PATTERN = /^batches\/(\d{4})\/(\d{2})\/(\d{2})\/(.+)\.json$/;
const DAY_MS = 86_400_000;

export interface BatchKeyParts {
  batchId: string;
  /** UTC receipt day, `YYYY-MM-DD`. */
  day: string;
}

export type StoredBatch = StoredObject & BatchKeyParts;

export function isValidBatchId(batchId: string): boolean {
  return BATCH_ID_PATTERN.test(batchId);
}

/** `YYYY-MM-DD` of the UTC day containing instant. */
export function utcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** `batches/YYYY/MM/DD/`: the prefix holding every batch received on instant's UTC day. */
export function batchDayPrefix(instant: Date): string {
  return `${BATCH_KEY_ROOT}${utcDay(instant).replaceAll("-", "/")}/`;
}

export function batchKey(batchId: string, receivedAt: Date): string {
  if (!isValidBatchId(batchId)) throw new Error(`invalid batch id ${JSON.stringify(batchId)}`);
  return `${batchDayPrefix(receivedAt)}${batchId}.json`;
}

/** The batch id and receipt day of a batch key, or null for any other key. */
export function parseBatchKey(key: string): BatchKeyParts | null {
  const match = BATCH_KEY_PATTERN.exec(key);
  if (!match) return null;
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  const batchId = match[4] ?? "";
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || utcDay(parsed) !== date) return null;
  return isValidBatchId(batchId) ? { batchId, day: date } : null;
}

/**
 * Stored batches received on the UTC days from `from`'s through `to`'s (inclusive), in key order (by day, then
 * batch id). `startAfter` resumes after a key returned earlier. Keys under `batches/` that are not batch keys are
 * skipped.
 */
export async function* listBatches(
  store: ObjectStore,
  range: { from: Date; to: Date; startAfter?: string },
): AsyncIterable<StoredBatch> {
  const lastDay = utcDay(range.to);
  // The day prefix sorts before every key under it, so listing after it starts at that day's first batch.
  const firstDayStart = batchDayPrefix(range.from);
  const startAfter =
    range.startAfter !== undefined && range.startAfter > firstDayStart ? range.startAfter : firstDayStart;
  for await (const object of store.list(BATCH_KEY_ROOT, { startAfter })) {
    const parts = parseBatchKey(object.key);
    if (!parts) continue;
    if (parts.day > lastDay) return;
    yield { ...object, ...parts };
  }
}

/**
 * The key under which batchId was already stored, or null. SparkPost retries a batch for at most 8 hours, so a
 * retry lands on the receipt day of the first attempt or the day after: checking receivedAt's day and the day
 * before finds every duplicate. (Two concurrent first attempts either side of midnight can still both be stored;
 * the loader deduplicates events by event id anyway.)
 */
export async function findStoredBatch(store: ObjectStore, batchId: string, receivedAt: Date): Promise<string | null> {
  const sameDay = batchKey(batchId, receivedAt);
  const dayBefore = batchKey(batchId, new Date(receivedAt.getTime() - DAY_MS));
  const [onSameDay, onDayBefore] = await Promise.all([store.exists(sameDay), store.exists(dayBefore)]);
  if (onSameDay) return sameDay;
  return onDayBefore ? dayBefore : null;
}

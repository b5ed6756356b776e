/**
 * A batch that can never load as stored (not JSON, not an array, object gone, content PostgreSQL refuses). It has
 * been recorded in `batches` with status `failed`; retrying will fail the same way, so the SQS message ends up in
 * the dead-letter queue after maxReceiveCount receives, where an operator sees it.
 */
export class BatchFailedError extends Error {
  override readonly name = "BatchFailedError";
  constructor(
    readonly objectKey: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`batch ${objectKey} cannot be loaded: ${reason}`, options);
  }
}

/** An object key that is not in the batch key layout (`batches/YYYY/MM/DD/<batchId>.json`): nothing to load. */
export class NotABatchKeyError extends Error {
  override readonly name = "NotABatchKeyError";
  constructor(readonly objectKey: string) {
    super(`${JSON.stringify(objectKey)} is not a batch key`);
  }
}

function sqlState(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = String(error.code);
  return /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * PostgreSQL refused the batch's content itself (data exception: invalid text or JSON for a column; program limit:
 * a value too large for an index): the same rows will be refused on every attempt.
 */
export function isContentRejectedByDatabase(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith("22") || state.startsWith("54"));
}

/**
 * An event's day has no partition although this process created or saw it: retention dropped it since. The
 * PartitionManager's cache must be forgotten and the day created again.
 */
export function isMissingPartition(error: unknown): boolean {
  return sqlState(error) === "23514" && error instanceof Error && /no partition of relation/i.test(error.message);
}

const STALE_CONNECTION_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT"]);

/**
 * Worth retrying at once, on a fresh connection: a deadlock or serialization failure, or a pooled connection that
 * died while idle (the server restarted, or a NAT forgot it while the Lambda was frozen).
 */
export function isRetryableAtOnce(error: unknown): boolean {
  const state = sqlState(error);
  if (state === "40P01" || state === "40001") return true;
  if (typeof error !== "object" || error === null) return false;
  if ("code" in error && STALE_CONNECTION_CODES.has(String(error.code))) return true;
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|terminating connection|Client has encountered a connection error/i.test(message);
}

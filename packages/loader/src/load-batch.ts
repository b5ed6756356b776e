import type { Logger } from "@aws-lambda-powertools/logger";
import type { RecipientHasher } from "@msgevents/erasure";
import {
  encodeBodies,
  InvalidBatchError,
  insertEvents,
  type NormalizedEvent,
  type PartitionManager,
  removeEventNames,
} from "@msgevents/schema";
import { ObjectNotFoundError, type ObjectStore, parseBatchKey } from "@msgevents/storage";
import type pg from "pg";
import {
  type BatchIdentity,
  claimBatch,
  type LoadCounts,
  markBatchLoaded,
  readBatchStatus,
  recordBatchFailure,
} from "./batch-records.ts";
import { BatchFailedError, isContentRejectedByDatabase, isMissingPartition, NotABatchKeyError } from "./errors.ts";
import {
  flagForScrub,
  nameUnsuppressed,
  type PreparedBatch,
  type PreparedRecord,
  prepareBatch,
  recordUnindexedRecipients,
  splitSuppressed,
} from "./suppression.ts";
import { retryAtOnce, withTransaction } from "./transaction.ts";
import { inKeyOrder } from "./write-events.ts";

export interface LoaderDeps {
  pool: pg.Pool;
  store: ObjectStore;
  partitions: PartitionManager;
  logger: Logger;
  /**
   * Hashes recipients with the deployment's key, for the suppression list (erased recipients, packages/erasure):
   * records of a suppressed recipient are dropped and counted, and recipients no stored event will point to are
   * recorded for erasures. Every deployable passes it; without it nothing is suppressed (loader-only tests).
   */
  recipients?: RecipientHasher;
}

export interface LoadOptions {
  /**
   * When the batch was received: the S3 notification's eventTime, or the stored object's last-modified time on
   * replay. Defaults to the start of the receipt day in the key. Only the first load of a batch records it.
   */
  receivedAt?: Date;
  /**
   * Load a batch again although an earlier load committed it (a replay after a fix, e.g. of the normalizer): its
   * events are inserted again, those already stored skipped as always, so it is idempotent and only what is missing
   * is added. The batch's row then counts every event stored from it so far and the records refused this time.
   */
  force?: boolean;
}

export interface LoadResult extends LoadCounts {
  batchId: string;
  objectKey: string;
  /**
   * `already-loaded`: an earlier load committed this batch; nothing was read or written. `reloaded`: it was loaded
   * again with `force`, the counts saying what this load added.
   */
  outcome: "loaded" | "already-loaded" | "reloaded";
  ms: number;
}

/**
 * Loads one stored webhook batch into PostgreSQL exactly once: the batch's `batches` row and its new events are
 * committed together, events already stored are skipped, and loading a batch again changes nothing. Throws
 * BatchFailedError (after recording the failure) for a batch that can never load, NotABatchKeyError for a key
 * outside the batch layout, and any other error when a retry may succeed.
 */
export async function loadBatch(objectKey: string, deps: LoaderDeps, options: LoadOptions = {}): Promise<LoadResult> {
  const started = performance.now();
  const key = parseBatchKey(objectKey);
  if (!key) throw new NotABatchKeyError(objectKey);
  const batch: BatchIdentity = {
    batchId: key.batchId,
    objectKey,
    receivedAt: options.receivedAt ?? new Date(`${key.day}T00:00:00.000Z`),
  };
  const finish = (outcome: LoadResult["outcome"], counts: LoadCounts): LoadResult => {
    const result = {
      batchId: batch.batchId,
      objectKey,
      outcome,
      ...counts,
      ms: Math.round(performance.now() - started),
    };
    const message = {
      loaded: "batch loaded",
      reloaded: "batch loaded again",
      "already-loaded": "batch already loaded",
    };
    deps.logger.info(message[outcome], { ...result });
    return result;
  };
  const nothing: LoadCounts = { eventsLoaded: 0, eventsDuplicate: 0, recordsRejected: 0, recordsSuppressed: 0 };

  // The first query of an invocation is the one most likely to meet a connection that died while Lambda was frozen.
  const status = await retryAtOnce(() => readBatchStatus(deps.pool, batch.batchId));
  if (status === "loaded" && !options.force) return finish("already-loaded", nothing);
  const body = await readStoredBatch(batch, deps);
  const prepared = await prepare(batch, body, deps);
  // Creating a partition locks the parent table: done in statements of their own, before the load transaction.
  const ensurePartitions = () =>
    retryAtOnce(() =>
      deps.partitions.ensureFor(prepared.records.flatMap((record) => record.events.map((event) => event.eventTime))),
    );
  await ensurePartitions();
  // Encoded and named before the transaction, so that nothing waits on a lock meanwhile (those of suppressed records
  // unused).
  const everyEvent = prepared.records.flatMap((record) => record.events);
  const encoded = await encodeBodies(everyEvent.map((event) => event.body));
  const bodies = new Map(everyEvent.map((event, index) => [event, encoded[index] as Buffer]));
  const named = await retryAtOnce(() => nameUnsuppressed(deps.pool, deps.recipients, prepared.records));
  const write = () =>
    retryAtOnce(() =>
      withTransaction(deps.pool, (client) =>
        writeBatch(client, { ...batch, bytes: body.byteLength }, prepared, named, bodies, deps, options.force === true),
      ),
    );
  try {
    const counts = await write().catch(async (error: unknown) => {
      if (!isMissingPartition(error)) throw error;
      // A late event for a day that retention dropped after this process cached it: create the day again.
      deps.logger.warn("a cached partition was dropped; creating it again", { batchId: batch.batchId });
      deps.partitions.forget();
      await ensurePartitions();
      return write();
    });
    if (!counts) return finish("already-loaded", nothing);
    const { reloaded, ...loadCounts } = counts;
    return finish(status === "loaded" || reloaded ? "reloaded" : "loaded", loadCounts);
  } catch (error) {
    if (!isContentRejectedByDatabase(error)) throw error;
    const code = (error as { code?: string }).code;
    throw await failBatch(
      deps,
      { ...batch, bytes: body.byteLength },
      `PostgreSQL refused the batch (SQLSTATE ${code})`,
      {
        detail: (error as Error).message,
        cause: error,
      },
    );
  }
}

/**
 * The load transaction; returns undefined (and rolls back) when another load already committed the batch, unless
 * `force` asks to load it again.
 */
async function writeBatch(
  client: pg.PoolClient,
  batch: BatchIdentity & { bytes: number },
  prepared: PreparedBatch,
  named: ReadonlySet<PreparedRecord>,
  bodies: ReadonlyMap<NormalizedEvent, Buffer>,
  deps: LoaderDeps,
  force: boolean,
): Promise<{ commit: boolean; value: (LoadCounts & { reloaded: boolean }) | undefined }> {
  const claimed = await claimBatch(client, batch);
  if (claimed.status === "loaded" && !force) return { commit: false, value: undefined };
  const { kept, suppressed } = deps.recipients
    ? await splitSuppressed(client, deps.recipients, prepared.records)
    : { kept: prepared.records, suppressed: [] };
  // Records whose recipient was erased after they were named (nameUnsuppressed): no stored event may name their values.
  const namedThenDropped = suppressed.filter((record) => named.has(record));
  if (namedThenDropped.length > 0)
    await removeEventNames(
      client,
      namedThenDropped.flatMap((record) => record.events),
    );
  const events = inKeyOrder(kept.flatMap((record) => record.events));
  const eventBodies = events.map((event) => bodies.get(event) as Buffer);
  const eventsLoaded = await insertEvents(client, claimed.batchNumber, events, eventBodies);
  if (deps.recipients) {
    await recordUnindexedRecipients(
      client,
      deps.recipients,
      { batchId: batch.batchId, batchNumber: claimed.batchNumber },
      kept,
      eventsLoaded < events.length,
    );
    if (suppressed.length > 0) await flagForScrub(client, batch);
  }
  const counts: LoadCounts = {
    eventsLoaded,
    eventsDuplicate: events.length - eventsLoaded,
    recordsRejected: prepared.rejected.length,
    recordsSuppressed: suppressed.length,
  };
  const reloaded = claimed.status === "loaded";
  await markBatchLoaded(client, batch.batchId, counts, prepared.rejected, reloaded ? events.length : undefined);
  return { commit: true, value: { ...counts, reloaded } };
}

async function readStoredBatch(batch: BatchIdentity, deps: LoaderDeps): Promise<Uint8Array> {
  try {
    return await deps.store.get(batch.objectKey);
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
    throw await failBatch(deps, { ...batch, bytes: null }, "the stored object does not exist", { cause: error });
  }
}

async function prepare(batch: BatchIdentity, body: Uint8Array, deps: LoaderDeps): Promise<PreparedBatch> {
  try {
    return prepareBatch(body, deps.recipients !== undefined);
  } catch (error) {
    if (!(error instanceof InvalidBatchError)) throw error;
    throw await failBatch(deps, { ...batch, bytes: body.byteLength }, error.message, { cause: error });
  }
}

/** Records a batch that can never load and returns the error to throw. */
async function failBatch(
  deps: LoaderDeps,
  batch: BatchIdentity & { bytes: number | null },
  reason: string,
  options: { detail?: string; cause: unknown },
): Promise<BatchFailedError> {
  const lastError = options.detail ? `${reason}: ${options.detail}` : reason;
  await recordBatchFailure(deps.pool, batch, lastError);
  deps.logger.error("batch cannot be loaded", { batchId: batch.batchId, objectKey: batch.objectKey, reason });
  return new BatchFailedError(batch.objectKey, reason, { cause: options.cause });
}

import type { Logger } from "@aws-lambda-powertools/logger";
import type { RecipientHasher } from "@msgevents/erasure";
import {
  type BatchStatus,
  encodeBodies,
  InvalidBatchError,
  insertBatchesEvents,
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

/** A stored batch to load, as its notification names it. */
export interface BatchToLoad {
  objectKey: string;
  /** As LoadOptions.receivedAt. */
  receivedAt?: Date;
}

/** What became of one batch given to loadBatches: its result, or the error loadBatch would have thrown for it. */
export type BatchOutcome =
  | { objectKey: string; ok: true; result: LoadResult }
  | { objectKey: string; ok: false; error: unknown };

/**
 * At most this many stored batches go into one load transaction. A load's statements (the INSERT, and the statement
 * triggers that keep the search counts and the Metrics API's rollups) cost much the same for 350 events as for 1,400:
 * most of their work is per derived row, and the events of a few minutes share their rollup rows and search counts.
 * Measured with the loader bench (one day of 166,666 realistic events, 2 loaders, 2-core machine): 350 events a
 * statement 3,774-3,848 events/s, 1,400 (four batches) 5,593, 3,500 (ten) 5,435.
 */
export const MAX_BATCHES_PER_LOAD = 4;

/**
 * Loads one stored webhook batch into PostgreSQL exactly once: the batch's `batches` row and its new events are
 * committed together, events already stored are skipped, and loading a batch again changes nothing. Throws
 * BatchFailedError (after recording the failure) for a batch that can never load, NotABatchKeyError for a key
 * outside the batch layout, and any other error when a retry may succeed.
 */
export async function loadBatch(objectKey: string, deps: LoaderDeps, options: LoadOptions = {}): Promise<LoadResult> {
  const [outcome] = await loadBatches([{ objectKey, receivedAt: options.receivedAt }], deps, {
    force: options.force,
  });
  if (!outcome) throw new Error(`no outcome for ${objectKey}`);
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

/**
 * Loads several stored batches as loadBatch loads one, each exactly once, up to MAX_BATCHES_PER_LOAD of them in one
 * transaction (their `batches` rows and events committed together, the events in one INSERT). Answers an outcome per
 * batch, in the order given, instead of throwing. When a transaction of several batches fails, each of them is loaded
 * alone, so that a batch PostgreSQL refuses fails alone and the others load.
 */
export async function loadBatches(
  batches: readonly BatchToLoad[],
  deps: LoaderDeps,
  options: { force?: boolean } = {},
): Promise<BatchOutcome[]> {
  const force = options.force === true;
  const outcomes = new Map<BatchToLoad, BatchOutcome>();
  const ready: ReadBatch[] = [];
  for (const item of batches) {
    try {
      const read = await readBatch(item, deps, force);
      if ("outcome" in read) outcomes.set(item, { objectKey: item.objectKey, ok: true, result: read });
      else ready.push(read);
    } catch (error) {
      outcomes.set(item, { objectKey: item.objectKey, ok: false, error });
    }
  }
  for (const group of loadGroups(ready)) {
    for (const [read, outcome] of await loadGroup(group, deps, force)) outcomes.set(read.item, outcome);
  }
  return batches.map(
    (item) =>
      outcomes.get(item) ?? { objectKey: item.objectKey, ok: false, error: new Error("the batch was not loaded") },
  );
}

/** A batch read from the store and normalized, not loaded yet. */
interface ReadBatch {
  item: BatchToLoad;
  batch: BatchIdentity & { bytes: number };
  prepared: PreparedBatch;
  /** Its status before this load ("loaded" when loaded again with `force`). */
  status: BatchStatus | undefined;
  started: number;
}

/** Reads a batch's status, object and records; a batch already loaded (unless `force`) is done here. */
async function readBatch(item: BatchToLoad, deps: LoaderDeps, force: boolean): Promise<ReadBatch | LoadResult> {
  const started = performance.now();
  const key = parseBatchKey(item.objectKey);
  if (!key) throw new NotABatchKeyError(item.objectKey);
  const batch: BatchIdentity = {
    batchId: key.batchId,
    objectKey: item.objectKey,
    receivedAt: item.receivedAt ?? new Date(`${key.day}T00:00:00.000Z`),
  };
  // The first query of an invocation is the one most likely to meet a connection that died while Lambda was frozen.
  const status = await retryAtOnce(() => readBatchStatus(deps.pool, batch.batchId));
  if (status === "loaded" && !force) return finish(deps, batch, started, "already-loaded", NOTHING);
  const body = await readStoredBatch(batch, deps);
  const prepared = await prepare(batch, body, deps);
  return { item, batch: { ...batch, bytes: body.byteLength }, prepared, status, started };
}

const NOTHING: LoadCounts = { eventsLoaded: 0, eventsDuplicate: 0, recordsRejected: 0, recordsSuppressed: 0 };

function finish(
  deps: LoaderDeps,
  batch: BatchIdentity,
  started: number,
  outcome: LoadResult["outcome"],
  counts: LoadCounts,
): LoadResult {
  const result = {
    batchId: batch.batchId,
    objectKey: batch.objectKey,
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
}

/** The batches in groups of up to MAX_BATCHES_PER_LOAD, a batch id at most once in a group. */
function loadGroups(ready: readonly ReadBatch[]): ReadBatch[][] {
  const groups: ReadBatch[][] = [];
  let group: ReadBatch[] = [];
  for (const read of ready) {
    if (group.length >= MAX_BATCHES_PER_LOAD || group.some((other) => other.batch.batchId === read.batch.batchId)) {
      groups.push(group);
      group = [];
    }
    group.push(read);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Loads a group of batches in one transaction; when that fails and the group has several, each alone. */
async function loadGroup(
  group: readonly ReadBatch[],
  deps: LoaderDeps,
  force: boolean,
): Promise<Map<ReadBatch, BatchOutcome>> {
  try {
    const written = await writeGroup(group, deps, force);
    return new Map(
      group.map((read) => {
        const counts = written.get(read);
        if (!counts) {
          const result = finish(deps, read.batch, read.started, "already-loaded", NOTHING);
          return [read, { objectKey: read.item.objectKey, ok: true, result }];
        }
        const { reloaded, ...loadCounts } = counts;
        const outcome = read.status === "loaded" || reloaded ? "reloaded" : "loaded";
        const result = finish(deps, read.batch, read.started, outcome, loadCounts);
        return [read, { objectKey: read.item.objectKey, ok: true, result }];
      }),
    );
  } catch (error) {
    if (group.length > 1) {
      // One batch that PostgreSQL refuses must not hold the others back, nor be retried with them. Not the error's
      // message: PostgreSQL quotes the value it refused, which may be a recipient's.
      deps.logger.warn("batches loaded together failed; loading each alone", {
        batchIds: group.map((read) => read.batch.batchId),
        error: error instanceof Error ? error.name : typeof error,
        code: (error as { code?: unknown } | null)?.code,
      });
      const outcomes = new Map<ReadBatch, BatchOutcome>();
      for (const read of group)
        for (const [one, outcome] of await loadGroup([read], deps, force)) outcomes.set(one, outcome);
      return outcomes;
    }
    const [read] = group;
    if (!read) return new Map();
    return new Map([[read, { objectKey: read.item.objectKey, ok: false, error: await failureOf(read, error, deps) }]]);
  }
}

/** The error a lone batch's failed load ends with: recorded as failed for good when PostgreSQL refused its content. */
async function failureOf(read: ReadBatch, error: unknown, deps: LoaderDeps): Promise<unknown> {
  if (!isContentRejectedByDatabase(error)) return error;
  const code = (error as { code?: string }).code;
  try {
    return await failBatch(deps, read.batch, `PostgreSQL refused the batch (SQLSTATE ${code})`, {
      detail: (error as Error).message,
      cause: error,
    });
  } catch (recordingError) {
    return recordingError;
  }
}

/** Counts of a batch that a group's transaction stored, and whether it had been loaded before. */
type WrittenCounts = LoadCounts & { reloaded: boolean };

/**
 * Stores a group's batches: partitions, bodies and names before the transaction, then the transaction. Answers the
 * counts of each batch it stored; a batch another load committed meanwhile (unless `force`) has none.
 */
async function writeGroup(
  group: readonly ReadBatch[],
  deps: LoaderDeps,
  force: boolean,
): Promise<Map<ReadBatch, WrittenCounts>> {
  const records = group.flatMap((read) => read.prepared.records);
  const everyEvent = records.flatMap((record) => record.events);
  // Creating a partition locks the parent table: done in statements of their own, before the load transaction.
  const ensurePartitions = () =>
    retryAtOnce(() => deps.partitions.ensureFor(everyEvent.map((event) => event.eventTime)));
  await ensurePartitions();
  // Encoded and named before the transaction, so that nothing waits on a lock meanwhile (those of suppressed records
  // unused).
  const encoded = await encodeBodies(everyEvent.map((event) => event.body));
  const bodies = new Map(everyEvent.map((event, index) => [event, encoded[index] as Buffer]));
  const named = await retryAtOnce(() => nameUnsuppressed(deps.pool, deps.recipients, records));
  const write = () =>
    retryAtOnce(() => withTransaction(deps.pool, (client) => writeBatches(client, group, named, bodies, deps, force)));
  return write().catch(async (error: unknown) => {
    if (!isMissingPartition(error)) throw error;
    // A late event for a day that retention dropped after this process cached it: create the day again.
    deps.logger.warn("a cached partition was dropped; creating it again", {
      batchIds: group.map((read) => read.batch.batchId),
    });
    deps.partitions.forget();
    await ensurePartitions();
    return write();
  });
}

/**
 * The load transaction of a group of batches. Claims each batch (in batch id order, so that two loads of the same
 * batches wait for each other instead of deadlocking); one that another load already committed is left out, unless
 * `force` asks to load it again; with none left it rolls back.
 */
async function writeBatches(
  client: pg.PoolClient,
  group: readonly ReadBatch[],
  named: ReadonlySet<PreparedRecord>,
  bodies: ReadonlyMap<NormalizedEvent, Buffer>,
  deps: LoaderDeps,
  force: boolean,
): Promise<{ commit: boolean; value: Map<ReadBatch, WrittenCounts> }> {
  const claimed: { read: ReadBatch; batchNumber: number; reloaded: boolean }[] = [];
  for (const read of [...group].sort((a, b) => (a.batch.batchId < b.batch.batchId ? -1 : 1))) {
    const claim = await claimBatch(client, read.batch);
    if (claim.status === "loaded" && !force) continue;
    claimed.push({ read, batchNumber: claim.batchNumber, reloaded: claim.status === "loaded" });
  }
  if (claimed.length === 0) return { commit: false, value: new Map() };
  const records = claimed.flatMap(({ read }) => read.prepared.records);
  const { kept, suppressed } = deps.recipients
    ? await splitSuppressed(client, deps.recipients, records)
    : { kept: records, suppressed: [] };
  // Records whose recipient was erased after they were named (nameUnsuppressed): no stored event may name their values.
  const namedThenDropped = suppressed.filter((record) => named.has(record));
  if (namedThenDropped.length > 0)
    await removeEventNames(
      client,
      namedThenDropped.flatMap((record) => record.events),
    );
  const isKept = new Set(kept);
  const batchNumberOf = new Map<NormalizedEvent, number>();
  for (const { read, batchNumber } of claimed) {
    for (const record of read.prepared.records) {
      if (isKept.has(record)) for (const event of record.events) batchNumberOf.set(event, batchNumber);
    }
  }
  const events = inKeyOrder([...batchNumberOf.keys()]);
  const stored = await insertBatchesEvents(
    client,
    events.map((event) => batchNumberOf.get(event) ?? null),
    events,
    events.map((event) => bodies.get(event) as Buffer),
  );
  const value = new Map<ReadBatch, WrittenCounts>();
  for (const { read, batchNumber, reloaded } of claimed) {
    const keptOfBatch = read.prepared.records.filter((record) => isKept.has(record));
    const eventsOfBatch = keptOfBatch.reduce((total, record) => total + record.events.length, 0);
    const eventsLoaded = stored.get(batchNumber) ?? 0;
    const recordsSuppressed = read.prepared.records.length - keptOfBatch.length;
    if (deps.recipients) {
      await recordUnindexedRecipients(
        client,
        deps.recipients,
        { batchId: read.batch.batchId, batchNumber },
        keptOfBatch,
        eventsLoaded < eventsOfBatch,
      );
      if (recordsSuppressed > 0) await flagForScrub(client, read.batch);
    }
    const counts: LoadCounts = {
      eventsLoaded,
      eventsDuplicate: eventsOfBatch - eventsLoaded,
      recordsRejected: read.prepared.rejected.length,
      recordsSuppressed,
    };
    await markBatchLoaded(
      client,
      read.batch.batchId,
      counts,
      read.prepared.rejected,
      reloaded ? eventsOfBatch : undefined,
    );
    value.set(read, { ...counts, reloaded });
  }
  return { commit: true, value };
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

import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { listBatches } from "@msgevents/storage";
import { NotABatchKeyError } from "./errors.ts";
import { type LoaderDeps, type LoadResult, loadBatch } from "./load-batch.ts";
import { parseS3Notification } from "./s3-notification.ts";

export interface ReplaySummary {
  /** Batches newly loaded by this replay. */
  loaded: number;
  /** Batches an earlier load had already committed (left untouched). */
  alreadyLoaded: number;
  eventsLoaded: number;
  eventsDuplicate: number;
  recordsRejected: number;
  /** Batches that did not load, with the reason; permanent ones are also recorded in `batches`. */
  failed: { objectKey: string; error: string }[];
}

function emptySummary(): ReplaySummary {
  return { loaded: 0, alreadyLoaded: 0, eventsLoaded: 0, eventsDuplicate: 0, recordsRejected: 0, failed: [] };
}

function addResult(summary: ReplaySummary, result: LoadResult): void {
  if (result.outcome === "already-loaded") summary.alreadyLoaded++;
  else summary.loaded++;
  summary.eventsLoaded += result.eventsLoaded;
  summary.eventsDuplicate += result.eventsDuplicate;
  summary.recordsRejected += result.recordsRejected;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Loads again every batch stored on the UTC days from `from`'s through `to`'s (the key layout's granularity),
 * `concurrency` at a time. Batches already loaded are skipped after one primary-key lookup, so replaying a range
 * twice, or one the queue already loaded, changes nothing. A failed batch does not stop the others.
 */
export async function replayBatches(
  range: { from: Date; to: Date },
  deps: LoaderDeps,
  options: { concurrency?: number; force?: boolean } = {},
): Promise<ReplaySummary> {
  const summary = await loadStoredBatches(listBatches(deps.store, range), deps, options);
  deps.logger.info("replay finished", {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    ...counts(summary),
  });
  return summary;
}

/**
 * Loads the given stored batches, `concurrency` at a time, each as loadBatch does (`force` loads those already
 * loaded again, adding only what is missing); a failed batch does not stop the others.
 */
export async function loadStoredBatches(
  batches: AsyncIterable<{ key: string; lastModified: Date }> | Iterable<{ key: string; lastModified: Date }>,
  deps: LoaderDeps,
  options: { concurrency?: number; force?: boolean } = {},
): Promise<ReplaySummary> {
  const summary = emptySummary();
  const stored =
    Symbol.asyncIterator in batches
      ? batches[Symbol.asyncIterator]()
      : (batches as Iterable<{ key: string; lastModified: Date }>)[Symbol.iterator]();
  // Workers pull from one shared iterator; each pull is awaited before the next starts, so no key is taken twice.
  let pulling: Promise<unknown> = Promise.resolve();
  const nextBatch = () => {
    const pulled = pulling.then(() => stored.next());
    pulling = pulled;
    return pulled;
  };
  const worker = async () => {
    for (let next = await nextBatch(); !next.done; next = await nextBatch()) {
      const { key, lastModified } = next.value;
      try {
        addResult(summary, await loadBatch(key, deps, { receivedAt: lastModified, force: options.force }));
      } catch (error) {
        summary.failed.push({ objectKey: key, error: describe(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return summary;
}

export interface DeadLetterSource {
  sqs: SQSClient;
  /** The loader's dead-letter queue. */
  queueUrl: string;
  /** The bucket the deps' store reads; notifications about other buckets are left in the queue. */
  bucket: string;
  /** Stop after this many messages (default: until the queue has none left to give). */
  maxMessages?: number;
  /** Seconds a message stays hidden while it is loaded (default 300). */
  visibilityTimeoutSeconds?: number;
}

export interface RedriveSummary extends ReplaySummary {
  /** Messages received from the dead-letter queue. */
  messages: number;
  /** Messages deleted because every batch they name is now loaded. */
  deleted: number;
}

/**
 * Loads the batches named by the messages in the loader's dead-letter queue, deleting each message whose batches
 * all loaded. A message that fails again stays in the queue (visible again after the visibility timeout) and is
 * reported. Messages are not moved back to the source queue: loading them here is the redrive.
 */
export async function redriveDeadLetters(source: DeadLetterSource, deps: LoaderDeps): Promise<RedriveSummary> {
  const summary: RedriveSummary = { ...emptySummary(), messages: 0, deleted: 0 };
  const seen = new Set<string>();
  const limit = source.maxMessages ?? Number.POSITIVE_INFINITY;
  while (summary.messages < limit) {
    const received = await source.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: source.queueUrl,
        MaxNumberOfMessages: Math.min(10, limit - summary.messages),
        VisibilityTimeout: source.visibilityTimeoutSeconds ?? 300,
        WaitTimeSeconds: 1,
      }),
    );
    // A message seen before came back after its visibility timeout: every message has had its turn.
    const fresh = (received.Messages ?? []).filter((message) => message.MessageId && !seen.has(message.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.MessageId as string);
      summary.messages++;
      if (await redriveMessage(message.Body ?? "", source, deps, summary)) {
        await source.sqs.send(
          new DeleteMessageCommand({ QueueUrl: source.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        summary.deleted++;
      }
    }
  }
  deps.logger.info("dead-letter redrive finished", {
    messages: summary.messages,
    deleted: summary.deleted,
    ...counts(summary),
  });
  return summary;
}

/** Loads every batch a dead-lettered message names; true when all are loaded. */
async function redriveMessage(
  body: string,
  source: DeadLetterSource,
  deps: LoaderDeps,
  summary: ReplaySummary,
): Promise<boolean> {
  let notification: ReturnType<typeof parseS3Notification>;
  try {
    notification = parseS3Notification(body);
  } catch (error) {
    summary.failed.push({ objectKey: "(unreadable message)", error: describe(error) });
    return false;
  }
  if (notification.kind === "test") return true;
  let allLoaded = true;
  for (const object of notification.created) {
    if (object.bucket !== source.bucket) {
      summary.failed.push({ objectKey: object.key, error: `bucket ${object.bucket} is not ${source.bucket}` });
      allLoaded = false;
      continue;
    }
    try {
      addResult(summary, await loadBatch(object.key, deps, { receivedAt: object.eventTime }));
    } catch (error) {
      if (error instanceof NotABatchKeyError) continue;
      summary.failed.push({ objectKey: object.key, error: describe(error) });
      allLoaded = false;
    }
  }
  return allLoaded;
}

function counts(summary: ReplaySummary) {
  return {
    loaded: summary.loaded,
    alreadyLoaded: summary.alreadyLoaded,
    eventsLoaded: summary.eventsLoaded,
    eventsDuplicate: summary.eventsDuplicate,
    recordsRejected: summary.recordsRejected,
    failed: summary.failed.length,
  };
}

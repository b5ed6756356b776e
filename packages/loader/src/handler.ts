import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { BatchFailedError, NotABatchKeyError } from "./errors.ts";
import { type LoaderDeps, loadBatches } from "./load-batch.ts";
import { type CreatedObject, parseS3Notification } from "./s3-notification.ts";

export interface SqsHandlerDeps extends LoaderDeps {
  /** The bucket the store reads; a notification about any other bucket cannot be loaded by this function. */
  bucket: string;
}

/** A notification for a bucket this loader does not read: a wiring mistake, left to the dead-letter queue. */
export class ForeignBucketError extends Error {
  override readonly name = "ForeignBucketError";
}

/**
 * The Lambda handler for the loader queue: each SQS message carries an S3 event notification for one or more
 * stored batches. The batches of all the messages received together load together (loadBatches: up to
 * MAX_BATCHES_PER_LOAD a transaction, each exactly once). A message whose batches all loaded (or were already loaded)
 * succeeds; any failure reports the message in `batchItemFailures`, so SQS delivers it again after the visibility
 * timeout, and moves it to the dead-letter queue after maxReceiveCount receives. Loading is idempotent, so redelivery
 * never doubles anything.
 */
export function createSqsHandler(
  deps: SqsHandlerDeps,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const { logger } = deps;
  const failed = (record: SQSRecord, error: unknown) => {
    // BatchFailedError was logged where it was recorded.
    if (error instanceof BatchFailedError) return;
    logger.warn("message failed, SQS will deliver it again", {
      messageId: record.messageId,
      receiveCount: record.attributes?.ApproximateReceiveCount,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  };

  return async (event) => {
    const failures = new Set<SQSRecord>();
    const wanted: { record: SQSRecord; object: CreatedObject }[] = [];
    for (const record of event.Records) {
      try {
        const notification = parseS3Notification(record.body);
        if (notification.kind === "test") {
          logger.info("S3 test event skipped", { messageId: record.messageId });
          continue;
        }
        const foreign = notification.created.find((object) => object.bucket !== deps.bucket);
        if (foreign) {
          throw new ForeignBucketError(
            `notification for bucket ${foreign.bucket}, but this loader reads ${deps.bucket}`,
          );
        }
        for (const object of notification.created) wanted.push({ record, object });
      } catch (error) {
        failures.add(record);
        failed(record, error);
      }
    }
    const outcomes = await loadBatches(
      wanted.map(({ object }) => ({ objectKey: object.key, receivedAt: object.eventTime })),
      deps,
    );
    for (const [index, outcome] of outcomes.entries()) {
      const wantedBatch = wanted[index];
      if (outcome.ok || !wantedBatch) continue;
      const { record } = wantedBatch;
      if (outcome.error instanceof NotABatchKeyError) {
        logger.warn("object is not a stored batch, skipped", {
          messageId: record.messageId,
          objectKey: outcome.objectKey,
        });
        continue;
      }
      if (!failures.has(record)) failed(record, outcome.error);
      failures.add(record);
    }
    return { batchItemFailures: [...failures].map((record) => ({ itemIdentifier: record.messageId })) };
  };
}

import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { BatchFailedError, NotABatchKeyError } from "./errors.ts";
import { type LoaderDeps, loadBatch } from "./load-batch.ts";
import { parseS3Notification } from "./s3-notification.ts";

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
 * stored batches. A message whose batches all loaded (or were already loaded) succeeds; any failure reports the
 * message in `batchItemFailures`, so SQS delivers it again after the visibility timeout, and moves it to the
 * dead-letter queue after maxReceiveCount receives. Loading is idempotent, so redelivery never doubles anything.
 */
export function createSqsHandler(
  deps: SqsHandlerDeps,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const { logger } = deps;

  const loadNotifiedBatches = async (record: SQSRecord): Promise<void> => {
    try {
      const notification = parseS3Notification(record.body);
      if (notification.kind === "test") {
        logger.info("S3 test event skipped", { messageId: record.messageId });
        return;
      }
      for (const object of notification.created) {
        if (object.bucket !== deps.bucket) {
          throw new ForeignBucketError(
            `notification for bucket ${object.bucket}, but this loader reads ${deps.bucket}`,
          );
        }
        try {
          await loadBatch(object.key, deps, { receivedAt: object.eventTime });
        } catch (error) {
          if (!(error instanceof NotABatchKeyError)) throw error;
          logger.warn("object is not a stored batch, skipped", { messageId: record.messageId, objectKey: object.key });
        }
      }
    } catch (error) {
      // BatchFailedError was logged where it was recorded.
      if (!(error instanceof BatchFailedError)) {
        logger.warn("message failed, SQS will deliver it again", {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
      throw error;
    }
  };

  return (event, context) => processPartialResponse(event, loadNotifiedBatches, processor, { context });
}

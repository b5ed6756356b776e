import type { Logger } from "@aws-lambda-powertools/logger";
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Polls an SQS queue and hands each receive to the loader's Lambda handler, exactly as the Lambda event source
 * mapping does: messages the handler did not report in batchItemFailures are deleted; the others become visible
 * again after the visibility timeout, and the queue's redrive policy moves them to its dead-letter queue.
 */
export class SqsConsumer {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly options: {
      sqs: SQSClient;
      queueUrl: string;
      handler: SqsBatchHandler;
      logger: Logger;
      waitTimeSeconds?: number;
    },
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.poll();
  }

  /** Stops receiving; a receive in progress is cancelled, a load in progress finishes. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  private async poll(): Promise<void> {
    const { sqs, queueUrl, handler, logger } = this.options;
    while (this.running) {
      let messages: Message[];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 10,
            MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (!this.running) return;
        logger.warn("SQS receive failed; retrying", { error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const response = await handler(
        { Records: messages.map((message) => toRecord(message, queueUrl)) },
        lambdaContext(),
      );
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      const done = messages.filter((message) => message.MessageId && !failed.has(message.MessageId));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
      }
    }
  }
}

function toRecord(message: Message, queueUrl: string): SQSRecord {
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? "1",
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: "msgevents-local",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueUrl,
    awsRegion: "local",
  };
}

/** The handler only reads the context for logging; the local stack has no invocation to describe. */
function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "msgevents-local-loader",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:msgevents-local-loader",
    memoryLimitInMB: "0",
    awsRequestId: "local",
    logGroupName: "local",
    logStreamName: "local",
    getRemainingTimeInMillis: () => 900_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "msgevents-loader-test",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:msgevents-loader-test",
  memoryLimitInMB: "512",
  awsRequestId: "test-request",
  logGroupName: "/aws/lambda/msgevents-loader-test",
  logStreamName: "test",
  getRemainingTimeInMillis: () => 60_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

/** An S3 ObjectCreated notification as S3 sends it to SQS (keys URL-encoded, space as `+`). */
export function s3Notification(bucket: string, keys: string[], eventTime = "2024-06-01T10:00:00.000Z"): string {
  return JSON.stringify({
    Records: keys.map((key) => ({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime,
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: { key: encodeURIComponent(key).replaceAll("%2F", "/").replaceAll("%20", "+"), size: 1 },
      },
    })),
  });
}

export async function sendMessages(sqs: SQSClient, queueUrl: string, bodies: string[]): Promise<void> {
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "test",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: "us-east-1",
  };
}

export interface PumpResult {
  invocations: number;
  /** Messages reported in batchItemFailures (or in a batch whose invocation threw), counted per receive. */
  itemFailures: number;
}

/**
 * Does what Lambda's SQS event source mapping does: receives up to 10 messages, invokes the handler, deletes the
 * messages not reported in batchItemFailures and leaves the rest to reappear after the visibility timeout (and to
 * move to the dead-letter queue after maxReceiveCount). Stops when the queue holds nothing, visible or in flight.
 */
export async function pumpQueue(
  sqs: SQSClient,
  queue: { queueUrl: string; queueArn: string },
  handler: Handler,
  options: { timeoutMs?: number; betweenInvocations?: () => Promise<void> } = {},
): Promise<PumpResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  const result: PumpResult = { invocations: 0, itemFailures: 0 };
  while (Date.now() < deadline) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) {
      if (await isDrained(sqs, queue.queueUrl)) return result;
      continue;
    }
    result.invocations++;
    const event: SQSEvent = { Records: messages.map((message) => toRecord(message, queue.queueArn)) };
    let failed: Set<string>;
    try {
      const response = await handler(event, lambdaContext);
      failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      failed = new Set(messages.map((message) => message.MessageId ?? ""));
    }
    result.itemFailures += failed.size;
    for (const message of messages) {
      if (failed.has(message.MessageId ?? "")) continue;
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    await options.betweenInvocations?.();
  }
  throw new Error("the queue did not drain in time");
}

async function isDrained(sqs: SQSClient, queueUrl: string): Promise<boolean> {
  const response = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  const attributes = response.Attributes ?? {};
  return attributes.ApproximateNumberOfMessages === "0" && attributes.ApproximateNumberOfMessagesNotVisible === "0";
}

/** Bodies of the messages waiting in a queue (received, then made visible again at once). */
export async function peekBodies(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 0,
    }),
  );
  return (received.Messages ?? []).map((message) => message.Body ?? "");
}

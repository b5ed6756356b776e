import { S3Client } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { objectCreatedNotification, parseS3Notification } from "@msgevents/loader/s3-notification";
import { batchKey, S3ObjectStore } from "@msgevents/storage";
import {
  startS3Server,
  startSqsServer,
  type TestQueue,
  type TestS3Server,
  type TestSqsServer,
} from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../src/errors.ts";
import { msgevents } from "./run-cli.ts";

/** replay and redrive against an AWS deployment, with the real AWS SDK against S3 and SQS emulators. */
let s3: TestS3Server;
let sqsServer: TestSqsServer;
let queue: TestQueue;
let sqs: SQSClient;
let env: NodeJS.ProcessEnv;
const received = new Date();
const keys = ["aws-batch-1", "aws-batch-2", "aws-batch-3"].map((id) => batchKey(id, received));

beforeAll(async () => {
  // The SDK's standard credential chain reads these, as it would a profile in a real deployment (s3rver's keys;
  // fauxqs accepts any).
  process.env.AWS_ACCESS_KEY_ID = "S3RVER";
  process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
  s3 = await startS3Server();
  sqsServer = await startSqsServer();
  queue = sqsServer.createQueue("loader");
  sqs = new SQSClient(sqsServer.clientConfig);
  const store = new S3ObjectStore({ client: new S3Client(s3.clientConfig), bucket: s3.bucket });
  for (const key of keys) await store.put(key, Buffer.from('[{"msys":{}}]'));
  env = { MSGEVENTS_S3_ENDPOINT: s3.endpoint, MSGEVENTS_SQS_ENDPOINT: sqsServer.endpoint, AWS_REGION: "us-east-1" };
});

afterAll(async () => {
  sqs?.destroy();
  await sqsServer?.close();
  await s3?.close();
});

async function drain(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const message of messages) {
      bodies.push(message.Body ?? "");
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
}

describe("replay in AWS", () => {
  it("sends the loader's queue one S3 notification per stored batch in the range, as S3 would", async () => {
    const run = await msgevents(
      ["replay", "--from", received.toISOString(), "--queue-url", queue.queueUrl, "--bucket", s3.bucket],
      env,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("3 batch(es) sent to the loader's queue");
    const notified = (await drain(queue.queueUrl)).flatMap((body) => {
      const notification = parseS3Notification(body);
      return notification.kind === "objects"
        ? notification.created.map((object) => `${object.bucket}/${object.key}`)
        : [];
    });
    expect(notified.sort()).toEqual(keys.map((key) => `${s3.bucket}/${key}`).sort());
  });

  it("picks batches by id, and exits 6 naming an id it cannot find", async () => {
    const run = await msgevents(
      [
        "replay",
        "--batch-id",
        "aws-batch-2",
        "--batch-id",
        "missing",
        "--queue-url",
        queue.queueUrl,
        "--bucket",
        s3.bucket,
      ],
      env,
    );
    expect(run.code).toBe(EXIT.partial);
    expect(run.stderr).toContain("missing");
    expect(await drain(queue.queueUrl)).toHaveLength(1);
  });

  it("exits 3 naming the variable when the bucket is unknown", async () => {
    const run = await msgevents(["replay", "--from", received.toISOString(), "--queue-url", queue.queueUrl], env);
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toContain("MSGEVENTS_S3_BUCKET");
  });
});

describe("redrive in AWS", () => {
  beforeAll(async () => {
    for (const key of keys) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.deadLetterQueueUrl,
          MessageBody: objectCreatedNotification(s3.bucket, key, received, 13),
        }),
      );
    }
  });

  it("shows each dead-lettered batch without moving it on --dry-run", async () => {
    const run = await msgevents(["redrive", "--dry-run", "--dlq-url", queue.deadLetterQueueUrl], env);
    expect(run.code).toBe(EXIT.ok);
    for (const key of keys) expect(run.stdout).toContain(key);
    expect(run.stdout).toContain("why: the loader failed it on every receive");
    expect(run.stdout).toContain("3 dead letter(s); run without --dry-run");
  });

  it("moves every dead letter back to the loader's queue and leaves the dead-letter queue empty", async () => {
    const run = await msgevents(["redrive", "--dlq-url", queue.deadLetterQueueUrl, "--queue-url", queue.queueUrl], env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("3 dead letter(s) moved back");
    const moved = await drain(queue.queueUrl);
    expect(moved.map((body) => JSON.parse(body).Records[0].s3.object.key).sort()).toEqual([...keys].sort());
    expect(await drain(queue.deadLetterQueueUrl)).toEqual([]);
  });

  it("exits 3 when there is no queue to move them to", async () => {
    const run = await msgevents(["redrive", "--dlq-url", queue.deadLetterQueueUrl], env);
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toContain("MSGEVENTS_SQS_QUEUE_URL");
  });
});

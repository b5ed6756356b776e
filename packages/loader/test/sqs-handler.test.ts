import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { parseBatchKey, S3ObjectStore } from "@msgevents/storage";
import {
  generateEvents,
  type S3EventNotification,
  startS3Server,
  startSqsServer,
  type TestS3Server,
  type TestSqsServer,
} from "@msgevents/testkit";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createSqsHandler, redriveDeadLetters } from "../src/index.ts";
import { peekBodies, pumpQueue, s3Notification, sendMessages } from "./support/event-source.ts";
import {
  batchRow,
  expectedEventKeys,
  type LoaderFixture,
  snapshot,
  startLoaderFixture,
  storeBatch,
  storedEventKeys,
} from "./support/fixture.ts";

let fixture: LoaderFixture;
let s3: TestS3Server;
let sqsServer: TestSqsServer;
let sqs: SQSClient;
let store: S3ObjectStore;
/** S3 event notifications s3rver emitted, as SQS message bodies (the bucket → queue notification). */
let notifications: string[] = [];
let queueCounter = 0;

beforeAll(async () => {
  [fixture, s3, sqsServer] = await Promise.all([startLoaderFixture(), startS3Server(), startSqsServer()]);
  sqs = new SQSClient(sqsServer.clientConfig);
  store = new S3ObjectStore({ client: new S3Client(s3.clientConfig), bucket: s3.bucket });
  s3.onEvent((event: S3EventNotification) => notifications.push(JSON.stringify(event)));
});
afterAll(async () => {
  sqs?.destroy();
  await Promise.all([fixture?.close(), s3?.close(), sqsServer?.close()]);
});
beforeEach(async () => {
  await fixture.pool.query("TRUNCATE events, batches");
  notifications = [];
});

function newQueue(options: { maxReceiveCount?: number } = {}) {
  return sqsServer.createQueue(`loader-${++queueCounter}`, { visibilityTimeoutSeconds: 1, ...options });
}

function handler() {
  return createSqsHandler({ ...fixture.loaderDeps({ store }), bucket: s3.bucket });
}

/** Waits until s3rver has reported count object writes. */
async function notificationsFor(count: number): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  while (notifications.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${notifications.length} of ${count} S3 notifications arrived`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return notifications.splice(0, count);
}

describe("the SQS handler", () => {
  test("loads batches written to S3 from their ObjectCreated notifications, and the queue drains", async () => {
    const queue = newQueue();
    const batches = Array.from({ length: 12 }, (_, index) => generateEvents(50, { seed: 100 + index }));
    for (const records of batches) await storeBatch(store, records);
    await sendMessages(sqs, queue.queueUrl, await notificationsFor(batches.length));

    const pumped = await pumpQueue(sqs, queue, handler());

    expect(pumped.itemFailures).toBe(0);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(...batches));
    const statuses = await fixture.pool.query("SELECT status, count(*)::int AS n FROM batches GROUP BY status");
    expect(statuses.rows).toEqual([{ status: "loaded", n: 12 }]);
  });

  test("the batches of the messages received together load in one transaction", async () => {
    const batches = Array.from({ length: 4 }, (_, index) => generateEvents(30, { seed: 300 + index }));
    const keys: string[] = [];
    for (const records of batches) keys.push(await storeBatch(store, records));
    const event = {
      Records: keys.map((key, index) => ({
        messageId: `message-${index}`,
        body: s3Notification(s3.bucket, [key]),
        attributes: { ApproximateReceiveCount: "1" },
      })),
    } as unknown as SQSEvent;

    const response = await handler()(event);

    expect(response.batchItemFailures).toEqual([]);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(...batches));
    const written = await fixture.pool.query("SELECT DISTINCT xmin::text FROM batches WHERE status = 'loaded'");
    expect(written.rows).toHaveLength(1);
  });

  test("records the S3 event time as the batch's receipt time", async () => {
    const queue = newQueue();
    const key = await storeBatch(store, generateEvents(3, { seed: 120 }));
    await sendMessages(sqs, queue.queueUrl, [s3Notification(s3.bucket, [key], "2024-06-01T10:00:02.500Z")]);

    await pumpQueue(sqs, queue, handler());

    expect(await batchRow(fixture.pool, parseBatchKey(key)?.batchId ?? "")).toMatchObject({
      received_at: new Date("2024-06-01T10:00:02.500Z"),
    });
  });

  test("the same notification delivered twice loads the batch once", async () => {
    const queue = newQueue();
    const records = generateEvents(100, { seed: 130 });
    const key = await storeBatch(store, records);
    await sendMessages(sqs, queue.queueUrl, [s3Notification(s3.bucket, [key])]);
    await pumpQueue(sqs, queue, handler());
    const before = await snapshot(fixture.pool);

    await sendMessages(sqs, queue.queueUrl, [s3Notification(s3.bucket, [key])]);
    const pumped = await pumpQueue(sqs, queue, handler());

    expect(pumped.itemFailures).toBe(0);
    expect(await snapshot(fixture.pool)).toEqual(before);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(records));
  });

  test("skips the S3 test event and ignores non-create records; loads every URL-encoded key of a message", async () => {
    const queue = newQueue();
    const first = generateEvents(20, { seed: 140 });
    const second = generateEvents(20, { seed: 141 });
    const firstKey = await storeBatch(store, first, { batchId: "a-b_c.1" });
    const secondKey = await storeBatch(store, second, { batchId: "a-b_c.2" });
    const encode = (key: string) => key.replaceAll("-", "%2D").replaceAll("_", "%5F");
    const twoRecords = JSON.parse(s3Notification(s3.bucket, [firstKey, secondKey]));
    for (const record of twoRecords.Records) record.s3.object.key = encode(record.s3.object.key);
    const removal = JSON.parse(s3Notification(s3.bucket, [firstKey]));
    removal.Records[0].eventName = "ObjectRemoved:Delete";
    await sendMessages(sqs, queue.queueUrl, [
      JSON.stringify({
        Service: "Amazon S3",
        Event: "s3:TestEvent",
        Time: "2024-06-01T10:00:00.000Z",
        Bucket: s3.bucket,
      }),
      JSON.stringify(twoRecords),
      JSON.stringify(removal),
    ]);

    const pumped = await pumpQueue(sqs, queue, handler());

    expect(pumped.itemFailures).toBe(0);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(first, second));
  });

  test("a poison batch goes to the dead-letter queue after maxReceiveCount while the rest of its SQS batch loads", async () => {
    const queue = newQueue({ maxReceiveCount: 2 });
    const good = Array.from({ length: 4 }, (_, index) => generateEvents(80, { seed: 150 + index }));
    const goodKeys: string[] = [];
    for (const records of good) goodKeys.push(await storeBatch(store, records));
    const poisonKey = await storeBatch(store, "this is not json", { batchId: "poison" });
    const poisonMessage = s3Notification(s3.bucket, [poisonKey]);
    await sendMessages(sqs, queue.queueUrl, [
      ...goodKeys.slice(0, 2).map((key) => s3Notification(s3.bucket, [key])),
      poisonMessage,
      ...goodKeys.slice(2).map((key) => s3Notification(s3.bucket, [key])),
    ]);

    const pumped = await pumpQueue(sqs, queue, handler());

    expect(pumped.itemFailures).toBe(2);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(...good));
    expect(await peekBodies(sqs, queue.deadLetterQueueUrl)).toEqual([poisonMessage]);
    expect(await batchRow(fixture.pool, "poison")).toMatchObject({
      status: "failed",
      attempts: 2,
      last_error: `batch is not valid JSON: ${jsonParseError("this is not json")}`,
    });
    expect(await store.exists(poisonKey)).toBe(true);

    // Redriving cannot fix it: the message stays in the dead-letter queue and is reported.
    const redrive = await redriveDeadLetters(
      { sqs, queueUrl: queue.deadLetterQueueUrl, bucket: s3.bucket, visibilityTimeoutSeconds: 1 },
      fixture.loaderDeps({ store }),
    );
    expect(redrive).toMatchObject({ messages: 1, deleted: 0, loaded: 0 });
    expect(redrive.failed).toEqual([
      {
        objectKey: poisonKey,
        error: `BatchFailedError: batch ${poisonKey} cannot be loaded: batch is not valid JSON: ${jsonParseError("this is not json")}`,
      },
    ]);
    expect(await batchRow(fixture.pool, "poison")).toMatchObject({ status: "failed", attempts: 3 });
  });

  test("a malformed message and a notification for another bucket fail and go to the dead-letter queue", async () => {
    const queue = newQueue({ maxReceiveCount: 1 });
    const foreign = s3Notification("someone-elses-bucket", ["batches/2024/06/01/foreign.json"]);
    await sendMessages(sqs, queue.queueUrl, ["not an S3 notification", foreign]);

    const pumped = await pumpQueue(sqs, queue, handler());

    expect(pumped.itemFailures).toBe(2);
    expect((await peekBodies(sqs, queue.deadLetterQueueUrl)).sort()).toEqual(
      [foreign, "not an S3 notification"].sort(),
    );
    expect((await fixture.pool.query("SELECT count(*)::int AS n FROM batches")).rows[0].n).toBe(0);
  });

  test("redriving the dead-letter queue loads its batches, deletes their messages, and a second redrive changes nothing", async () => {
    const queue = newQueue();
    const batches = Array.from({ length: 3 }, (_, index) => generateEvents(60, { seed: 160 + index }));
    const keys: string[] = [];
    for (const records of batches) keys.push(await storeBatch(store, records));
    // One of them was loaded before it was dead-lettered (e.g. it timed out after committing).
    await sendMessages(sqs, queue.queueUrl, [s3Notification(s3.bucket, [keys[0] ?? ""])]);
    await pumpQueue(sqs, queue, handler());
    await sendMessages(
      sqs,
      queue.deadLetterQueueUrl,
      keys.map((key) => s3Notification(s3.bucket, [key])),
    );
    const deps = fixture.loaderDeps({ store });

    const first = await redriveDeadLetters({ sqs, queueUrl: queue.deadLetterQueueUrl, bucket: s3.bucket }, deps);
    const afterFirst = await snapshot(fixture.pool);
    await sendMessages(
      sqs,
      queue.deadLetterQueueUrl,
      keys.map((key) => s3Notification(s3.bucket, [key])),
    );
    const second = await redriveDeadLetters({ sqs, queueUrl: queue.deadLetterQueueUrl, bucket: s3.bucket }, deps);

    expect(first).toMatchObject({
      messages: 3,
      deleted: 3,
      loaded: 2,
      alreadyLoaded: 1,
      eventsLoaded: 120,
      failed: [],
    });
    expect(second).toMatchObject({ messages: 3, deleted: 3, loaded: 0, alreadyLoaded: 3, eventsLoaded: 0, failed: [] });
    expect(await snapshot(fixture.pool)).toEqual(afterFirst);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(...batches));
    expect(await peekBodies(sqs, queue.deadLetterQueueUrl)).toEqual([]);
  });
});

function jsonParseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the text is valid JSON");
}

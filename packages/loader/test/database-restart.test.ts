import { SQSClient } from "@aws-sdk/client-sqs";
import { parseWebhookBatch } from "@msgevents/schema";
import { generateEvents, startSqsServer, type TestSqsServer } from "@msgevents/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSqsHandler } from "../src/index.ts";
import { inKeyOrder } from "../src/write-events.ts";
import { holdEventKey, waitForLockWaiters } from "./support/blocker.ts";
import { pumpQueue, s3Notification, sendMessages } from "./support/event-source.ts";
import {
  expectedEventKeys,
  type LoaderFixture,
  startLoaderFixture,
  storeBatch,
  storedEventKeys,
} from "./support/fixture.ts";

let fixture: LoaderFixture;
let sqsServer: TestSqsServer;
let sqs: SQSClient;

beforeAll(async () => {
  // An embedded server of the test's own, which the test stops and starts.
  [fixture, sqsServer] = await Promise.all([startLoaderFixture({ embedded: true }), startSqsServer()]);
  sqs = new SQSClient(sqsServer.clientConfig);
});
afterAll(async () => {
  sqs?.destroy();
  await Promise.all([fixture?.close(), sqsServer?.close()]);
});

test("the database stopped mid-load and restarted: SQS redelivers the failed messages and every event is stored once", async () => {
  const server = fixture.db.server;
  if (!server) throw new Error("the test needs an embedded server");
  const queue = sqsServer.createQueue("loader-restart", { visibilityTimeoutSeconds: 1, maxReceiveCount: 50 });
  const batches = Array.from({ length: 8 }, (_, index) => generateEvents(150, { seed: 300 + index }));
  const keys: string[] = [];
  for (const records of batches) keys.push(await storeBatch(fixture.store, records));
  await sendMessages(
    sqs,
    queue.queueUrl,
    keys.map((key) => s3Notification("bucket", [key])),
  );
  const handler = createSqsHandler({ ...fixture.loaderDeps(), bucket: "bucket" });

  // The first batch's load stops on its last event with its transaction open; the server then goes down under it.
  const lastOfFirst = inKeyOrder(parseWebhookBatch(JSON.stringify(batches[0])).events).at(-1);
  if (!lastOfFirst) throw new Error("no events");
  const blocker = await holdEventKey(fixture.db, lastOfFirst);
  const pumping = pumpQueue(sqs, queue, handler, { timeoutMs: 180_000 });
  await waitForLockWaiters(fixture.pool, 1);
  await server.stop();
  await blocker.release();
  // Deliveries fail while the server is down (connection refused) and come back after the visibility timeout.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await server.start();
  const pumped = await pumping;

  expect(pumped.itemFailures).toBeGreaterThan(0);
  expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(...batches));
  const statuses = await fixture.pool.query("SELECT status, count(*)::int AS n FROM batches GROUP BY status");
  expect(statuses.rows).toEqual([{ status: "loaded", n: 8 }]);
});

import { S3Client } from "@aws-sdk/client-s3";
import { S3ObjectStore } from "@msgevents/storage";
import { generateEvents, type S3EventNotification, startS3Server, type TestS3Server } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleIngest } from "../src/index.ts";
import { removeTempDirs, testDeps, webhookRequest } from "./helpers.ts";

let server: TestS3Server;
let client: S3Client;

beforeAll(async () => {
  server = await startS3Server();
  client = new S3Client(server.clientConfig);
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  await removeTempDirs();
});

describe("ingest with S3 storage (s3rver)", () => {
  it("writes one object per batch, exactly the bytes received, and S3 notifies once", async () => {
    const store = new S3ObjectStore({ client, bucket: server.bucket });
    const deps = await testDeps({ store });
    const notifications: S3EventNotification[] = [];
    const unsubscribe = server.onEvent((event) => notifications.push(event));
    const body = JSON.stringify(generateEvents(350, { seed: 21 }));
    const headers = { "x-messagesystems-batch-id": "5f2b1e7c9a0d4e3f8b6a1c2d3e4f5a6b" };

    const first = await handleIngest(webhookRequest(body, headers), deps);
    const retry = await handleIngest(webhookRequest(body, headers), deps);

    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).results).toEqual({
      batch_id: "5f2b1e7c9a0d4e3f8b6a1c2d3e4f5a6b",
      events: 350,
      duplicate: false,
      stored: true,
    });
    expect(JSON.parse(retry.body).results.duplicate).toBe(true);
    const key = "batches/2024/05/01/5f2b1e7c9a0d4e3f8b6a1c2d3e4f5a6b.json";
    expect(Buffer.from(await store.get(key)).toString()).toBe(body);
    await expect.poll(() => notifications.length).toBe(1);
    expect(notifications[0]?.Records[0]?.s3.object.key).toBe(key);
    unsubscribe();
  });
});

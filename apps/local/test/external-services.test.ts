import { rm } from "node:fs/promises";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { normalizeBatch } from "@msgevents/schema";
import { S3ObjectStore } from "@msgevents/storage";
import { sampleBatch, startS3Server, startSqsServer, startTestDatabase } from "@msgevents/testkit";
import { expect, test } from "vitest";
import { loadLocalConfig } from "../src/env.ts";
import { startLocalStack } from "../src/stack.ts";
import { basicAuth, postBatch, searchEvents } from "./clients.ts";
import { makeDataRoot, waitFor } from "./stack-process.ts";

test("with DATABASE_URL, an S3 endpoint and an SQS queue, the stack stores, queues and loads through them", async () => {
  const database = await startTestDatabase();
  const s3 = await startS3Server();
  const sqs = await startSqsServer();
  const queue = sqs.createQueue("msgevents-loader", { visibilityTimeoutSeconds: 5 });
  const dataRoot = await makeDataRoot("msgevents-external-");
  // The stack takes AWS credentials from the standard chain; s3rver checks signatures against its fixed key pair.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" });
  const config = loadLocalConfig({
    MSGEVENTS_DATA_DIR: path.join(dataRoot, "data"),
    MSGEVENTS_PORT: "0",
    DATABASE_URL: database.url,
    MSGEVENTS_S3_ENDPOINT: s3.endpoint,
    MSGEVENTS_S3_BUCKET: s3.bucket,
    MSGEVENTS_SQS_QUEUE_URL: queue.queueUrl,
    MSGEVENTS_SQS_ENDPOINT: sqs.endpoint,
  });
  const stack = await startLocalStack(config, new Logger({ serviceName: "test", logLevel: "ERROR" }));
  try {
    expect(stack.database).toBe("external");
    expect(stack.queue).toContain(queue.queueUrl);
    const { env } = stack.credentials;
    const authorization = basicAuth(env.MSGEVENTS_WEBHOOK_USERNAME ?? "", env.MSGEVENTS_WEBHOOK_PASSWORD ?? "");
    const response = await postBatch(
      stack.url,
      JSON.stringify(sampleBatch("batch-all-types")),
      authorization,
      "external-1",
    );
    expect(response.status).toBe(200);

    const expected = normalizeBatch(sampleBatch("batch-all-types")).events.length;
    const query = "/api/v1/events/message?from=2016-01-01T00:00:00Z&to=2017-01-01T00:00:00Z";
    await waitFor(
      async () => (await searchEvents(stack.url, env.MSGEVENTS_API_KEY ?? "", query)).total_count === expected,
      () => false,
      60_000,
      () => "events stored in S3 and queued in SQS were not loaded",
    );

    const objects = new S3ObjectStore({ client: new S3Client(s3.clientConfig), bucket: s3.bucket });
    const keys: string[] = [];
    for await (const object of objects.list("batches/")) keys.push(object.key);
    expect(keys).toEqual([expect.stringMatching(/^batches\/\d{4}\/\d{2}\/\d{2}\/external-1\.json$/)]);
    const attributes = await new SQSClient(sqs.clientConfig).send(
      new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ["All"] }),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe("0");
    expect(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe("0");
  } finally {
    await stack.stop();
    await Promise.all([sqs.close(), s3.close(), database.close()]);
    await rm(dataRoot, { recursive: true, force: true });
  }
});

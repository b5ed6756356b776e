import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { lambdaNodeBinary, startS3Server, type TestS3Server } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiGatewayEvent } from "./events.ts";
import { basicHeader, PASSWORD, sampleBody, USERNAME } from "./helpers.ts";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const bundle = fileURLToPath(new URL("../dist/ingest/index.mjs", import.meta.url));

let server: TestS3Server;

beforeAll(async () => {
  server = await startS3Server();
  await run("node_modules/.bin/tsx", ["build.ts"], { cwd: packageDir });
});

afterAll(async () => {
  await server?.close();
});

/** Invokes the bundled handler in a plain Node 24 process (the nodejs24.x runtime's Node), as the Lambda runtime would. */
async function invokeBundle(event: unknown): Promise<{ statusCode: number; body: string }> {
  const driver = `const { handler } = await import(${JSON.stringify(bundle)});
process.stdout.write("\\n" + JSON.stringify(await handler(JSON.parse(process.argv[1]))));`;
  const { stdout } = await run(lambdaNodeBinary(), ["--input-type=module", "-e", driver, JSON.stringify(event)], {
    env: {
      PATH: process.env.PATH,
      MSGEVENTS_S3_BUCKET: server.bucket,
      MSGEVENTS_WEBHOOK_USERNAME: USERNAME,
      MSGEVENTS_WEBHOOK_PASSWORD: PASSWORD,
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  });
  // Powertools log lines come first; the handler's result is the last line.
  return JSON.parse(stdout.trimEnd().split("\n").at(-1) ?? "");
}

describe("the bundled ingest Lambda (dist/ingest/index.mjs)", () => {
  it("is a single ESM file well under Lambda's limits", async () => {
    expect((await stat(bundle)).size).toBeLessThan(2 * 1024 * 1024);
  });

  it("stores a batch in S3 when run by plain Node 24", async () => {
    const result = await invokeBundle(
      apiGatewayEvent({
        path: "/webhooks/sparkpost",
        headers: {
          "content-type": "application/json",
          authorization: basicHeader(USERNAME, PASSWORD),
          "x-messagesystems-batch-id": "bundled-1",
        },
        body: sampleBody,
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).results).toEqual({
      batch_id: "bundled-1",
      events: 2,
      duplicate: false,
      stored: true,
    });
    const s3 = new S3Client(server.clientConfig);
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket }));
    const key = listing.Contents?.[0]?.Key ?? "";
    expect(key).toMatch(/^batches\/\d{4}\/\d{2}\/\d{2}\/bundled-1\.json$/);
    const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(await object.Body?.transformToString()).toBe(sampleBody);
    s3.destroy();
  });
});

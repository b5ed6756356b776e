import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startS3Server, type TestS3Server } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiGatewayEvent } from "./events.ts";
import { basicHeader, CLIENT_ID, CLIENT_SECRET, PASSWORD, sampleBody, USERNAME } from "./helpers.ts";

let server: TestS3Server;
let s3: S3Client;
let handler: typeof import("../src/lambda/handler.ts").handler;
const savedEnv = { ...process.env };

/** The environment the deployment gives the Lambda, pointed at s3rver through the SDK's standard endpoint variable. */
function lambdaEnv(s3Server: TestS3Server): Record<string, string> {
  return {
    MSGEVENTS_S3_BUCKET: s3Server.bucket,
    MSGEVENTS_WEBHOOK_USERNAME: USERNAME,
    MSGEVENTS_WEBHOOK_PASSWORD: PASSWORD,
    MSGEVENTS_OAUTH_CLIENT_ID: CLIENT_ID,
    MSGEVENTS_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
    AWS_ENDPOINT_URL_S3: s3Server.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
  };
}

/** Runs fn while capturing what Powertools Logger writes to stdout. */
async function capturingStdout<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    return { result: await fn(), output: chunks.join("") };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  server = await startS3Server();
  Object.assign(process.env, lambdaEnv(server));
  s3 = new S3Client(server.clientConfig);
  ({ handler } = await import("../src/lambda/handler.ts"));
});

afterAll(async () => {
  process.env = savedEnv;
  s3?.destroy();
  await server?.close();
});

async function storedKeys(): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: server.bucket }));
  return (listing.Contents ?? []).map((object) => object.Key ?? "");
}

describe("ingest Lambda handler (API Gateway HTTP API v2)", () => {
  it("stores a base64-encoded batch byte for byte in S3 and logs its id, size and event count", async () => {
    const { result, output } = await capturingStdout(() =>
      handler(
        apiGatewayEvent({
          path: "/webhooks/sparkpost",
          headers: {
            "Content-Type": "application/json",
            Authorization: basicHeader(USERNAME, PASSWORD),
            "X-MessageSystems-Batch-ID": "lambda-batch-1",
          },
          body: sampleBody,
          base64: true,
        }),
      ),
    );
    expect(result).toEqual({
      statusCode: 200,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ results: { batch_id: "lambda-batch-1", events: 2, duplicate: false, stored: true } }),
      isBase64Encoded: false,
    });
    const key = (await storedKeys()).find((stored) => stored.endsWith("/lambda-batch-1.json")) ?? "";
    expect(key).toMatch(/^batches\/\d{4}\/\d{2}\/\d{2}\/lambda-batch-1\.json$/);
    const object = await s3.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(await object.Body?.transformToString()).toBe(sampleBody);

    const stored = output
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((line) => line.message === "webhook batch stored");
    expect(stored).toMatchObject({
      level: "INFO",
      service: "msgevents-ingest",
      batchId: "lambda-batch-1",
      bytes: Buffer.byteLength(sampleBody),
      events: 2,
    });
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain("someone@example.com");
  });

  it("answers a retried batch as a duplicate found in S3", async () => {
    const event = apiGatewayEvent({
      path: "/webhooks/sparkpost",
      headers: { "content-type": "application/json", authorization: basicHeader(USERNAME, PASSWORD) },
      body: sampleBody,
    });
    await capturingStdout(() => handler(event));
    const { result } = await capturingStdout(() => handler(event));
    expect(JSON.parse(result.body ?? "").results).toMatchObject({ duplicate: true, stored: false });
  });

  it("runs the OAuth2 flow: form token request, then a batch with the Bearer token", async () => {
    const { result: tokenResponse } = await capturingStdout(() =>
      handler(
        apiGatewayEvent({
          path: "/oauth/token",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`,
        }),
      ),
    );
    expect(tokenResponse.statusCode).toBe(200);
    const { access_token: token } = JSON.parse(tokenResponse.body ?? "");
    const { result, output } = await capturingStdout(() =>
      handler(
        apiGatewayEvent({
          path: "/webhooks/sparkpost",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${token}`,
            "x-messagesystems-batch-id": "oauth-1",
          },
          body: sampleBody,
        }),
      ),
    );
    expect(result.statusCode).toBe(200);
    expect(await storedKeys()).toContainEqual(expect.stringMatching(/\/oauth-1\.json$/));
    expect(output).not.toContain(token);
  });

  it("refuses an unauthenticated batch with 401 and stores nothing", async () => {
    const before = await storedKeys();
    const { result } = await capturingStdout(() =>
      handler(
        apiGatewayEvent({ path: "/webhooks/sparkpost", headers: { "content-type": "application/json" }, body: "[{}]" }),
      ),
    );
    expect(result.statusCode).toBe(401);
    expect(result.headers?.["www-authenticate"]).toBe('Basic realm="msgevents", Bearer realm="msgevents"');
    expect(await storedKeys()).toEqual(before);
  });

  it("answers 400 for an event without a body", async () => {
    const { result } = await capturingStdout(() =>
      handler(
        apiGatewayEvent({ path: "/webhooks/sparkpost", headers: { authorization: basicHeader(USERNAME, PASSWORD) } }),
      ),
    );
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? "")).toEqual({
      errors: [
        { message: "invalid batch", description: "the request body is empty; send a JSON array of event records" },
      ],
    });
  });

  it("fails to load, and so to accept anything, when no authentication is configured", async () => {
    vi.resetModules();
    const {
      MSGEVENTS_WEBHOOK_USERNAME,
      MSGEVENTS_WEBHOOK_PASSWORD,
      MSGEVENTS_OAUTH_CLIENT_ID,
      MSGEVENTS_OAUTH_CLIENT_SECRET,
      ...rest
    } = process.env;
    const configured = process.env;
    process.env = rest;
    try {
      await expect(import("../src/lambda/handler.ts")).rejects.toThrow(/^no webhook authentication configured/);
    } finally {
      process.env = configured;
    }
  });
});

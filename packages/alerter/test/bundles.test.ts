// The two alert functions as they ship: each built index.mjs imported and invoked under Node 24 (the nodejs24.x
// runtime) with the events AWS delivers: the evaluator with EventBridge's scheduled event, logged into a real
// PostgreSQL as the msgevents_alerts role the migrator creates; the sender with S3's ObjectCreated notification,
// reading its secret from a Secrets Manager double; S3 is s3rver. A missing import, grant or variable fails here.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { handleAlertsRequest, verifySignature } from "@msgevents/alerts";
import {
  ensureLoginRoles,
  events,
  LOGIN_ROLES,
  migrate,
  normalizeBatch,
  PartitionManager,
  toEventRows,
} from "@msgevents/schema";
import {
  generateEvents,
  invokeBundle,
  resultOf,
  startS3Server,
  startSecretsManager,
  startTestDatabase,
  type TestDatabase,
  type TestS3Server,
  type TestSecretsManager,
} from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { OUTBOX_PREFIX, RECEIPTS_PREFIX } from "../src/outbox-bucket.ts";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const PASSWORD = "alerts-role-password-for-tests";
const SIGNING_KEY = "bundle-test-signing-key-0123456789";

let bundles: string;
let database: TestDatabase;
let owner: pg.Pool;
let s3Server: TestS3Server;
let s3: S3Client;
let secrets: TestSecretsManager;
let secretArn: string;
let receiver: http.Server;
let receiverUrl: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  bundles = await mkdtemp(path.join(os.tmpdir(), "msgevents-alert-bundles-"));
  await run("node_modules/.bin/tsx", ["build.ts", bundles], { cwd: packageDir });
  database = await startTestDatabase({ embedded: true });
  owner = database.pool({ max: 2 });
  await migrate(owner);
  await ensureLoginRoles(owner);
  await owner.query(`ALTER ROLE ${LOGIN_ROLES.alerts} PASSWORD '${PASSWORD}'`);
  s3Server = await startS3Server({ bucket: "msgevents-alert-outbox" });
  s3 = new S3Client(s3Server.clientConfig);
  secrets = await startSecretsManager();
  secretArn = secrets.put("msgevents/alerts", { signingKey: SIGNING_KEY });
  receiver = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
});

afterAll(async () => {
  s3?.destroy();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await owner?.end();
  await Promise.all([database?.close(), s3Server?.close(), secrets?.close()]);
  if (bundles) await rm(bundles, { recursive: true, force: true });
});

const awsEnv = () => ({
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
  AWS_ENDPOINT_URL_S3: s3Server.endpoint,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
});
const evaluatorEnv = () => ({
  ...awsEnv(),
  MSGEVENTS_DB_HOST: "127.0.0.1",
  MSGEVENTS_DB_PORT: new URL(database.url).port,
  MSGEVENTS_DB_NAME: new URL(database.url).pathname.slice(1),
  MSGEVENTS_DB_USER: LOGIN_ROLES.alerts,
  MSGEVENTS_DB_PASSWORD: PASSWORD,
  MSGEVENTS_OUTBOX_BUCKET: s3Server.bucket,
  MSGEVENTS_PUBLIC_URL: "https://events.example.com",
});
const senderEnv = () => ({
  ...awsEnv(),
  MSGEVENTS_OUTBOX_BUCKET: s3Server.bucket,
  MSGEVENTS_ALERT_SECRET_ARN: secretArn,
});

const scheduledEvent = () => ({
  version: "0",
  id: "5b2c5e4a-0000-0000-0000-000000000000",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/msgevents-alerts"],
  detail: {},
});
const objectCreated = (key: string) => ({
  Records: [
    {
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime: new Date().toISOString(),
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        bucket: { name: s3Server.bucket },
        object: { key: encodeURIComponent(key), size: 1 },
      },
    },
  ],
});

async function keys(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: s3Server.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key ?? "");
}

test("the evaluator opens an incident and hands its delivery over; the sender posts it and reports back", async () => {
  const db = drizzle({ client: owner });
  const body = {
    name: "Hard bounces",
    subaccounts: [-1],
    metric: "hard_bounce_rate",
    muted: false,
    filters: [],
    threshold_evaluator: { operator: "gt", source: "raw", value: 0 },
    min_volume: 1,
    channels: { webhook: { target: receiverUrl } },
  };
  const created = await handleAlertsRequest(
    { method: "POST", path: "/api/v1/alerts", rawQuery: "", headers: {}, body: Buffer.from(JSON.stringify(body)) },
    "/api/v1/alerts",
    { db, now: new Date() },
  );
  expect(created.status).toBe(200);
  const now = Date.now();
  const { events: rows } = normalizeBatch(
    generateEvents(2000, { seed: 5, from: new Date(now - 50 * 60_000), to: new Date(now - 60_000) }),
  );
  await new PartitionManager(owner).ensureFor(rows.map((row) => row.eventTime));
  await db.insert(events).values(await toEventRows(rows, { batchId: "bundle-test", receivedAt: new Date() }));

  const [first] = await invokeBundle(path.join(bundles, "alert-evaluator", "index.mjs"), evaluatorEnv(), [
    scheduledEvent(),
  ]);
  expect(resultOf(first)).toMatchObject({ evaluated: true, alerts: 1, opened: 1, attempted: 1, sent: 0 });
  const [outboxKey] = await keys(OUTBOX_PREFIX);
  expect(outboxKey).toMatch(/^outbox\/\d+-1\.json$/);

  const [sent] = await invokeBundle(path.join(bundles, "alert-sender", "index.mjs"), senderEnv(), [
    objectCreated(outboxKey ?? ""),
  ]);
  resultOf(sent);
  expect(received).toHaveLength(1);
  expect(
    verifySignature(
      received[0]?.body ?? "",
      String(received[0]?.headers["x-msgevents-signature"]),
      SIGNING_KEY,
      new Date(),
    ),
  ).toBe(true);
  expect(await keys(RECEIPTS_PREFIX)).toHaveLength(1);

  const [second] = await invokeBundle(path.join(bundles, "alert-evaluator", "index.mjs"), evaluatorEnv(), [
    scheduledEvent(),
  ]);
  expect(resultOf(second)).toMatchObject({ receipts: 1, opened: 0, attempted: 0 });
  expect(await keys(RECEIPTS_PREFIX)).toEqual([]);
});

test("the sender fails every invocation when its secret cannot be read", async () => {
  const [outcome] = await invokeBundle(
    path.join(bundles, "alert-sender", "index.mjs"),
    {
      ...senderEnv(),
      MSGEVENTS_ALERT_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing",
    },
    [objectCreated("outbox/1-1.json")],
  );
  expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/^cold start: /) });
});

// Every deployable as it ships: the five built index.mjs files, each imported and invoked under Node 24 (the
// nodejs24.x runtime) with the events AWS delivers, against a real PostgreSQL over verified TLS logged in as the
// least-privilege roles the migrator bundle created, S3 and SQS emulators, and the secrets served by a Secrets
// Manager double. A missing import, a wrong export, a missing grant or a wrong variable name fails here.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { migrationsFolder } from "@msgevents/schema";
import {
  enableServerTls,
  generateEvents,
  invokeBundle,
  readSampleText,
  resultOf,
  type S3EventNotification,
  startS3Server,
  startSecretsManager,
  startSqsServer,
  startTestDatabase,
  type TestCertificateAuthority,
  type TestDatabase,
  type TestQueue,
  type TestS3Server,
  type TestSecretsManager,
  type TestSqsServer,
} from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { httpApiEvent, scheduledEvent, sqsEvent } from "./support/events.ts";

const run = promisify(execFile);
const packagesDir = fileURLToPath(new URL("../..", import.meta.url));
const journal = JSON.parse(readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};

const OWNER = "msgevents_bundle_owner";
const OWNER_PASSWORD = "owner-password-for-tests";
const ROLE_PASSWORD = "role-password-for-tests";
const WEBHOOK = {
  username: "sparkpost",
  password: "webhook-password-0123456789",
  oauthClientId: "sparkpost-client",
  oauthClientSecret: "oauth-client-secret-0123456789abcdef",
};
const API = { apiKey: "api-key-0123456789abcdef", cursorSecret: "cursor-secret-0123456789abcdef" };

let bundles: string;
let database: TestDatabase;
let ca: TestCertificateAuthority;
let s3: TestS3Server;
let sqsServer: TestSqsServer;
let queue: TestQueue;
let sqs: SQSClient;
let secrets: TestSecretsManager;
let admin: pg.Pool;
const notifications: S3EventNotification[] = [];
const secretArns = { webhook: "", api: "", master: "", recipients: "" };

const bundle = (name: string) => path.join(bundles, name, "index.mjs");

beforeAll(async () => {
  bundles = await mkdtemp(path.join(os.tmpdir(), "msgevents-bundles-"));
  // One after the other: esbuild is CPU-heavy and CI runs every suite at once on two cores.
  for (const pkg of ["ingest", "loader", "query", "migrator", "erasure"]) {
    await run("node_modules/.bin/tsx", ["build.ts", bundles], { cwd: path.join(packagesDir, pkg) });
  }

  database = await startTestDatabase({ embedded: true });
  if (!database.server) throw new Error("expected an embedded server");
  ca = await enableServerTls(database.server);
  admin = database.pool({ max: 1 });
  // The schema owner is an ordinary role owning the database with CREATEROLE, as the RDS master user is.
  await admin.query(`CREATE ROLE ${OWNER} LOGIN CREATEROLE PASSWORD '${OWNER_PASSWORD}'`);
  await admin.query(`ALTER DATABASE ${databaseName()} OWNER TO ${OWNER}`);

  s3 = await startS3Server();
  s3.onEvent((event) => notifications.push(event));
  sqsServer = await startSqsServer();
  queue = sqsServer.createQueue("msgevents-batches");
  sqs = new SQSClient(sqsServer.clientConfig);
  secrets = await startSecretsManager();
  secretArns.webhook = secrets.put("msgevents/webhook", WEBHOOK);
  secretArns.api = secrets.put("msgevents/api", API);
  secretArns.master = secrets.put("rds!db-0123", { username: OWNER, password: OWNER_PASSWORD });
  secretArns.recipients = secrets.put("msgevents/recipient-hash", { recipientHashSecret: "bundle-test-recipient-key" });
});

afterAll(async () => {
  sqs?.destroy();
  await admin?.end();
  await Promise.all([database?.close(), ca?.close(), s3?.close(), sqsServer?.close(), secrets?.close()]);
  if (bundles) await rm(bundles, { recursive: true, force: true });
});

/** Polls `condition` until it holds; fails after a minute (a generous bound for a busy machine, not a speed check). */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function databaseName(): string {
  return new URL(database.url).pathname.slice(1);
}

/** What every function's runtime environment holds: region, credentials, and the emulators' endpoints. */
function awsEnv(): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

/** The database variables of CONTRACTS.md, with TLS verified against the test CA as RDS's is against the runtime's. */
function databaseEnv(user?: string): Record<string, string> {
  return {
    MSGEVENTS_DB_HOST: "127.0.0.1",
    MSGEVENTS_DB_PORT: new URL(database.url).port,
    MSGEVENTS_DB_NAME: databaseName(),
    MSGEVENTS_DB_SSL: "true",
    NODE_EXTRA_CA_CERTS: ca.caFile,
    // On RDS the roles log in with IAM tokens (MSGEVENTS_DB_IAM_AUTH=true); PostgreSQL here takes a password.
    ...(user ? { MSGEVENTS_DB_USER: user, MSGEVENTS_DB_PASSWORD: ROLE_PASSWORD } : {}),
  };
}

const migratorEnv = () => ({
  ...awsEnv(),
  ...databaseEnv(),
  MSGEVENTS_DB_MASTER_SECRET_ARN: secretArns.master,
});
const ingestEnv = () => ({
  ...awsEnv(),
  MSGEVENTS_S3_BUCKET: s3.bucket,
  MSGEVENTS_WEBHOOK_SECRET_ARN: secretArns.webhook,
  MSGEVENTS_WEBHOOK_AUTH: "basic,oauth2",
});
const loaderEnv = () => ({
  ...awsEnv(),
  ...databaseEnv("msgevents_loader"),
  MSGEVENTS_S3_BUCKET: s3.bucket,
  MSGEVENTS_LOADER_POOL_MAX: "2",
  MSGEVENTS_RECIPIENT_SECRET_ARN: secretArns.recipients,
});
const queryEnv = () => ({
  ...awsEnv(),
  ...databaseEnv("msgevents_query"),
  MSGEVENTS_API_SECRET_ARN: secretArns.api,
  MSGEVENTS_DB_POOL_MAX: "2",
  MSGEVENTS_QUERY_TIMEOUT_MS: "15000",
  MSGEVENTS_RECIPIENT_SECRET_ARN: secretArns.recipients,
});
const eraserEnv = () => ({
  ...awsEnv(),
  ...databaseEnv("msgevents_eraser"),
  MSGEVENTS_S3_BUCKET: s3.bucket,
  MSGEVENTS_RECIPIENT_SECRET_ARN: secretArns.recipients,
});
const maintenanceEnv = () => ({
  ...awsEnv(),
  ...databaseEnv("msgevents_maintenance"),
  MSGEVENTS_RETENTION_DAYS: "30",
});

function webhookPost(authorization: string, batchId: string, body: string) {
  return httpApiEvent({
    method: "POST",
    path: "/webhooks/sparkpost",
    headers: { "content-type": "application/json", authorization, "x-messagesystems-batch-id": batchId },
    body,
  });
}

function response(value: unknown): { statusCode: number; json: Record<string, unknown> } {
  const { statusCode, body } = value as { statusCode: number; body: string };
  return { statusCode, json: JSON.parse(body) as Record<string, unknown> };
}

const basic = `Basic ${Buffer.from(`${WEBHOOK.username}:${WEBHOOK.password}`).toString("base64")}`;
// Current events (so the loader also needs today's partitions) and SparkPost's 2016 samples (late events).
const currentBatch = JSON.stringify(
  generateEvents(40, { seed: 7, from: new Date(Date.now() - 3_600_000), to: new Date() }),
);
const lateBatch = readSampleText("batch-all-types");

describe("the six bundles under Node 24", () => {
  test("migrator: applies every migration as the master user from its secret and creates the login roles", async () => {
    const [first, second] = await invokeBundle(bundle("migrator"), migratorEnv(), [
      { trigger: "deployment-1" },
      { trigger: "deployment-2" },
    ]);
    expect(resultOf(first)).toEqual({
      applied: journal.entries.map((entry) => entry.tag),
      roles: ["msgevents_loader", "msgevents_query", "msgevents_maintenance", "msgevents_alerts", "msgevents_eraser"],
    });
    expect(resultOf(second)).toEqual({
      applied: [],
      roles: ["msgevents_loader", "msgevents_query", "msgevents_maintenance", "msgevents_alerts", "msgevents_eraser"],
    });
    // Test-only: RDS roles log in with IAM tokens; here each gets a password.
    for (const role of [
      "msgevents_loader",
      "msgevents_query",
      "msgevents_maintenance",
      "msgevents_alerts",
      "msgevents_eraser",
    ]) {
      await admin.query(`ALTER ROLE ${role} PASSWORD '${ROLE_PASSWORD}'`);
    }
  });

  test("ingest: the token endpoint, then batches with Basic and with an OAuth2 token, reading its secret once", async () => {
    const readsBefore = secrets.reads.length;
    const [token, withBasic, wrongPassword] = await invokeBundle(bundle("ingest"), ingestEnv(), [
      httpApiEvent({
        method: "POST",
        path: "/oauth/token",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `grant_type=client_credentials&client_id=${WEBHOOK.oauthClientId}&client_secret=${WEBHOOK.oauthClientSecret}`,
      }),
      webhookPost(basic, "bundle-late-1", lateBatch),
      webhookPost(`Basic ${Buffer.from(`${WEBHOOK.username}:wrong`).toString("base64")}`, "bundle-x", lateBatch),
    ]);
    expect(secrets.reads.slice(readsBefore)).toEqual([secretArns.webhook]);
    const issued = response(resultOf(token));
    expect(issued.statusCode).toBe(200);
    expect(issued.json).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    expect(response(resultOf(withBasic))).toMatchObject({ statusCode: 200, json: { results: { stored: true } } });
    expect(response(resultOf(wrongPassword)).statusCode).toBe(401);

    const [withBearer] = await invokeBundle(bundle("ingest"), ingestEnv(), [
      webhookPost(`Bearer ${issued.json.access_token as string}`, "bundle-current-1", currentBatch),
    ]);
    expect(response(resultOf(withBearer))).toMatchObject({
      statusCode: 200,
      json: { results: { batch_id: "bundle-current-1", events: 40, stored: true } },
    });
    // s3rver reports its notifications from its own process, a moment after the write.
    await until(() => notifications.length >= 2, "two S3 notifications");
    expect(notifications).toHaveLength(2);
  });

  test("loader: an SQS batch of S3 notifications loads both batches as msgevents_loader, partitions included", async () => {
    for (const notification of notifications) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify(notification) }));
    }
    // SQS may return fewer messages than are waiting; receive until both are in hand, as the event source mapping does.
    const Messages: Message[] = [];
    await until(async () => {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      Messages.push(...(received.Messages ?? []));
      return Messages.length >= 2;
    }, "two SQS messages");
    expect(Messages).toHaveLength(2);
    const [outcome] = await invokeBundle(bundle("loader"), loaderEnv(), [sqsEvent(Messages, queue.queueArn)]);
    expect(resultOf(outcome)).toEqual({ batchItemFailures: [] });
    const loaded = await admin.query<{ batch_id: string; status: string }>(
      "SELECT batch_id, status FROM batches ORDER BY batch_id",
    );
    expect(loaded.rows).toEqual([
      { batch_id: "bundle-current-1", status: "loaded" },
      { batch_id: "bundle-late-1", status: "loaded" },
    ]);
  });

  test("query: Events API, legacy search, rejections and health as msgevents_query, reading its secret once", async () => {
    const readsBefore = secrets.reads.length;
    const authorization = { authorization: API.apiKey };
    const to = new Date(Date.now() + 60_000).toISOString().slice(0, 16);
    const [search, late, legacy, rejections, health, figures, unauthorized] = await invokeBundle(
      bundle("query"),
      queryEnv(),
      [
        httpApiEvent({
          method: "GET",
          path: "/api/v1/events/message",
          query: `from=2016-01-01T00:00&to=${to}&per_page=100`,
          headers: authorization,
        }),
        httpApiEvent({
          method: "GET",
          path: "/api/v1/events/message",
          query: "from=2016-01-01T00:00&to=2017-01-01T00:00",
          headers: authorization,
        }),
        httpApiEvent({
          method: "GET",
          path: "/api/v1/message-events",
          query: `from=2016-01-01T00:00&to=${to}`,
          headers: authorization,
        }),
        httpApiEvent({ method: "GET", path: "/api/v1/rejections", headers: authorization }),
        httpApiEvent({ method: "GET", path: "/health" }),
        httpApiEvent({ method: "GET", path: "/health", headers: authorization }),
        httpApiEvent({ method: "GET", path: "/api/v1/events/message", headers: { authorization: "wrong-key-0123" } }),
      ],
    );
    expect(secrets.reads.slice(readsBefore).sort()).toEqual([secretArns.api, secretArns.recipients].sort());
    const stored = await admin.query<{ n: number; late: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE event_time < '2017-01-01')::int AS late FROM events",
    );
    const { n, late: lateCount } = stored.rows[0] ?? { n: 0, late: 0 };
    expect(n).toBeGreaterThan(40);
    expect(response(resultOf(search))).toMatchObject({ statusCode: 200, json: { total_count: n } });
    expect(response(resultOf(late))).toMatchObject({ statusCode: 200, json: { total_count: lateCount } });
    expect(response(resultOf(legacy))).toMatchObject({ statusCode: 200, json: { total_count: n } });
    expect(response(resultOf(rejections)).statusCode).toBe(200);
    expect(response(resultOf(health))).toEqual({ statusCode: 200, json: { status: "ok" } });
    expect(response(resultOf(figures))).toMatchObject({ statusCode: 200, json: { status: "ok" } });
    expect(response(resultOf(unauthorized)).statusCode).toBe(401);
  });

  test("query: serves the web app from the files beside the bundle, before and without the API key", async () => {
    const html = await readFile(path.join(bundles, "query", "web", "index.html"), "utf8");
    // The stylesheet rather than the script: a few kilobytes through the child process's output.
    const stylesheet = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1] ?? "";
    const [page, asset, missing] = await invokeBundle(bundle("query"), queryEnv(), [
      httpApiEvent({ method: "GET", path: "/" }),
      httpApiEvent({ method: "GET", path: stylesheet }),
      httpApiEvent({ method: "GET", path: "/assets/missing.js" }),
    ]);
    expect(resultOf(page)).toMatchObject({
      statusCode: 200,
      body: html,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" },
    });
    expect(resultOf(asset)).toMatchObject({
      statusCode: 200,
      headers: {
        "content-type": "text/css; charset=utf-8",
        "cache-control": "public, max-age=31536000, immutable",
      },
    });
    expect(response(resultOf(missing)).statusCode).toBe(404);
  });

  test("maintenance: a scheduled event creates the coming days and drops the expired 2016 partitions", async () => {
    const [outcome] = await invokeBundle(bundle("maintenance"), maintenanceEnv(), [scheduledEvent(new Date())]);
    const result = resultOf(outcome) as { created: number; dropped: string[]; backfills: unknown };
    expect(result.dropped.length).toBeGreaterThan(0);
    // A database migrated empty has no day to backfill.
    expect(result.backfills).toEqual({ filled: 0, events: 0, failed: 0, remaining: 0 });
    expect(result.dropped.every((name) => /^events_2016\d{4}$/.test(name))).toBe(true);
    const left = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE event_time < '2017-01-01'",
    );
    expect(left.rows[0]?.n).toBe(0);
    const week = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class WHERE relname = 'events_' || to_char(now() AT TIME ZONE 'UTC' + interval '7 days', 'YYYYMMDD')`,
    );
    expect(week.rows[0]?.n).toBe(1);
  });

  test("eraser: a request saved through the query bundle is erased by a scheduled run as msgevents_eraser", async () => {
    const records = JSON.parse(currentBatch) as { msys: Record<string, { rcpt_to: string }> }[];
    const recipient = Object.values(records[0]?.msys ?? {})[0]?.rcpt_to ?? "";
    const holding = records.filter((record) => Object.values(record.msys)[0]?.rcpt_to === recipient).length;
    const count = async () =>
      (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE rcpt_to = $1", [recipient]))
        .rows[0]?.n;
    expect(await count()).toBeGreaterThan(0);
    const [saved] = await invokeBundle(bundle("query"), queryEnv(), [
      httpApiEvent({
        method: "POST",
        path: "/api/v1/data-privacy/rtbf-request",
        headers: { authorization: API.apiKey, "content-type": "application/json" },
        body: JSON.stringify({ recipients: [recipient], include_subaccounts: true }),
      }),
    ]);
    expect(response(resultOf(saved))).toMatchObject({
      statusCode: 200,
      json: { results: { message: "Request saved." } },
    });
    const [run] = await invokeBundle(bundle("eraser"), eraserEnv(), [scheduledEvent(new Date())]);
    expect(resultOf(run)).toMatchObject({ busy: false, failed: [], requests: [{ status: "completed" }] });
    expect(await count()).toBe(0);
    const key = (
      await admin.query<{ object_key: string }>("SELECT object_key FROM batches WHERE batch_id = 'bundle-current-1'")
    ).rows[0]?.object_key;
    const client = new S3Client(s3.clientConfig);
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const text = await object.Body?.transformToString();
    client.destroy();
    expect(text).not.toContain(recipient);
    expect(JSON.parse(text ?? "[]")).toHaveLength(40 - holding);
  });

  test("a bundle whose secret cannot be read fails every invocation instead of serving", async () => {
    const [outcome] = await invokeBundle(
      bundle("query"),
      { ...queryEnv(), MSGEVENTS_API_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:missing" },
      [httpApiEvent({ method: "GET", path: "/health" })],
    );
    expect(outcome).toMatchObject({ ok: false, error: expect.stringContaining("cold start") });
  });
});

// The AWS sending path without AWS: the evaluator's cycle hands deliveries to a real S3 API (s3rver) through the real
// SDK, each new outbox object's notification drives the sender's job, which posts to a real HTTP receiver and leaves
// a receipt that the next cycle records and deletes.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { type AlertMetricsSource, handleAlertsRequest, runAlertCycle, verifySignature } from "@msgevents/alerts";
import { migrate } from "@msgevents/schema";
import {
  type S3EventNotification,
  startS3Server,
  startTestDatabase,
  type TestDatabase,
  type TestS3Server,
} from "@msgevents/testkit";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { OUTBOX_PREFIX, outboxTransport, RECEIPTS_PREFIX } from "../src/outbox-bucket.ts";
import { keysOfS3Event, sendFromOutbox } from "../src/sender.ts";

const KEY = "outbox-test-signing-key-0123456789";
const NOW = new Date("2030-04-01T08:00:00Z");

let database: TestDatabase;
let pool: pg.Pool;
let db: NodePgDatabase;
let s3Server: TestS3Server;
let s3: S3Client;
let receiver: http.Server;
let receiverUrl: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
const senderRuns: Promise<unknown>[] = [];

const source: AlertMetricsSource = {
  measure: async (query) => [
    { values: query.dimensions.map(() => "0"), metrics: { count_sent: 500, count_hard_bounce: 100 } },
  ],
};

beforeAll(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 3 });
  await migrate(pool);
  db = drizzle({ client: pool });
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
  s3Server = await startS3Server({ bucket: "msgevents-alert-outbox" });
  s3 = new S3Client(s3Server.clientConfig);
  // What S3 does for the bucket's ObjectCreated notification: invoke the sender with the event.
  s3Server.onEvent((event: S3EventNotification) => {
    senderRuns.push(
      sendFromOutbox(keysOfS3Event(event), {
        s3,
        bucket: s3Server.bucket,
        config: { signingKey: KEY, fetch, now: () => NOW },
      }),
    );
  });
});

afterAll(async () => {
  s3?.destroy();
  await s3Server?.close();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await pool?.end();
  await database?.close();
});

async function keys(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: s3Server.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key ?? "");
}

/** Waits for every sender run the notifications started so far (and those they lead to). */
async function sendersDone(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await keys(OUTBOX_PREFIX)).length > senderRuns.length) {
    if (Date.now() > deadline) throw new Error("S3 never announced every outbox object");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await Promise.all(senderRuns);
}

test("a delivery goes out through the outbox bucket, and its receipt comes back to the incident", async () => {
  const body = {
    name: "Hard bounces",
    subaccounts: [-1],
    metric: "hard_bounce_rate",
    muted: false,
    filters: [],
    threshold_evaluator: { operator: "gt", source: "raw", value: 5 },
    channels: { webhook: { target: receiverUrl } },
  };
  const created = await handleAlertsRequest(
    { method: "POST", path: "/api/v1/alerts", rawQuery: "", headers: {}, body: Buffer.from(JSON.stringify(body)) },
    "/api/v1/alerts",
    { db, now: NOW },
  );
  const { id } = JSON.parse(created.body).results;
  const deps = { db, source, transport: outboxTransport(s3, s3Server.bucket), publicUrl: "https://events.example.com" };

  // First cycle: the incident opens and its delivery is handed over; nothing is known about it yet.
  expect(await runAlertCycle(deps, NOW)).toMatchObject({ opened: 1, attempted: 1, sent: 0, receipts: 0 });
  await sendersDone();
  expect(received).toHaveLength(1);
  expect(JSON.parse(received[0]?.body ?? "")[0]).toMatchObject({ alert_id: id, triggered_value: 20 });
  expect(
    verifySignature(received[0]?.body ?? "", String(received[0]?.headers["x-msgevents-signature"]), KEY, NOW),
  ).toBe(true);
  expect(await keys(RECEIPTS_PREFIX)).toHaveLength(1);

  // Next cycle: the receipt is recorded on the incident and removed from the bucket.
  expect(await runAlertCycle(deps, new Date(NOW.getTime() + 300_000))).toMatchObject({ receipts: 1, attempted: 0 });
  expect(await keys(RECEIPTS_PREFIX)).toEqual([]);
  const incidents = await handleAlertsRequest(
    { method: "GET", path: `/api/v1/alerts/${id}/incidents`, rawQuery: "", headers: {}, body: new Uint8Array() },
    `/api/v1/alerts/${id}/incidents`,
    { db, now: NOW },
  );
  expect(JSON.parse(incidents.body).results[0].deliveries).toEqual([
    expect.objectContaining({ channel: "webhook", status: "sent", attempts: 1 }),
  ]);
});

test("the sender ignores keys outside the outbox and decodes keys as S3 encodes them", async () => {
  expect(keysOfS3Event({ Records: [{ s3: { object: { key: "outbox/a+b%2Bc.json" } } }] })).toEqual([
    "outbox/a b+c.json",
  ]);
  expect(
    await sendFromOutbox(["receipts/1-1.json"], {
      s3,
      bucket: s3Server.bucket,
      config: { signingKey: KEY, fetch, now: () => NOW },
    }),
  ).toEqual([]);
});

// The evaluation cycle against a real PostgreSQL: incidents, the outbox and its retries, with a metrics source whose
// numbers the test sets (the Metrics API's own source is tested in packages/query) and a real HTTP receiver.
import { migrate } from "@msgevents/schema";
import { startTestDatabase, startWebhookReceiver, type TestDatabase } from "@msgevents/testkit";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verifySignature } from "../src/channels/signature.ts";
import { runAlertCycle } from "../src/cycle.ts";
import { directTransport } from "../src/delivery/transport.ts";
import type { AlertMetricsSource, MeasureRow } from "../src/evaluate/source.ts";
import { MAX_ATTEMPTS } from "../src/store/deliveries.ts";
import { callApi } from "./support.ts";

const KEY = "cycle-test-signing-key-0123456789";
const START = new Date("2030-03-01T10:00:00Z");
const minutes = (count: number) => new Date(START.getTime() + count * 60_000);

let database: TestDatabase;
let pool: pg.Pool;
let db: NodePgDatabase;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** What the receiver answers; the test turns it into an outage. */
let receiverStatus = 200;
/** The Gmail numbers the source reports for any window. */
let gmail = { count_sent: 0, count_block_bounce: 0 };

const source: AlertMetricsSource = {
  async measure(query): Promise<MeasureRow[]> {
    if (gmail.count_sent === 0) return [];
    const values = query.dimensions.map((dimension) => (dimension === "mailbox_provider" ? "Gmail" : "0"));
    return [{ values, metrics: gmail }];
  },
};

let clock = START;
const cycle = () =>
  runAlertCycle(
    {
      db,
      source,
      transport: directTransport({ signingKey: KEY, fetch, now: () => clock }),
      publicUrl: "https://events.example.com",
    },
    clock,
  );

beforeAll(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 4 });
  await migrate(pool);
  db = drizzle({ client: pool });
  receiver = await startWebhookReceiver(() => receiverStatus);
});

afterAll(async () => {
  await receiver?.close();
  await pool?.end();
  await database?.close();
});

const blockAlert = (fields: Record<string, unknown> = {}) => ({
  name: "Blocks at Gmail",
  subaccounts: [0],
  metric: "block_bounce_rate",
  muted: false,
  filters: [{ filter_type: "mailbox_provider", filter_values: ["Gmail"] }],
  threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
  channels: { webhook: { target: `${receiver.url}/alerts` } },
  recovery_minutes: 30,
  reminder_minutes: 120,
  ...fields,
});

async function incidents(id: number) {
  const answer = await callApi(db, clock, "GET", `/api/v1/alerts/${id}/incidents`);
  return answer.body.results as {
    id: number;
    status: string;
    triggered_value: number;
    closed_reason: string | null;
    deliveries: { status: string; attempts: number; last_error: string | null; kind: string }[];
  }[];
}

describe("one alert through its life", () => {
  let id: number;

  test("is created through the API and fires nothing while Gmail is within its threshold", async () => {
    const created = await callApi(db, clock, "POST", "/api/v1/alerts", blockAlert());
    expect(created.status).toBe(200);
    id = (created.body.results as { id: number }).id;
    gmail = { count_sent: 1000, count_block_bounce: 20 };
    expect(await cycle()).toMatchObject({ evaluated: true, alerts: 1, observations: 1, opened: 0, attempted: 0 });
  });

  test("fires once when block bounces cross the threshold, posting SparkPost's payload signed", async () => {
    clock = minutes(5);
    gmail = { count_sent: 1000, count_block_bounce: 250 };
    expect(await cycle()).toMatchObject({ opened: 1, attempted: 1, sent: 1 });
    clock = minutes(10);
    expect(await cycle()).toMatchObject({ opened: 0, reminded: 0, attempted: 0 });

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    const [incident] = await incidents(id);
    expect(JSON.parse(request?.body ?? "")).toEqual([
      {
        alert_id: id,
        incident_id: incident?.id,
        name: "Blocks at Gmail",
        metric: "block_bounce_rate",
        triggered_value: 25,
        triggered_at: minutes(5).toISOString(),
        threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
        filters: { subaccount_id: 0, mailbox_provider: "Gmail" },
      },
    ]);
    expect(verifySignature(request?.body ?? "", String(request?.headers["x-msgevents-signature"]), KEY, clock)).toBe(
      true,
    );
    expect(incident).toMatchObject({
      status: "open",
      triggered_value: 25,
      deliveries: [{ status: "sent", attempts: 1 }],
    });
    const alert = await callApi(db, clock, "GET", `/api/v1/alerts/${id}`);
    expect(alert.body.results).toMatchObject({ last_triggered: minutes(5).toISOString() });
  });

  test("reminds while it keeps firing, retrying a receiver that fails, the failure shown on the incident", async () => {
    receiverStatus = 503;
    clock = minutes(125);
    expect(await cycle()).toMatchObject({ reminded: 1, attempted: 1, failed: 1 });
    let [incident] = await incidents(id);
    expect(incident?.deliveries.at(-1)).toMatchObject({
      kind: "reminder",
      status: "pending",
      attempts: 1,
      last_error: "HTTP 503: unavailable",
    });
    // The retry waits a minute: a cycle before that does not attempt it.
    clock = minutes(125.5);
    expect(await cycle()).toMatchObject({ attempted: 0 });
    receiverStatus = 200;
    clock = minutes(127);
    expect(await cycle()).toMatchObject({ attempted: 1, sent: 1 });
    [incident] = await incidents(id);
    expect(incident?.deliveries.at(-1)).toMatchObject({
      status: "sent",
      attempts: 2,
      last_error: "HTTP 503: unavailable",
    });
  });

  test("closes once it stayed within the threshold for the recovery period, and not before", async () => {
    gmail = { count_sent: 1000, count_block_bounce: 10 };
    clock = minutes(130);
    expect(await cycle()).toMatchObject({ closed: 0 });
    clock = minutes(155);
    expect(await cycle()).toMatchObject({ closed: 0 });
    clock = minutes(160);
    expect(await cycle()).toMatchObject({ closed: 1 });
    expect((await incidents(id))[0]).toMatchObject({ status: "closed", closed_reason: "recovered" });
  });

  test("opens a new incident when it fires again after closing", async () => {
    gmail = { count_sent: 1000, count_block_bounce: 300 };
    clock = minutes(165);
    expect(await cycle()).toMatchObject({ opened: 1 });
    expect((await incidents(id)).map((incident) => incident.status)).toEqual(["open", "closed"]);
  });

  test("muted, neither evaluates nor sends, even what it queued before", async () => {
    receiverStatus = 500;
    const before = receiver.received.length;
    // A reminder is due: queued, attempted, failed; then the alert is muted before the retry.
    clock = minutes(2000);
    expect(await cycle()).toMatchObject({ reminded: 1, failed: 1 });
    expect((await callApi(db, clock, "PUT", `/api/v1/alerts/${id}`, { muted: true })).status).toBe(200);
    receiverStatus = 200;
    for (const at of [2010, 2020, 5000]) {
      clock = minutes(at);
      expect(await cycle()).toMatchObject({ alerts: 0, attempted: 0 });
    }
    expect(receiver.received.length).toBe(before + 1);
  });

  test("changing what it evaluates closes its open incidents", async () => {
    const updated = await callApi(db, clock, "PUT", `/api/v1/alerts/${id}`, {
      muted: false,
      threshold_evaluator: { value: 50 },
    });
    expect(updated.body.results).toMatchObject({
      muted: false,
      threshold_evaluator: { operator: "gt", source: "raw", value: 50 },
    });
    expect((await incidents(id))[0]).toMatchObject({ status: "closed", closed_reason: "alert updated" });
  });

  test("deleted, takes its incidents and deliveries with it", async () => {
    expect((await callApi(db, clock, "DELETE", `/api/v1/alerts/${id}`)).body).toEqual({ results: { id } });
    const remaining = await pool.query(
      "SELECT (SELECT count(*) FROM alert_incidents)::int AS i, (SELECT count(*) FROM alert_deliveries)::int AS d",
    );
    expect(remaining.rows[0]).toEqual({ i: 0, d: 0 });
    expect((await callApi(db, clock, "GET", `/api/v1/alerts/${id}`)).status).toBe(404);
  });
});

test("a delivery that keeps failing is given up after its last attempt, and says why", async () => {
  receiverStatus = 500;
  const created = await callApi(
    db,
    clock,
    "POST",
    "/api/v1/alerts",
    blockAlert({ name: "Always failing", reminder_minutes: 0 }),
  );
  const id = (created.body.results as { id: number }).id;
  gmail = { count_sent: 1000, count_block_bounce: 300 };
  for (let attempt = 0; attempt < MAX_ATTEMPTS + 2; attempt++) {
    clock = new Date(clock.getTime() + 61 * 60_000);
    await cycle();
  }
  const [incident] = await incidents(id);
  expect(incident?.deliveries).toEqual([
    expect.objectContaining({ status: "failed", attempts: MAX_ATTEMPTS, last_error: "HTTP 500: unavailable" }),
  ]);
  receiverStatus = 200;
});

test("two evaluators at once: one evaluates, the other only delivers, and nothing opens twice", async () => {
  const created = await callApi(db, clock, "POST", "/api/v1/alerts", blockAlert({ name: "Raced" }));
  const id = (created.body.results as { id: number }).id;
  clock = new Date(clock.getTime() + 60_000);
  const results = await Promise.all([cycle(), cycle()]);
  expect(results.filter((result) => result.evaluated).length).toBeGreaterThanOrEqual(1);
  expect((await incidents(id)).filter((incident) => incident.status === "open")).toHaveLength(1);
});

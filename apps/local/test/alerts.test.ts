// Alerts on the local stack with a clock the test moves: events go in through the webhook and the loader, rules
// through the Alerts API, cycles run at the test's times, notifications reach real local servers speaking the
// channels' contracts.
import { rm } from "node:fs/promises";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { verifySignature } from "@msgevents/alerts";
import { startFakeSlack, startFakeTransmissions, startWebhookReceiver } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadLocalConfig } from "../src/env.ts";
import { type LocalStack, startLocalStack } from "../src/stack.ts";
import { basicAuth, postBatch, searchEvents } from "./clients.ts";
import { makeDataRoot, waitFor } from "./stack-process.ts";

const SPARKPOST_KEY = "transmissions-key-0123456789";
let clock = new Date("2030-06-01T12:00:30Z");
/** `01T12:00:00` is 2030-06-01, `31T…` the day before (2030-05-31). */
const at = (time: string) => new Date(`${time.startsWith("31") ? "2030-05" : "2030-06"}-${time}Z`);

let dataRoot: string;
let stack: LocalStack;
let apiKey: string;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let slack: Awaited<ReturnType<typeof startFakeSlack>>;
let transmissions: Awaited<ReturnType<typeof startFakeTransmissions>>;

let sequence = 0;
/** One webhook record: a message event of `type` at `time`, to a recipient of `provider`, from subaccount 0. */
function record(type: string, time: Date, fields: Record<string, unknown> = {}) {
  sequence += 1;
  return {
    msys: {
      message_event: {
        type,
        event_id: `7${String(sequence).padStart(16, "0")}`,
        timestamp: String(Math.floor(time.getTime() / 1000)),
        message_id: `alerts-msg-${sequence}`,
        rcpt_to: `user${sequence}@example.net`,
        friendly_from: "news@news.example.com",
        sending_ip: "10.0.0.1",
        ip_pool: "default",
        subaccount_id: 0,
        ...fields,
      },
    },
  };
}

/** `count` events spread evenly over [from, to). */
function spread(count: number, from: Date, to: Date, make: (time: Date) => unknown): unknown[] {
  const step = (to.getTime() - from.getTime()) / count;
  return Array.from({ length: count }, (_, index) => make(new Date(from.getTime() + Math.floor(index * step))));
}

const delivery = (provider: string) => (time: Date) => record("delivery", time, { mailbox_provider: provider });
const blockBounce = (provider: string) => (time: Date) =>
  record("bounce", time, { mailbox_provider: provider, bounce_class: "51", reason: "554 5.7.1 blocked" });
const injection = (time: Date) => record("injection", time, { mailbox_provider: "Gmail" });

let posted = 0;
async function post(records: unknown[]): Promise<void> {
  const { env } = stack.credentials;
  const response = await postBatch(
    stack.url,
    JSON.stringify(records),
    basicAuth(env.MSGEVENTS_WEBHOOK_USERNAME ?? "", env.MSGEVENTS_WEBHOOK_PASSWORD ?? ""),
  );
  expect(response.status).toBe(200);
  posted += records.length;
  const all = "/api/v1/events/message?from=2030-05-01T00:00:00Z&to=2030-07-01T00:00:00Z&per_page=1";
  await waitFor(
    async () => (await searchEvents(stack.url, apiKey, all)).total_count === posted,
    () => false,
    60_000,
    () => "the posted events were not loaded",
  );
}

async function api(method: string, pathAndQuery: string, body?: unknown) {
  const response = await fetch(`${stack.url}${pathAndQuery}`, {
    method,
    headers: { authorization: apiKey, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { results?: unknown; errors?: unknown } };
}

async function createAlert(alert: Record<string, unknown>): Promise<number> {
  const created = await api("POST", "/api/v1/alerts", alert);
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return (created.body.results as { id: number }).id;
}

interface Incident {
  id: number;
  status: string;
  triggered_value: number;
  filters: Record<string, unknown>;
  link: string;
  deliveries: { channel: string; status: string; attempts: number }[];
}
const incidentsOf = async (id: number) =>
  (await api("GET", `/api/v1/alerts/${id}/incidents`)).body.results as Incident[];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  slack = await startFakeSlack();
  transmissions = await startFakeTransmissions(SPARKPOST_KEY);
  dataRoot = await makeDataRoot("msgevents-alerts-");
  const config = loadLocalConfig({
    MSGEVENTS_DATA_DIR: path.join(dataRoot, "data"),
    MSGEVENTS_PORT: "0",
    // The test runs every cycle itself, at its own times.
    MSGEVENTS_ALERT_INTERVAL_SECONDS: "86400",
    MSGEVENTS_ALERT_SPARKPOST_API_KEY: SPARKPOST_KEY,
    MSGEVENTS_ALERT_SPARKPOST_API_URL: transmissions.url,
    MSGEVENTS_ALERT_EMAIL_FROM: "alerts@news.example.com",
  });
  stack = await startLocalStack(config, new Logger({ serviceName: "test", logLevel: "ERROR" }), { clock: () => clock });
  apiKey = stack.credentials.env.MSGEVENTS_API_KEY ?? "";
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([receiver?.close(), slack?.close(), transmissions?.close()]);
  if (dataRoot) await rm(dataRoot, { recursive: true, force: true });
});

const blockRule = {
  name: "Block bounces by provider",
  subaccounts: [0],
  metric: "block_bounce_rate",
  muted: false,
  filters: [{ filter_type: "mailbox_provider", filter_values: ["Gmail", "Yahoo", "Tiny"] }],
  threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
  recovery_minutes: 15,
};

describe("alerts on the local stack", () => {
  let blocks: number;
  let muted: number;
  let drop: number;

  test("bad alert objects get SparkPost's 400s, exactly", async () => {
    expect(await api("POST", "/api/v1/alerts", { ...blockRule, name: undefined, channels: { slack: {} } })).toEqual({
      status: 400,
      body: {
        errors: [
          { message: "'name' is required", param: "name" },
          { message: "'channels.slack.target' is required", param: "channels.slack.target" },
        ],
      },
    });
    expect(
      await api("POST", "/api/v1/alerts", { ...blockRule, metric: "health_score", channels: { emails: ["a@b.co"] } }),
    ).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message:
              "health_score is SparkPost's proprietary daily score, computed from data its webhook events do not carry; msgevents cannot evaluate it (watch hard_bounce_rate, block_bounce_rate and spam_complaint_rate instead)",
            param: "metric",
          },
        ],
      },
    });
  });

  test("a rule fires once when block bounces at one mailbox provider cross its threshold, on every channel", async () => {
    const hour = [at("01T11:00:00"), at("01T12:00:00")] as const;
    await post([
      ...spread(300, ...hour, delivery("Gmail")),
      ...spread(40, ...hour, blockBounce("Gmail")),
      ...spread(300, ...hour, delivery("Yahoo")),
      ...spread(3, ...hour, blockBounce("Yahoo")),
      // 1 bounce of 2 messages is 50 %, below the minimum volume of 100 messages.
      delivery("Tiny")(at("01T11:30:00")),
      blockBounce("Tiny")(at("01T11:31:00")),
    ]);
    blocks = await createAlert({
      ...blockRule,
      channels: {
        webhook: { target: `${receiver.url}/blocks` },
        slack: { target: `${slack.url}/services/T0/B0/X` },
        emails: ["ops@example.com", "deliverability@example.com"],
      },
    });
    muted = await createAlert({
      ...blockRule,
      name: "Muted copy",
      muted: true,
      channels: { webhook: { target: `${receiver.url}/muted` } },
    });

    expect(await stack.runAlertCycle()).toMatchObject({ opened: 1, attempted: 3, sent: 3, failed: 0 });
    clock = at("01T12:05:30");
    expect(await stack.runAlertCycle()).toMatchObject({ opened: 0, reminded: 0, attempted: 0 });

    const [incident, ...others] = await incidentsOf(blocks);
    expect(others).toEqual([]);
    expect(incident).toMatchObject({
      status: "open",
      triggered_value: 11.76,
      filters: { subaccount_id: 0, mailbox_provider: "Gmail" },
      deliveries: [
        { channel: "webhook", status: "sent", attempts: 1 },
        { channel: "slack", status: "sent", attempts: 1 },
        { channel: "emails", status: "sent", attempts: 1 },
      ],
    });

    // The webhook: SparkPost's payload, once, with a signature the shared key verifies.
    expect(receiver.received.map((request) => request.path)).toEqual(["/blocks"]);
    const [hook] = receiver.received;
    expect(JSON.parse(hook?.body ?? "")).toEqual([
      {
        alert_id: blocks,
        incident_id: incident?.id,
        name: "Block bounces by provider",
        metric: "block_bounce_rate",
        triggered_value: 11.76,
        triggered_at: "2030-06-01T12:00:30.000Z",
        threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
        filters: { subaccount_id: 0, mailbox_provider: "Gmail" },
      },
    ]);
    const signature = String(hook?.headers["x-msgevents-signature"]);
    expect(
      verifySignature(hook?.body ?? "", signature, stack.credentials.env.MSGEVENTS_ALERT_SIGNING_KEY ?? "", clock),
    ).toBe(true);

    // Slack: one message naming the rule, the value and the filters, with a link into the web app.
    expect(slack.received).toHaveLength(1);
    const message = JSON.parse(slack.received[0]?.body ?? "");
    expect(message.text).toContain("Block bounces by provider");
    expect(message.text).toContain("block_bounce_rate 11.76%");
    expect(message.text).toContain("mailbox_provider Gmail");
    const button = message.blocks.at(-1).elements[0].url as string;
    expect(button.startsWith(`${stack.url}/#/search?`)).toBe(true);

    // E-mail: one transmission through the owner's SparkPost account, to both addresses.
    expect(transmissions.received).toHaveLength(1);
    const email = JSON.parse(transmissions.received[0]?.body ?? "");
    expect(email.recipients).toEqual([
      { address: { email: "ops@example.com" } },
      { address: { email: "deliverability@example.com" } },
    ]);
    expect(email.content.from).toBe("alerts@news.example.com");
    expect(email.content.subject).toContain("Block bounces by provider");

    // The incident's drill-down searches exactly the 40 block bounces at Gmail in the window that fired.
    const lists = new Map<string, string[]>();
    for (const [name, value] of new URLSearchParams(incident?.link.split("?")[1])) {
      lists.set(name, [...(lists.get(name) ?? []), value]);
    }
    const query = [...lists].map(([name, values]) => `${name}=${encodeURIComponent(values.join(","))}`).join("&");
    expect((await searchEvents(stack.url, apiKey, `/api/v1/events/message?${query}`)).total_count).toBe(40);
  });

  test("a muted rule stays quiet", async () => {
    expect(await incidentsOf(muted)).toEqual([]);
    expect(receiver.received.filter((request) => request.path === "/muted")).toEqual([]);
  });

  test("day_over_day catches a volume drop", async () => {
    await post([
      ...spread(100, at("31T11:10:00"), at("31T12:10:00"), injection),
      ...spread(20, at("01T11:10:00"), at("01T12:10:00"), injection),
    ]);
    drop = await createAlert({
      name: "Injections dropped",
      subaccounts: [-1],
      metric: "injection_volume",
      muted: false,
      filters: [{ filter_type: "sending_domain", filter_values: ["news.example.com"] }],
      threshold_evaluator: { operator: "lt", source: "day_over_day", value: -50 },
      min_volume: 50,
      channels: { webhook: { target: `${receiver.url}/drops` } },
    });
    clock = at("01T12:10:30");
    expect(await stack.runAlertCycle()).toMatchObject({ opened: 1, sent: 1 });
    const [incident] = await incidentsOf(drop);
    expect(incident).toMatchObject({
      status: "open",
      triggered_value: -80,
      filters: { sending_domain: "news.example.com" },
    });
    expect(receiver.received.map((request) => request.path)).toEqual(["/blocks", "/drops"]);
  });

  test("the incident closes once block bounces stayed within the threshold for the recovery period", async () => {
    await post([
      ...spread(300, at("01T13:20:00"), at("01T14:00:00"), delivery("Gmail")),
      ...spread(2, at("01T13:20:00"), at("01T14:00:00"), blockBounce("Gmail")),
    ]);
    clock = at("01T14:00:30");
    expect(await stack.runAlertCycle()).toMatchObject({ closed: 0 });
    expect((await incidentsOf(blocks))[0]?.status).toBe("open");
    clock = at("01T14:15:30");
    expect(await stack.runAlertCycle()).toMatchObject({ closed: 1, attempted: 0 });
    expect((await incidentsOf(blocks))[0]).toMatchObject({ status: "closed", closed_reason: "recovered" });
    // Nothing more was sent for it: one notification per channel for the whole incident.
    expect(receiver.received.filter((request) => request.path === "/blocks")).toHaveLength(1);
    expect(slack.received).toHaveLength(1);
    expect(transmissions.received).toHaveLength(1);
  });
});

// Alerts benchmark: one evaluation cycle of BENCH_RULES rules (default 100, a realistic mix) over BENCH_EVENTS
// realistic events (default 1,000,000) spread over BENCH_DAYS days (default 30) ending now, exactly as the evaluator
// Lambda runs it: its pool of 2 connections, the Metrics API's source, incidents and deliveries written, deliveries
// sent to a local HTTP receiver. Prints p50/p95/max of BENCH_REPEATS cycles (default 10) after the first (which
// opens the incidents) at the same time, the first itself, and the source queries the plan made. Uses an embedded
// PostgreSQL.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { directTransport, parseAlert, runAlertCycle } from "@msgevents/alerts";
import { createAlertMetricsSource } from "@msgevents/query";
import { loadBulk } from "@msgevents/query/bench/load-bulk";
import { withMailboxProvider } from "@msgevents/query/bench/samples";
import { alerts, migrate, PartitionManager } from "@msgevents/schema";
import { createEventGenerator, startTestDatabase } from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const RULES = Number(process.env.BENCH_RULES ?? 100);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 10);
const BATCH = 5000;
const DAY = 86_400_000;

const now = new Date();
const to = new Date(now.getTime() - 60_000);
const from = new Date(to.getTime() - DAYS * DAY);

const PROVIDERS = ["Gmail", "Yahoo", "Hotmail / Outlook", "Apple iCloud", "AOL", "Google Workspace"];
const RATES = ["block_bounce_rate", "hard_bounce_rate", "soft_bounce_rate", "spam_complaint_rate", "delivered_rate"];

/**
 * The rule mix: what an account with a few subaccounts would set up. Per mailbox provider or sending domain for the
 * whole account (one dimension: rollups), per subaccount and provider (two: the window's events), volume drops per
 * subaccount day over day and week over week, and "no events for 6 hours".
 */
function rule(index: number): Record<string, unknown> {
  const base = {
    name: `rule ${index}`,
    muted: false,
    channels: { webhook: { target: "http://127.0.0.1:1/unused" } },
    min_volume: 50,
  };
  const provider = PROVIDERS[index % PROVIDERS.length] ?? "Gmail";
  const rate = RATES[index % RATES.length] ?? "block_bounce_rate";
  const threshold = (operator: string, source: string, value: number) => ({
    threshold_evaluator: { operator, source, value },
  });
  switch (index % 10) {
    case 0:
    case 1:
    case 2:
      return {
        ...base,
        metric: rate,
        subaccounts: [-1],
        filters: [{ filter_type: "mailbox_provider", filter_values: [provider, "Gmail"] }],
        ...threshold(rate === "delivered_rate" ? "lt" : "gt", "raw", rate === "delivered_rate" ? 95 : 2),
      };
    case 3:
    case 4:
      return {
        ...base,
        metric: rate,
        any_subaccount: true,
        filters: [{ filter_type: "mailbox_provider", filter_values: [provider] }],
        ...threshold("gt", "raw", 3),
      };
    case 5:
      return {
        ...base,
        metric: rate,
        subaccounts: [0, 1, 2],
        filters: [{ filter_type: "sending_ip", filter_values: ["10.0.0.1", "10.0.0.2"] }],
        ...threshold("gt", "raw", 3),
      };
    case 6:
      return {
        ...base,
        metric: "injection_volume",
        any_subaccount: true,
        filters: [],
        ...threshold("lt", "day_over_day", -50),
      };
    case 7:
      return {
        ...base,
        metric: "accepted_volume",
        subaccounts: [-1],
        filters: [{ filter_type: "mailbox_provider", filter_values: [provider] }],
        ...threshold("lt", "week_over_week", -40),
        window_minutes: 180,
      };
    case 8:
      return {
        ...base,
        metric: "event_volume",
        subaccounts: [-1],
        filters: [],
        ...threshold("lt", "raw", 1),
        window_minutes: 360,
      };
    default:
      return {
        ...base,
        metric: "spam_complaint_rate",
        subaccounts: [-1],
        filters: [{ filter_type: "campaign_id", filter_values: [`campaign-${index % 20}`] }],
        ...threshold("gt", "raw", 0.1),
        window_minutes: 1440,
      };
  }
}

const receiver = http.createServer((request, response) => {
  request.resume();
  request.on("end", () => response.writeHead(200).end());
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;

const database = await startTestDatabase();
const loadPool = database.pool({ max: 4 });
const pool = database.pool({ max: 2 });
try {
  await migrate(loadPool);
  console.log(`=== Alerts: ${RULES} rules over ${TOTAL.toLocaleString("en")} events over ${DAYS} days`);
  await new PartitionManager(loadPool).ensureAround(now, { daysBack: DAYS + 1, daysAhead: 1 });
  const generator = createEventGenerator({ from, to, total: TOTAL, seed: 24, subaccounts: 4 });
  const timings = await loadBulk({
    pool: loadPool,
    now,
    generator: { take: (count) => generator.take(count).map(withMailboxProvider) },
    total: TOTAL,
    batchSize: BATCH,
    onRecords: () => {},
  });
  console.log(`loaded: ${timings} (rollups kept by the events trigger)`);

  const db = drizzle({ client: pool });
  const definitions = Array.from({ length: RULES }, (_, index) => {
    const definition = parseAlert(rule(index));
    definition.channels = { webhook: { target } };
    return definition;
  });
  await db.insert(alerts).values(
    definitions.map(({ name, metric, muted, ...definition }) => ({
      name,
      metric,
      muted,
      definition: definition as unknown as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    })),
  );

  // Counts the source's queries and the wall time from the first one's start to the last one's end: the measuring
  // part of a cycle (the rest is reading rules and incidents, judging, writing, and sending).
  let queries = 0;
  let measuring = { first: 0, last: 0 };
  const metricsSource = createAlertMetricsSource(db);
  const source = {
    measure: async (query: Parameters<typeof metricsSource.measure>[0]) => {
      queries += 1;
      const started = performance.now();
      if (measuring.first === 0) measuring.first = started;
      const rows = await metricsSource.measure(query);
      measuring.last = Math.max(measuring.last, performance.now());
      return rows;
    },
  };
  const transport = directTransport({ signingKey: "bench-signing-key", fetch, now: () => new Date() });
  const cycle = async (at: Date) => {
    queries = 0;
    measuring = { first: 0, last: 0 };
    const started = performance.now();
    const result = await runAlertCycle({ db, source, transport, publicUrl: "http://127.0.0.1" }, at);
    return { ms: performance.now() - started, measureMs: measuring.last - measuring.first, result, queries };
  };

  const first = await cycle(now);
  console.log(
    `first cycle (opens incidents, sends their notifications): ${first.ms.toFixed(0)} ms (measuring ${first.measureMs.toFixed(0)} ms), ` +
      `${first.queries} source queries, ${first.result.observations} combinations judged, ${first.result.opened} incidents opened, ` +
      `${first.result.sent} notifications sent`,
  );
  const times: number[] = [];
  const measureTimes: number[] = [];
  let last = first;
  for (let index = 1; index <= REPEATS; index += 1) {
    last = await cycle(now);
    times.push(last.ms);
    measureTimes.push(last.measureMs);
  }
  const percentiles = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
    return `p50 ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, max ${at(1).toFixed(0)} ms`;
  };
  console.log(
    `steady cycles (${REPEATS}, incidents open): ${percentiles(times)} (measuring: ${percentiles(measureTimes)}); ` +
      `${last.queries} source queries, ${last.result.observations} combinations judged per cycle`,
  );
} finally {
  await pool.end();
  await loadPool.end();
  await database.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
}

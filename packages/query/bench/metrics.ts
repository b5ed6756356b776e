// Metrics API benchmark. BENCH_EVENTS realistic events (default 1M) over BENCH_DAYS days (default 30), on a fresh
// database per mode (BENCH_MODES, default "bulk,as-operated"):
// - as-operated: loaded through the loader's own loadBatch (webhook-sized batches, BENCH_BATCH events each,
//   BENCH_LOADERS at once, the hourly maintenance on the traffic's clock), so the rollups are built exactly as in
//   production, and searched right away;
// - bulk: the search bench's bulk load (load-bulk.ts): 5,000-event INSERTs whose triggers keep the rollups, the ended
//   days compacted and the engagement rows pruned as maintenance keeps them, the tables rewritten, VACUUM ANALYZE.
// Then each shape runs
// BENCH_REPEATS times (default 20) through handleQuery, reading the rollups, and BENCH_RAW_REPEATS times (default 3)
// recounted from the raw events in the same database; both answers must be equal. Prints p50/p95 of each, and the
// rollups' size beside the events'. BENCH_DEBUG_TIMES=1 also prints every run's time of each shape (to stderr). Uses an
// embedded PostgreSQL.
import { migrate } from "@msgevents/schema";
import { startTestDatabase } from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { metricsRouteFor } from "../src/metrics/routes.ts";
import { HandlerProcess } from "./handler-process.ts";
import { benchEvents, benchModes, loadInMode } from "./modes.ts";
import { printRunTimes, summarize } from "./run-times.ts";

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const RAW_REPEATS = Number(process.env.BENCH_RAW_REPEATS ?? 3);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const LOADERS = Number(process.env.BENCH_LOADERS ?? 2);
const MODES = benchModes();
const DAY = 86_400_000;
const API_KEY = "bench-api-key-0123456789";

const now = new Date();
const to = new Date(now.getTime() - 2 * 60_000);
const from = new Date(to.getTime() - DAYS * DAY);
const wallTime = (time: Date) => time.toISOString().slice(0, 16);
const WINDOW = `from=${wallTime(from)}&to=${wallTime(now)}`;
const WEEK = `from=${wallTime(new Date(now.getTime() - 7 * DAY))}&to=${wallTime(now)}`;
/** Hour precision allows 31 days; in Kathmandu's wall time, which `from` and `to` are read in. */
const HOURS = `from=${wallTime(new Date(from.getTime() + DAY + 5.75 * 3_600_000))}&to=${wallTime(new Date(now.getTime() + 5.75 * 3_600_000))}`;
const KEY_METRICS =
  "count_targeted,count_sent,count_delivered,count_accepted,count_bounce,count_hard_bounce,count_unique_confirmed_opened,count_unique_clicked,count_spam_complaint";

const SHAPES: Array<[name: string, path: string]> = [
  [`summary, ${DAYS} days`, `?${WINDOW}&metrics=${KEY_METRICS}`],
  [`time-series, ${DAYS} days by day`, `/time-series?${WINDOW}&precision=day&metrics=${KEY_METRICS}`],
  [
    "time-series, 7 days by hour in Asia/Kolkata",
    `/time-series?${WEEK}&precision=hour&timezone=Asia/Kolkata&metrics=${KEY_METRICS}`,
  ],
  [`group-by domain, ${DAYS} days, top 10`, `/domain?${WINDOW}&metrics=${KEY_METRICS}&order_by=count_sent&limit=10`],
  [
    `group-by domain, ${DAYS} days by day, top 10`,
    `/domain?${WINDOW}&precision=day&metrics=${KEY_METRICS}&order_by=count_sent&limit=10`,
  ],
  [`group-by campaign, ${DAYS} days`, `/campaign?${WINDOW}&metrics=${KEY_METRICS}`],
  [`summary, ${DAYS} days, one campaign`, `?${WINDOW}&metrics=${KEY_METRICS}&campaigns=campaign-7`],
  // Uniques per hour of zones whose hours start at :15 and :30 past the UTC hour, and per minute over quarter hours.
  [
    `summary, ${DAYS - 1} days by hour in Asia/Kathmandu`,
    `?${HOURS}&precision=hour&timezone=Asia/Kathmandu&metrics=${KEY_METRICS}`,
  ],
  [
    "group-by domain, 7 days by hour in Asia/Kolkata, top 10",
    `/domain?${WEEK}&precision=hour&timezone=Asia/Kolkata&metrics=${KEY_METRICS}&order_by=count_sent&limit=10`,
  ],
  [
    "group-by campaign, 2 days by 15 minutes",
    `/campaign?from=${wallTime(new Date(now.getTime() - 2 * DAY))}&to=${wallTime(now)}&precision=15min&metrics=${KEY_METRICS}`,
  ],
  [`bounce-reason, ${DAYS} days, top 10`, `/bounce-reason?${WINDOW}&metrics=count_bounce,count_admin_bounce&limit=10`],
  [`delay-reason, ${DAYS} days, top 10`, `/delay-reason?${WINDOW}&limit=10`],
  [`rejection-reason, ${DAYS} days, top 10`, `/rejection-reason?${WINDOW}&limit=10`],
];

for (const mode of MODES) {
  const database = await startTestDatabase();
  const pool = database.pool({ max: 4 });
  try {
    await migrate(pool);
    console.log(`\n=== Metrics API, ${mode}: ${TOTAL.toLocaleString("en")} events over ${DAYS} days`);
    const events = benchEvents({ from, to, total: TOTAL });
    const options = { database, pool, now, days: DAYS, events, total: TOTAL, onRecords: () => {} };
    console.log(await loadInMode({ ...options, mode, batchSize: BATCH, loaders: LOADERS }));
    await timeShapes(pool, database.url);
    await printStorage(pool);
    await timeDayFill(pool);
  } finally {
    await pool.end();
    await database.close();
  }
}

/**
 * Each shape from the rollups through handleQuery, in a process that holds only the handler as the query Lambda does
 * (handler-process.ts), then recounted from the events here; both answers must be equal.
 */
async function timeShapes(pool: pg.Pool, databaseUrl: string): Promise<void> {
  const db = drizzle({ client: pool });
  const handler = HandlerProcess.start({ databaseUrl, apiKey: API_KEY, now });
  console.log(
    `\np50 / p95 ms: rollups through handleQuery (${REPEATS} runs), recount from events (${RAW_REPEATS} runs)`,
  );
  console.log(
    `${"shape".padEnd(48)} ${"rollup p50".padStart(10)} ${"p95".padStart(8)} ${"events p50".padStart(10)} ${"p95".padStart(9)}  same`,
  );
  try {
    for (const [name, pathAndQuery] of SHAPES) {
      const [path, query] = pathAndQuery.split("?") as [string, string];
      const fullPath = `/api/v1/metrics/deliverability${path}`;
      let fromRollups = "";
      const rollupTimes: number[] = [];
      for (let run = 0; run < REPEATS; run += 1) {
        const answer = await handler.get(`${fullPath}?${query}`);
        rollupTimes.push(answer.ms);
        fromRollups = answer.body;
      }
      const rollups = summarize(rollupTimes);
      printRunTimes(name, rollupTimes);
      const route = metricsRouteFor(fullPath);
      if (!route) throw new Error(`no route for ${fullPath}`);
      const params = new Map(query.split("&").map((pair) => pair.split("=") as [string, string]));
      let fromEvents = "";
      const events = await timed(RAW_REPEATS, async () => {
        fromEvents = (await route(params, { db, now, source: "events" })).body;
      });
      console.log(
        `${name.padEnd(48)} ${rollups.p50.toFixed(1).padStart(10)} ${rollups.p95.toFixed(1).padStart(8)} ${events.p50.toFixed(0).padStart(10)} ${events.p95.toFixed(0).padStart(9)}  ${fromRollups === fromEvents ? "yes" : "NO"}`,
      );
    }
  } finally {
    await handler.close();
  }
}

async function timed(repeats: number, run: () => Promise<void>): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let index = 0; index < repeats; index += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return summarize(times);
}

async function printStorage(database: pg.Pool): Promise<void> {
  const { rows } = await database.query<{ name: string; rows: string; bytes: string }>(`
    SELECT t.name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', t.name), false, true, '')))[1]::text AS rows,
           pg_total_relation_size(t.name::regclass)::bigint AS bytes
    FROM unnest(ARRAY['metric_rollups', 'metric_rollup_quarters', 'bounce_rollups', 'bounce_rollup_quarters', 'metric_unique_rollups', 'metric_engagement', 'reason_rollups', 'reason_rollup_hours']) AS t(name) ORDER BY 1`);
  const events = await database.query<{ bytes: string }>(`
    SELECT sum(pg_total_relation_size(i.inhrelid))::bigint AS bytes FROM pg_inherits i WHERE i.inhparent = 'events'::regclass`);
  console.log(
    `\nstorage per event (${TOTAL.toLocaleString("en")} events; events with indexes ${(Number(events.rows[0]?.bytes) / TOTAL).toFixed(0)} B/event):`,
  );
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(24)} ${Number(row.rows).toLocaleString("en").padStart(12)} rows ${(Number(row.bytes) / TOTAL).toFixed(0).padStart(6)} B/event`,
    );
  }
}

/**
 * The metric_rollups_0016 backfill's fill of one whole day of the load (an upgraded database's conversion), timed: it
 * recounts every metric rollup of the day from its events, as a fresh one would, so the rows it leaves are the same.
 */
async function timeDayFill(database: pg.Pool): Promise<void> {
  const day = new Date(from.getTime() + Math.floor(DAYS / 2) * DAY).toISOString().slice(0, 10);
  const started = performance.now();
  const { rows } = await database.query<{ events: string }>(
    "SELECT msgevents_fill_metric_rollups_0016($1::date) AS events",
    [day],
  );
  const seconds = (performance.now() - started) / 1000;
  const events = Number(rows[0]?.events);
  console.log(
    `\nmetric_rollups_0016 backfill, one day (${day}): ${events.toLocaleString("en")} events in ${seconds.toFixed(1)} s (${Math.round(events / seconds).toLocaleString("en")} events/s)`,
  );
}

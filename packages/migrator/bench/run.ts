// Upgrade benchmark: a database as a deployment of main before the Metrics API left it (testkit's 11cc0ad
// migrations up to 0007), filled as operated (the loader's loadBatch, webhook-sized batches, two at a time, the hourly
// maintenance on the traffic's clock), then upgraded by the current migrator. Prints the migrator's wall time (the
// goal: under 30 s whatever the events stored), the backfills' throughput (events per second, and the longest fill of
// one day, during which loads into that day wait), and the p50/p95 of searches and Metrics API answers through
// handleQuery in three states of the same database: every day still to fill, while the backfills run, and after.
// BENCH_EVENTS (default 1,000,000; 5000000 for 5M) over BENCH_DAYS days (30), BENCH_REPEATS runs of each shape per
// state (10), BENCH_BATCH events per batch (1000), BENCH_LOADERS loads at once (2). DATABASE_URL's server when set,
// else an embedded PostgreSQL.
import { createQueryDatabase, deriveCursorKey, handleQuery } from "@msgevents/query";
import { migrate, migrationsFolder, readBackfillProgress, runBackfills } from "@msgevents/schema";
import { earlierMigrations, startTestDatabase } from "@msgevents/testkit";
import { loadAsOperated } from "../../query/bench/load-as-operated.ts";
import { benchEvents } from "../../query/bench/modes.ts";
import { migrateAndGrant } from "../src/run.ts";

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const LOADERS = Number(process.env.BENCH_LOADERS ?? 2);
const DAY = 86_400_000;
const API_KEY = "bench-api-key-0123456789";

const now = new Date();
const to = new Date(now.getTime() - 2 * 60_000);
const from = new Date(to.getTime() - DAYS * DAY);
const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
const minute = (iso: string) => iso.slice(0, 16);
const METRICS = "count_targeted,count_delivered,count_bounce,count_unique_clicked,total_delivery_time_first";

/** The shapes timed in each state: searches that count from search_token_counts, and Metrics API answers. */
const SHAPES: [string, string][] = [
  ["search: no filter, 24 h", `/api/v1/events/message?from=${ago(1)}&to=${now.toISOString()}`],
  ["search: one type, 7 days", `/api/v1/events/message?from=${ago(7)}&to=${now.toISOString()}&events=delivery`],
  ["search: subjects=your, 30 days", `/api/v1/events/message?from=${ago(30)}&to=${now.toISOString()}&subjects=your`],
  [
    "search: recipient_domains=gmail.com, 30 days",
    `/api/v1/events/message?from=${ago(30)}&to=${now.toISOString()}&recipient_domains=gmail.com`,
  ],
  [
    "metrics: summary, 30 days",
    `/api/v1/metrics/deliverability?from=${minute(ago(30))}&to=${minute(now.toISOString())}&metrics=${METRICS}`,
  ],
  [
    "metrics: time series by day, 30 days",
    `/api/v1/metrics/deliverability/time-series?from=${minute(ago(30))}&to=${minute(now.toISOString())}&precision=day&metrics=${METRICS}`,
  ],
  [
    "metrics: by domain, 7 days",
    `/api/v1/metrics/deliverability/domain?from=${minute(ago(7))}&to=${minute(now.toISOString())}&metrics=${METRICS}&limit=10`,
  ],
  [
    "metrics: bounce reasons, 7 days",
    `/api/v1/metrics/deliverability/bounce-reason?from=${minute(ago(7))}&to=${minute(now.toISOString())}&metrics=count_bounce&limit=10`,
  ],
];

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

const database = await startTestDatabase();
const pool = database.pool({ max: 4 });
const earlier = await earlierMigrations({ before: "0008" });
try {
  await migrate(pool, { migrationsFolder: earlier.folder });
  console.log(`=== ${TOTAL.toLocaleString("en")} events over ${DAYS} days, database at ${earlier.tags.at(-1)}`);
  const loaded = await loadAsOperated({
    database,
    generator: benchEvents({ from, to, total: TOTAL }),
    total: TOTAL,
    batchSize: BATCH,
    concurrency: LOADERS,
    onRecords: () => {},
  });
  console.log(`loaded through loadBatch in ${loaded.seconds.toFixed(1)} s (${BATCH} per batch, ${LOADERS} at once)`);

  const started = performance.now();
  const migrated = await migrateAndGrant(pool, { migrationsFolder });
  const migrationSeconds = (performance.now() - started) / 1000;
  console.log(`migrator: ${migrationSeconds.toFixed(2)} s, applied ${migrated.applied.join(", ")}`);

  const query = createQueryDatabase({
    database: { connectionString: database.url, ssl: false },
    poolMax: 2,
    statementTimeoutMs: 120_000,
  });
  const deps = { db: query.db, apiKey: API_KEY, cursorKey: deriveCursorKey(API_KEY), now: () => now };
  const timings = new Map<string, Map<string, number[]>>();
  const timeShape = async (state: string, [name, url]: [string, string]) => {
    const at = url.indexOf("?");
    const begun = performance.now();
    const response = await handleQuery(
      {
        method: "GET",
        path: url.slice(0, at),
        rawQuery: url.slice(at + 1),
        headers: { authorization: API_KEY },
        body: new Uint8Array(),
      },
      deps,
    );
    const ms = performance.now() - begun;
    if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status} ${response.body.slice(0, 300)}`);
    const byShape = timings.get(state) ?? new Map<string, number[]>();
    timings.set(state, byShape);
    byShape.set(name, [...(byShape.get(name) ?? []), ms]);
  };
  const timeAll = async (state: string) => {
    for (let run = 0; run < REPEATS; run++) for (const shape of SHAPES) await timeShape(state, shape);
  };

  try {
    await timeAll("every day to fill");

    const fillStarted = performance.now();
    let filling = true;
    const backfill = runBackfills(pool, { budgetMs: Number.POSITIVE_INFINITY }).finally(() => {
      filling = false;
    });
    while (filling) for (const shape of SHAPES) if (filling) await timeShape("while filling", shape);
    const result = await backfill;
    const fillSeconds = (performance.now() - fillStarted) / 1000;

    await timeAll("all filled");

    const { rows } = await pool.query<{ backfill: string; days: number; events: string; longest: number }>(
      "SELECT backfill, count(*)::int AS days, sum(events) AS events, max(fill_ms) AS longest FROM backfill_days GROUP BY 1 ORDER BY 1",
    );
    console.log(
      `backfills: ${result.filled.length} days in ${fillSeconds.toFixed(1)} s of wall time, failed ${result.failed.length}, left ${result.remaining}`,
    );
    for (const progress of await readBackfillProgress(pool)) {
      const row = rows.find((candidate) => candidate.backfill === progress.name);
      console.log(
        `  ${progress.name.padEnd(22)} ${progress.daysDone}/${progress.daysTotal} days, ${progress.eventsFilled.toLocaleString("en")} events, ` +
          `${progress.eventsPerSecond?.toLocaleString("en")} events/s of fill time, longest day ${row?.longest} ms`,
      );
    }
    const everyEvent = await pool.query<{ counted: string; stored: string }>(
      "SELECT (SELECT sum(events) FROM search_token_counts WHERE token = '*') AS counted, (SELECT count(*) FROM events) AS stored",
    );
    console.log(`check: '*' counted ${everyEvent.rows[0]?.counted}, events stored ${everyEvent.rows[0]?.stored}`);

    const states = [...timings.keys()];
    console.log(
      `\np50 / p95 ms through handleQuery (${REPEATS} runs per state; while filling: as many as the fill lasted)`,
    );
    console.log(`${"shape".padEnd(46)} ${states.map((state) => state.padStart(22)).join(" ")}`);
    for (const [name] of SHAPES) {
      const cells = states.map((state) => {
        const sorted = [...(timings.get(state)?.get(name) ?? [])].sort((a, b) => a - b);
        return `${quantile(sorted, 0.5).toFixed(1)} / ${quantile(sorted, 0.95).toFixed(1)} (${sorted.length})`.padStart(
          22,
        );
      });
      console.log(`${name.padEnd(46)} ${cells.join(" ")}`);
    }
  } finally {
    await query.pool.end();
  }
} finally {
  await earlier.remove();
  await pool.end();
  await database.close();
}

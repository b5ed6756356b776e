// The two backfills that convert stored events by copying each day into a table swapped in for it:
// `pnpm --filter @msgevents/schema bench:event-bodies` (migration 0018: events stored as before event bodies, 0013,
// and batch numbers, 0014, by storeEventsAsBefore0013, a batches row per 350 events) and
// `pnpm --filter @msgevents/schema bench:texts-by-id` (migration 0031: events stored by a database migrated to before
// 0030, their subjects, senders and transmissions as texts; then migrated to the latest, with the text-refs index
// backfill run so that loads name texts). BENCH_EVENTS (default 200,000) realistic generated events over 7 days,
// vacuumed as an operated database's ended days are; then converted with runBackfills (copy and swap, day by day)
// while another connection searches without pause. Prints the conversion speed, the time of each day's phases, the
// searches' latency before and during the conversion (the longest is the longest pause a search saw), and the bytes
// per event of the events table (heap, TOAST, every index) and of event_texts before and after, beside the raw JSON
// size. Prints the machine's load (uptime) before and after: the speed depends on it.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createEventGenerator, earlierMigrations, startTestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import {
  EVENT_BODIES_BACKFILL,
  EVENT_BODIES_BATCH_ROWS,
  migrate,
  migrationsFolder,
  type NormalizedEvent,
  normalizeBatch,
  runBackfills,
  type StepBackfill,
  SWAP_LOCK_TIMEOUT_MS,
  TEXT_REFS,
  TEXT_REFS_INDEX_BACKFILL,
  TEXTS_BY_ID_BACKFILL,
} from "../src/index.ts";
import { storeEventsAsBefore0013 } from "../src/testing/legacy-events.ts";
import { storeEvents } from "../test/support.ts";
import { positiveInteger } from "./env.ts";

/** What differs between the two backfills measured: how the events are stored first, and what is left to convert. */
interface Scenario {
  backfill: StepBackfill;
  /** How the rows are stored before the conversion, as the size table names that state. */
  stored: string;
  /** Migrates the fresh database to the schema the events are stored under. */
  migrateFirst(pool: pg.Pool): Promise<void>;
  /** Stores one webhook batch's events as that schema's loader did. */
  store(pool: pg.Pool, events: NormalizedEvent[], batchId: string, receivedAt: Date): Promise<void>;
  /** Brings the database to where the backfill's days are queued. */
  queue(pool: pg.Pool): Promise<void>;
  /** Rows the backfill would still convert. */
  left: string;
}

const SCENARIOS: Record<string, Scenario> = {
  "event-bodies": {
    backfill: EVENT_BODIES_BACKFILL as StepBackfill,
    stored: "stored as before 0013, vacuumed",
    migrateFirst: async (pool) => void (await migrate(pool)),
    async store(pool, events, batchId, receivedAt) {
      await pool.query(
        `INSERT INTO batches (batch_id, object_key, received_at, status) VALUES ($1, $2, $3, 'loaded')`,
        [batchId, `batches/${batchId}.json`, receivedAt],
      );
      await storeEventsAsBefore0013(pool, events, { batchId, receivedAt });
    },
    queue: async (pool) =>
      void (await pool.query("SELECT msgevents_register_backfill($1, true)", [EVENT_BODIES_BACKFILL.name])),
    left: "SELECT count(*)::int AS n FROM events WHERE body IS NULL",
  },
  "texts-by-id": {
    backfill: TEXTS_BY_ID_BACKFILL as StepBackfill,
    stored: "stored as before 0030, vacuumed",
    async migrateFirst(pool) {
      const earlier = await earlierMigrations({ from: migrationsFolder, before: "0030" });
      try {
        await migrate(pool, { migrationsFolder: earlier.folder });
      } finally {
        await earlier.remove();
      }
    },
    store: async (pool, events, batchId) => void (await storeEvents(pool, events, batchId)),
    async queue(pool) {
      await migrate(pool);
      await runBackfills(pool, { backfills: [TEXT_REFS_INDEX_BACKFILL], budgetMs: Number.POSITIVE_INFINITY });
    },
    left: `SELECT count(*)::int AS n FROM events WHERE ${TEXT_REFS.map(({ column }) => `${column} IS NOT NULL`).join(" OR ")}`,
  },
};
const SCENARIO_NAME = process.env.BENCH_BACKFILL ?? "event-bodies";
const SCENARIO = SCENARIOS[SCENARIO_NAME];
if (!SCENARIO) throw new Error(`BENCH_BACKFILL must be one of ${Object.keys(SCENARIOS).join(", ")}`);

const EVENTS = positiveInteger("BENCH_EVENTS", 200_000);
const BATCH_SIZE = 350;
const FROM = new Date("2024-06-01T00:00:00Z");
const TO = new Date("2024-06-08T00:00:00Z");
/** How long the searches run before the conversion, for their latency on the same machine without it. */
const BASELINE_MS = 15_000;

/** Bytes of the events partitions: heap (with free space and dead rows), TOAST, every index; and live row bytes. */
async function eventsBytes(
  pool: pg.Pool,
): Promise<{ heap: number; indexes: number; total: number; live: number; texts: number }> {
  const { rows } = await pool.query<{ heap: string; indexes: string; total: string; live: string; texts: string }>(
    `SELECT sum(pg_table_size(c.oid))::bigint AS heap, sum(pg_indexes_size(c.oid))::bigint AS indexes,
            sum(pg_total_relation_size(c.oid))::bigint AS total,
            (SELECT sum(pg_column_size(e.*)) FROM events AS e)::bigint AS live,
            coalesce(pg_total_relation_size(to_regclass('event_texts')), 0) AS texts
     FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`,
  );
  const row = rows[0] ?? { heap: "0", indexes: "0", total: "0", live: "0", texts: "0" };
  return {
    heap: Number(row.heap),
    indexes: Number(row.indexes),
    total: Number(row.total),
    live: Number(row.live),
    texts: Number(row.texts),
  };
}

function uptime(): string {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    return "uptime not available";
  }
}

/** A search: when it started (performance.now()) and how long it took. */
interface Search {
  started: number;
  ms: number;
}

/**
 * Searches on a connection of their own, one after another until stopped, as the Events API and the dashboard read:
 * a page of the newest events of the week, and a count by campaign (index-only scans of every day). Returns each
 * search's latency (ms).
 */
function searchWithoutPause(client: pg.Client, campaign: string): { stop: () => Promise<Search[]> } {
  const latencies: Search[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      if (i % 2 === 0) {
        await client.query(
          `SELECT event_id, type, event_time, payload, body FROM events
           WHERE event_time >= $1 AND event_time < $2 ORDER BY event_time DESC, type LIMIT 50`,
          [FROM, TO],
        );
      } else {
        await client.query(
          "SELECT count(*) FROM events WHERE event_time >= $1 AND event_time < $2 AND campaign_id = $3",
          [FROM, TO, campaign],
        );
      }
      latencies.push({ started, ms: performance.now() - started });
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return latencies;
    },
  };
}

function latencySummary(searches: Search[]): string {
  const sorted = searches.map((search) => search.ms).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `${sorted.length} searches, median ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const scenario = SCENARIO as Scenario;
  const backfill = scenario.backfill;
  console.log(`${backfill.name} backfill benchmark: ${EVENTS.toLocaleString("en")} realistic generated events, 7 days`);
  console.log(`load before: ${uptime()}`);
  const database = await startTestDatabase({ embedded: true });
  const pool = database.pool({ max: 2 });
  const searcher = database.client();
  try {
    await scenario.migrateFirst(pool);
    const generator = createEventGenerator({ from: FROM, to: TO, total: EVENTS });
    let rawBytes = 0;
    for (let batch = 0; generator.generated < EVENTS; batch++) {
      const records = generator.take(Math.min(BATCH_SIZE, EVENTS - generator.generated));
      for (const record of records) rawBytes += Buffer.byteLength(JSON.stringify(record));
      const batchId = `bench-${batch}`;
      const receivedAt = new Date(TO.getTime() + batch * 1000);
      await scenario.store(pool, normalizeBatch(records).events, batchId, receivedAt);
    }
    await pool.query("VACUUM ANALYZE events");
    await scenario.queue(pool);
    const sizes: [string, Awaited<ReturnType<typeof eventsBytes>>][] = [[scenario.stored, await eventsBytes(pool)]];
    const common = await pool.query<{ campaign: string }>(
      "SELECT campaign_id AS campaign FROM events WHERE campaign_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    );

    await searcher.connect();
    const baseline = searchWithoutPause(searcher, common.rows[0]?.campaign ?? "");
    await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));
    const before = await baseline.stop();

    // Each step timed by its phase (the progress the step starts from names it); the swaps' spans kept.
    const phases = new Map<string, number[]>();
    const swaps: [number, number][] = [];
    const timed: StepBackfill = {
      ...backfill,
      step: async (client, day, from) => {
        const phase = from === null ? "start+copy" : (/"phase":"(\w+)"/.exec(from)?.[1] ?? "?");
        const started = performance.now();
        const result = await backfill.step(client, day, from);
        const list = phases.get(phase) ?? [];
        list.push(performance.now() - started);
        if (phase === "swap") swaps.push([started, performance.now()]);
        phases.set(phase, list);
        return result;
      },
    };
    const during = searchWithoutPause(searcher, common.rows[0]?.campaign ?? "");
    const started = performance.now();
    const result = await runBackfills(pool, { backfills: [timed], budgetMs: Number.POSITIVE_INFINITY });
    const seconds = (performance.now() - started) / 1000;
    const searched = await during.stop();
    const converted = result.filled.reduce((sum, day) => sum + day.events, 0);
    const left = await pool.query<{ n: number }>(scenario.left);
    console.log(
      `conversion: ${converted.toLocaleString("en")} events in ${result.filled.length} days, ${seconds.toFixed(1)} s, ` +
        `${Math.round(converted / seconds).toLocaleString("en")} events/s (runBackfills, ${backfill.name}, ` +
        `copy steps of ${EVENT_BODIES_BATCH_ROWS.toLocaleString("en")} rows); failed days: ${result.failed.length}; ` +
        `rows left to convert: ${left.rows[0]?.n}`,
    );
    for (const [phase, times] of phases) {
      const total = times.reduce((sum, ms) => sum + ms, 0);
      console.log(
        `  ${phase.padEnd(10)} ${String(times.length).padStart(4)} steps, ${(total / 1000).toFixed(1)} s in all, ` +
          `longest ${Math.max(...times).toFixed(0)} ms`,
      );
    }
    console.log("  (the vacuum of each copied shadow runs after the copy's last step, outside the steps timed)");
    console.log(`load after the conversion: ${uptime()}`);
    console.log(`searches before the conversion (${BASELINE_MS / 1000} s): ${latencySummary(before)}`);
    console.log(`searches during the conversion:  ${latencySummary(searched)}`);
    // The swap steps' transactions commit right after the step returns: a search waiting for a swap ends within a few
    // milliseconds of it.
    const overlapping = searched.filter((search) =>
      swaps.some(([from, to]) => search.started < to + 20 && search.started + search.ms > from),
    );
    console.log(`  of which overlapping a swap:   ${latencySummary(overlapping)}`);
    console.log(
      `  (a swap makes searches wait from its DETACH to its commit, and while it waits up to ${SWAP_LOCK_TIMEOUT_MS} ms ` +
        "for events, searches that come meanwhile queue behind it)",
    );
    sizes.push(["converted (copy and swap)", await eventsBytes(pool)]);

    const raw = rawBytes / EVENTS;
    console.log(`\nraw JSON: ${raw.toFixed(1)} B/event`);
    console.log(
      "state                                   live rows  heap+TOAST    indexes      total  total/raw event_texts",
    );
    for (const [state, bytes] of sizes) {
      const per = (value: number) => (value / EVENTS).toFixed(1).padStart(10);
      console.log(
        `${state.padEnd(38)} ${per(bytes.live)} ${per(bytes.heap)} ${per(bytes.indexes)} ${per(bytes.total)} ${(bytes.total / EVENTS / raw).toFixed(3).padStart(9)}x ${per(bytes.texts)}`,
      );
    }
    console.log(
      "(B/event of the events partitions; live rows = sum of pg_column_size of the rows, without page and index " +
        "overhead; event_texts with its indexes)",
    );
  } finally {
    await searcher.end().catch(() => {});
    await pool.end();
    await database.close();
  }
}

await main();

// The event-bodies backfill (migration 0018) on events stored as before event bodies (0013) and batch numbers (0014):
// `pnpm --filter @msgevents/schema bench:event-bodies`. Stores BENCH_EVENTS (default 200,000) realistic generated
// events over 7 days as the loader did before 0013 (storeEventsAsBefore0013, a batches row per 350 events), vacuumed
// as an operated database's ended days are; then converts them with runBackfills and prints the conversion speed and
// the bytes per event of the events table (heap, TOAST, every index) before, right after, after VACUUM and after
// VACUUM FULL, beside the raw JSON size. Prints the machine's load (uptime) before and after: the speed depends on it.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createEventGenerator, startTestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { EVENT_BODIES_BACKFILL, migrate, normalizeBatch, runBackfills } from "../src/index.ts";
import { storeEventsAsBefore0013 } from "../src/testing/legacy-events.ts";

const EVENTS = positiveInteger("BENCH_EVENTS", 200_000);
const BATCH_SIZE = 350;
const FROM = new Date("2024-06-01T00:00:00Z");
const TO = new Date("2024-06-08T00:00:00Z");

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** Bytes of the events partitions: heap (with free space and dead rows), TOAST, every index; and live row bytes. */
async function eventsBytes(pool: pg.Pool): Promise<{ heap: number; indexes: number; total: number; live: number }> {
  const { rows } = await pool.query<{ heap: string; indexes: string; total: string; live: string }>(
    `SELECT sum(pg_table_size(c.oid))::bigint AS heap, sum(pg_indexes_size(c.oid))::bigint AS indexes,
            sum(pg_total_relation_size(c.oid))::bigint AS total,
            (SELECT sum(pg_column_size(e.*)) FROM events AS e)::bigint AS live
     FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`,
  );
  const row = rows[0] ?? { heap: "0", indexes: "0", total: "0", live: "0" };
  return { heap: Number(row.heap), indexes: Number(row.indexes), total: Number(row.total), live: Number(row.live) };
}

function uptime(): string {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    return "uptime not available";
  }
}

async function main(): Promise<void> {
  console.log(`event-bodies backfill benchmark: ${EVENTS.toLocaleString("en")} realistic generated events, 7 days`);
  console.log(`load before: ${uptime()}`);
  const database = await startTestDatabase({ embedded: true });
  const pool = database.pool({ max: 2 });
  try {
    await migrate(pool);
    const generator = createEventGenerator({ from: FROM, to: TO, total: EVENTS });
    let rawBytes = 0;
    for (let batch = 0; generator.generated < EVENTS; batch++) {
      const records = generator.take(Math.min(BATCH_SIZE, EVENTS - generator.generated));
      for (const record of records) rawBytes += Buffer.byteLength(JSON.stringify(record));
      const batchId = `bench-${batch}`;
      const receivedAt = new Date(TO.getTime() + batch * 1000);
      await pool.query(
        `INSERT INTO batches (batch_id, object_key, received_at, status) VALUES ($1, $2, $3, 'loaded')`,
        [batchId, `batches/${batchId}.json`, receivedAt],
      );
      await storeEventsAsBefore0013(pool, normalizeBatch(records).events, { batchId, receivedAt });
    }
    await pool.query("VACUUM ANALYZE events");
    const sizes: [string, Awaited<ReturnType<typeof eventsBytes>>][] = [
      ["stored as before 0013, vacuumed", await eventsBytes(pool)],
    ];

    await pool.query("SELECT msgevents_register_backfill($1, true)", [EVENT_BODIES_BACKFILL.name]);
    const started = performance.now();
    const result = await runBackfills(pool, { backfills: [EVENT_BODIES_BACKFILL], budgetMs: Number.POSITIVE_INFINITY });
    const seconds = (performance.now() - started) / 1000;
    const converted = result.filled.reduce((sum, day) => sum + day.events, 0);
    const left = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE body IS NULL");
    console.log(
      `conversion: ${converted.toLocaleString("en")} events in ${result.filled.length} days, ${seconds.toFixed(1)} s, ` +
        `${Math.round(converted / seconds).toLocaleString("en")} events/s (runBackfills, ${EVENT_BODIES_BACKFILL.name}, ` +
        `steps of 2,000 rows); rows left in the old format: ${left.rows[0]?.n}`,
    );
    console.log(`load after the conversion: ${uptime()}`);
    sizes.push(["converted (dead rows not yet vacuumed)", await eventsBytes(pool)]);
    const timed = async (statement: string) => {
      const begun = performance.now();
      await pool.query(statement);
      return ((performance.now() - begun) / 1000).toFixed(1);
    };
    const vacuumSeconds = await timed("VACUUM ANALYZE events");
    sizes.push(["after VACUUM (space free for reuse)", await eventsBytes(pool)]);
    const fullSeconds = await timed("VACUUM FULL events");
    sizes.push(["after VACUUM FULL (rewritten)", await eventsBytes(pool)]);
    console.log(`VACUUM ANALYZE after the conversion: ${vacuumSeconds} s; VACUUM FULL of every day: ${fullSeconds} s`);

    const raw = rawBytes / EVENTS;
    console.log(`\nraw JSON: ${raw.toFixed(1)} B/event`);
    console.log("state                                   live rows  heap+TOAST    indexes      total  total/raw");
    for (const [state, bytes] of sizes) {
      const per = (value: number) => (value / EVENTS).toFixed(1).padStart(10);
      console.log(
        `${state.padEnd(38)} ${per(bytes.live)} ${per(bytes.heap)} ${per(bytes.indexes)} ${per(bytes.total)} ${(bytes.total / EVENTS / raw).toFixed(3).padStart(9)}x`,
      );
    }
    console.log("(B/event; live rows = sum of pg_column_size of the rows, without page and index overhead)");
  } finally {
    await pool.end();
    await database.close();
  }
}

await main();

// Events API benchmark, in two modes on fresh databases (BENCH_MODES, default "bulk,as-operated"):
// - bulk: the secondary indexes dropped, INSERT … SELECT FROM json_populate_recordset, indexes built, VACUUM ANALYZE;
// - as-operated: the same events delivered through the loader's loadBatch in webhook-sized batches, every index live,
//   autovacuum at its defaults, the hourly maintenance on the traffic's clock, and searched as soon as the last batch
//   is loaded.
// BENCH_EVENTS realistic events (default 1M) over BENCH_DAYS days (default 30); each shape runs BENCH_REPEATS times
// (default 20) through handleQuery, total_count included, beside its baseline (BENCH_BASELINE_REPEATS runs, default 5):
// the same count and page as plain SQL over the time index, filters written the obvious way. BENCH_BATCH (default 1000) events per webhook batch,
// BENCH_LOADERS (default 2) batches loading at once. Uses DATABASE_URL's server when set, else an embedded PostgreSQL.
// BENCH_HOLD_DIR keeps each mode's database for inspection once measured: its URL in DIR/db-url, until DIR/release
// exists.
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout } from "node:timers/promises";
import { migrate } from "@msgevents/schema";
import { formatStorage, measureStorage, startTestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { benchEvents, benchModes, loadInMode } from "./modes.ts";
import { SampleCollector } from "./samples.ts";
import { type ShapeResult, timeShapes } from "./shapes.ts";

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const BASELINE_REPEATS = Number(process.env.BENCH_BASELINE_REPEATS ?? 5);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const LOADERS = Number(process.env.BENCH_LOADERS ?? 2);
const MODES = benchModes();
const HOLD_DIR = process.env.BENCH_HOLD_DIR;
const DAY = 86_400_000;

const now = new Date();
const to = new Date(now.getTime() - 2 * 60_000);
const from = new Date(to.getTime() - DAYS * DAY);

const results = new Map<string, ShapeResult[]>();
for (const mode of MODES) {
  const database = await startTestDatabase();
  const pool = database.pool({ max: 4 });
  try {
    await migrate(pool);
    const samples = new SampleCollector(new Date(now.getTime() - DAY), now);
    let rawBytes = 0;
    const onRecords = (records: unknown[]) => {
      samples.add(records);
      for (const record of records) rawBytes += Buffer.byteLength(JSON.stringify(record));
    };

    console.log(`\n=== ${mode}: ${TOTAL.toLocaleString("en")} events over ${DAYS} days`);
    // The same events in every mode.
    const events = benchEvents({ from, to, total: TOTAL });
    const options = { database, pool, now, days: DAYS, events, total: TOTAL, onRecords };
    console.log(await loadInMode({ ...options, mode, batchSize: BATCH, loaders: LOADERS }));
    const count = TOTAL;
    const shapes = await timeShapes({
      database,
      now,
      days: DAYS,
      repeats: REPEATS,
      baselineRepeats: BASELINE_REPEATS,
      samples,
    });
    results.set(mode, shapes);
    printShapes(mode, shapes);
    await printStorage(pool, count, rawBytes);
    if (HOLD_DIR) await holdDatabase(HOLD_DIR, database.url);
  } finally {
    await pool.end();
    await database.close();
  }
}

if (results.size > 1) printComparison();

function printShapes(mode: string, shapes: ShapeResult[]): void {
  console.log(
    `\n${mode}: p50 / p95 ms through handleQuery (total_count included), ${REPEATS} runs each; ` +
      `baseline p95: plain SQL count + page over the time index, ${BASELINE_REPEATS} runs`,
  );
  console.log(
    `${"shape".padEnd(64)} ${"matches".padStart(9)} ${"p50".padStart(8)} ${"p95".padStart(8)} ${"baseline".padStart(9)} ${"speed-up".padStart(8)}`,
  );
  for (const shape of shapes) {
    const mismatch = shape.baselineMatches === shape.matches ? "" : `  (baseline counted ${shape.baselineMatches})`;
    console.log(
      `${shape.name.padEnd(64)} ${String(shape.matches).padStart(9)} ${shape.p50.toFixed(1).padStart(8)} ` +
        `${shape.p95.toFixed(1).padStart(8)} ${shape.baselineP95.toFixed(1).padStart(9)} ` +
        `${`${(shape.baselineP95 / shape.p95).toFixed(1)}x`.padStart(8)}${mismatch}`,
    );
  }
}

function printComparison(): void {
  const modes = [...results.keys()];
  const first = results.get(modes[0] as string) ?? [];
  console.log(
    `\nSummary, ${TOTAL.toLocaleString("en")} events: p95 ms per mode and its baseline (matches from the first mode)`,
  );
  const headings = modes.flatMap((mode) => [mode, `${mode} base`]);
  console.log(`${"shape".padEnd(64)} ${"matches".padStart(9)} ${headings.map((h) => h.padStart(16)).join(" ")}`);
  first.forEach((shape, index) => {
    const cells = modes.flatMap((mode) => {
      const result = results.get(mode)?.[index];
      return [result?.p95.toFixed(1) ?? "", result?.baselineP95.toFixed(1) ?? ""].map((cell) => cell.padStart(16));
    });
    const flag = modes.some((mode) => (results.get(mode)?.[index]?.p95 ?? 0) >= 100) ? "  ≥100" : "";
    console.log(`${shape.name.padEnd(64)} ${String(shape.matches).padStart(9)} ${cells.join(" ")}${flag}`);
  });
}

/** Every object of the schema per event, all in and index by index, beside the raw JSON (testkit's storage report). */
async function printStorage(pool: pg.Pool, count: number, rawBytes: number): Promise<void> {
  console.log("\nstorage, bytes per event (every table all in: heap, TOAST and indexes; then each index):");
  console.log(formatStorage(await measureStorage(pool), count, rawBytes));
}

/** Keeps the database until `dir`/release exists (BENCH_HOLD_DIR), its URL in `dir`/db-url. */
async function holdDatabase(dir: string, url: string): Promise<void> {
  await rm(path.join(dir, "release"), { force: true });
  await writeFile(path.join(dir, "db-url"), url, { mode: 0o600 });
  console.log(
    `\nholding the database: its URL in ${path.join(dir, "db-url")}, until ${path.join(dir, "release")} exists`,
  );
  while (!existsSync(path.join(dir, "release"))) await setTimeout(2000);
}

// The two ways the benches fill a fresh database with the same events (BENCH_MODES; README, "Benchmark").
import { PartitionManager } from "@msgevents/schema";
import { createEventGenerator, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { loadAsOperated } from "./load-as-operated.ts";
import { loadBulk } from "./load-bulk.ts";
import { withMailboxProvider } from "./samples.ts";

export type BenchMode = "bulk" | "as-operated";

/** BENCH_MODES (default "bulk,as-operated"), checked before anything is loaded. */
export function benchModes(): BenchMode[] {
  const modes = (process.env.BENCH_MODES ?? "bulk,as-operated").split(",").map((mode) => mode.trim());
  for (const mode of modes) {
    if (mode !== "bulk" && mode !== "as-operated") throw new Error(`unknown BENCH_MODES entry ${mode}`);
  }
  return modes as BenchMode[];
}

/** The benches' events: the generator's realistic corpus (seed 7), with SparkPost's mailbox provider fields added. */
export function benchEvents(options: { from: Date; to: Date; total: number }): { take(count: number): unknown[] } {
  const generator = createEventGenerator({ ...options, seed: 7 });
  return { take: (count: number) => generator.take(count).map(withMailboxProvider) };
}

export interface ModeLoadOptions {
  mode: BenchMode;
  database: TestDatabase;
  /** The database's pool, for the bulk load. */
  pool: pg.Pool;
  /** The traffic's clock: the last event is just before it. */
  now: Date;
  days: number;
  events: { take(count: number): unknown[] };
  total: number;
  /** Events per webhook batch, and batches loading at once, as operated. */
  batchSize: number;
  loaders: number;
  onRecords(records: unknown[]): void;
}

/** Loads the events in the mode; returns a line saying how it went. */
export async function loadInMode(options: ModeLoadOptions): Promise<string> {
  const { database, pool, now, events, total, onRecords } = options;
  if (options.mode === "bulk") {
    await new PartitionManager(pool).ensureAround(now, { daysBack: options.days + 1, daysAhead: 1 });
    return loadBulk({ pool, now, generator: events, total, batchSize: 5000, onRecords });
  }
  const { batchSize, loaders } = options;
  const loaded = await loadAsOperated({
    database,
    generator: events,
    total,
    batchSize,
    concurrency: loaders,
    onRecords,
  });
  return (
    `loaded through loadBatch in ${loaded.seconds.toFixed(1)} s (${batchSize} events per batch, ${loaders} at once, ` +
    `${loaded.maintenanceRuns} maintenance runs); searching at once`
  );
}

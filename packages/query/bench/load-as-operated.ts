// The "as operated" load: events reach the database the way users' databases are filled, through the loader's own
// loadBatch (stored batch → one transaction per batch, every index live, the value-catalog trigger firing), a few
// loads at once as the loader Lambda or the local stack run them, autovacuum at its defaults, and the scheduled
// maintenance running as the clock passes each hour of the loaded traffic.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { type LoaderDeps, loadBatch } from "@msgevents/loader";
import { maintainPartitions, PartitionManager } from "@msgevents/schema";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import type { TestDatabase } from "@msgevents/testkit";

export interface AsOperatedOptions {
  /** The database to load into; its pools are ended when it closes. */
  database: TestDatabase;
  /** Webhook records in time order. */
  generator: { take(count: number): unknown[] };
  total: number;
  /** Events per webhook batch. */
  batchSize: number;
  /** Batches loading at once. */
  concurrency: number;
  /** Called with each batch's records before it is stored (for raw sizes and sample values). */
  onRecords(records: unknown[]): void;
}

const HOUR = 3_600_000;

/** Loads `total` events batch by batch through loadBatch; returns how long loading took, maintenance included. */
export async function loadAsOperated(
  options: AsOperatedOptions,
): Promise<{ seconds: number; maintenanceRuns: number }> {
  const storeDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-bench-batches-"));
  const pool = options.database.pool({ max: options.concurrency + 1 });
  const deps: LoaderDeps = {
    pool,
    store: new FileObjectStore(storeDir),
    partitions: new PartitionManager(pool),
    logger: new Logger({ serviceName: "msgevents-bench-loader", logLevel: "WARN" }),
  };
  const started = performance.now();
  let produced = 0;
  let batchNumber = 0;
  let maintenanceRuns = 0;
  let nextMaintenance = Number.NEGATIVE_INFINITY;
  let maintenance: Promise<unknown> = Promise.resolve();
  try {
    const worker = async () => {
      while (produced < options.total) {
        const records = options.generator.take(Math.min(options.batchSize, options.total - produced));
        produced += records.length;
        options.onRecords(records);
        const batchId = `bench${String(batchNumber++).padStart(10, "0")}`;
        // The traffic's own clock: the newest event of the batch, as if it had just been sent.
        const receivedAt = new Date(latestTimestamp(records));
        // The hourly maintenance job, on the loaded traffic's clock (one run at a time, beside the loads).
        if (receivedAt.getTime() >= nextMaintenance) {
          nextMaintenance = Math.floor(receivedAt.getTime() / HOUR) * HOUR + HOUR;
          maintenance = maintenance.then(() => maintainPartitions(pool, { now: receivedAt }));
          maintenanceRuns += 1;
        }
        const key = batchKey(batchId, receivedAt);
        await deps.store.put(key, new TextEncoder().encode(JSON.stringify(records)));
        await loadBatch(key, deps, { receivedAt });
        // The bench needs no replay: keep the disk from filling at 5M events.
        await rm(path.join(storeDir, key), { force: true });
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    await maintenance;
    return { seconds: (performance.now() - started) / 1000, maintenanceRuns };
  } finally {
    await pool.end();
    await rm(storeDir, { recursive: true, force: true });
  }
}

function latestTimestamp(records: unknown[]): number {
  let latest = 0;
  for (const record of records) {
    const msys = (record as { msys: Record<string, { timestamp?: string }> }).msys;
    for (const event of Object.values(msys)) latest = Math.max(latest, Number(event.timestamp ?? 0) * 1000);
  }
  return latest;
}

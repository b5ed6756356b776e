import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { migrate, PartitionManager, parseWebhookBatch } from "@msgevents/schema";
import { batchKey, FileObjectStore, type ObjectStore } from "@msgevents/storage";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import type { LoaderDeps } from "../../src/index.ts";

export interface LoaderFixture {
  db: TestDatabase;
  /** The test's own pool, for assertions and blockers (the loaders get their own, see loaderDeps). */
  pool: pg.Pool;
  store: FileObjectStore;
  /** Dependencies for one loader: its own pool, as a separate loader process or Lambda instance would have. */
  loaderDeps(options?: { store?: ObjectStore }): LoaderDeps;
  close(): Promise<void>;
}

export const silentLogger = () => new Logger({ serviceName: "msgevents-loader-test", logLevel: "SILENT" });

export async function startLoaderFixture(options: { embedded?: boolean } = {}): Promise<LoaderFixture> {
  const db = await startTestDatabase(options);
  const pool = db.pool({ max: 4 });
  await migrate(pool);
  const storeDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-loader-store-"));
  const store = new FileObjectStore(storeDir);
  const loaderPools: pg.Pool[] = [];
  return {
    db,
    pool,
    store,
    loaderDeps(overrides = {}) {
      const loaderPool = db.pool({ max: 2, connectionTimeoutMillis: 5_000 });
      loaderPools.push(loaderPool);
      return {
        pool: loaderPool,
        store: overrides.store ?? store,
        partitions: new PartitionManager(loaderPool),
        logger: silentLogger(),
      };
    },
    async close() {
      await Promise.all(loaderPools.map((loaderPool) => loaderPool.end().catch(() => {})));
      await pool.end().catch(() => {});
      await db.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

let batchCounter = 0;

/** Stores records as a raw webhook batch the way ingest does; returns its key. */
export async function storeBatch(
  store: ObjectStore,
  records: unknown[] | string,
  options: { batchId?: string; receivedAt?: Date } = {},
): Promise<string> {
  const batchId = options.batchId ?? `batch${String(++batchCounter).padStart(4, "0")}${process.pid}`;
  const key = batchKey(batchId, options.receivedAt ?? new Date("2024-06-01T10:00:00Z"));
  const body = typeof records === "string" ? records : JSON.stringify(records);
  await store.put(key, new TextEncoder().encode(body));
  return key;
}

/** An event's identity as the primary key sees it. */
export function eventKey(event: { eventId: string; type: string; eventTime: Date }): string {
  return `${event.eventId}|${event.type}|${event.eventTime.toISOString()}`;
}

/** The event keys a set of webhook records should produce once loaded. */
export function expectedEventKeys(...batches: unknown[][]): string[] {
  const keys = new Set<string>();
  for (const records of batches) {
    for (const event of parseWebhookBatch(JSON.stringify(records)).events) keys.add(eventKey(event));
  }
  return [...keys].sort();
}

/** Every stored event's key, sorted; a key stored twice would appear twice. */
export async function storedEventKeys(pool: pg.Pool): Promise<string[]> {
  const result = await pool.query<{ event_id: string; type: string; event_time: Date }>(
    "SELECT event_id, type, event_time FROM events",
  );
  return result.rows
    .map((row) => eventKey({ eventId: row.event_id, type: row.type, eventTime: row.event_time }))
    .sort();
}

export async function countEvents(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events");
  return result.rows[0]?.n ?? 0;
}

export async function batchRow(pool: pg.Pool, batchId: string) {
  const result = await pool.query("SELECT * FROM batches WHERE batch_id = $1", [batchId]);
  return result.rows[0];
}

/** Every row of events and batches, for "nothing changed" comparisons. */
export async function snapshot(pool: pg.Pool): Promise<{ events: unknown[]; batches: unknown[] }> {
  const events = await pool.query("SELECT * FROM events ORDER BY event_id, type, event_time");
  const batches = await pool.query("SELECT * FROM batches ORDER BY batch_id");
  return { events: events.rows, batches: batches.rows };
}

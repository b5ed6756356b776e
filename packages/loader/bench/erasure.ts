// Forgetting one recipient in a large database: BENCH_ERASURE_EVENTS generated events over 30 days, stored as raw
// batches (BENCH_BATCH_SIZE events each) and loaded by the loader with suppression on; one recipient holds
// BENCH_TARGET_EVENTS of them, spread over the 30 days, plus one backfill-style batch repeating one of its events.
// Times the request (saved, then erased to completion by runEraser), and proves from the store's own log of reads and
// writes that only the batches holding the address were read and rewritten.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { credentialId, getRequest, RecipientHasher, runEraser, saveRequest } from "@msgevents/erasure";
import { EVERY_ACCOUNT, migrate, PartitionManager } from "@msgevents/schema";
import { batchKey, type ErasableObjectStore, FileObjectStore } from "@msgevents/storage";
import { createEventGenerator, startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { loadBatch } from "../src/index.ts";

const totalEvents = Number(process.env.BENCH_ERASURE_EVENTS ?? 200_000);
const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 350);
const targetEvents = Number(process.env.BENCH_TARGET_EVENTS ?? 60);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 3);
const DAYS = 30;
const TARGET = "Forget.Me@example.org";
const from = new Date("2025-01-01T00:00:00Z");
const to = new Date(from.getTime() + DAYS * 86_400_000);

/** The store, logging every read and rewrite: the evidence of what the erasure touched. */
class LoggedStore extends FileObjectStore implements ErasableObjectStore {
  reads: string[] = [];
  rewrites: string[] = [];
  override async get(key: string) {
    this.reads.push(key);
    return super.get(key);
  }
  override async replace(key: string, body: Uint8Array) {
    this.rewrites.push(key);
    return super.replace(key, body);
  }
}

const quiet = new Logger({ serviceName: "msgevents-erasure-bench", logLevel: "SILENT" });
const workDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-erasure-bench-"));
let db: TestDatabase | undefined;
try {
  console.log(
    `erasure bench: ${totalEvents.toLocaleString("en")} events over ${DAYS} days in ${batchSize}-event batches, one recipient in ${targetEvents} of them`,
  );
  const store = new LoggedStore(path.join(workDir, "store"));
  const hasher = new RecipientHasher("erasure-bench-recipient-hash-secret");
  db = await startTestDatabase();
  const pool = db.pool({ max: concurrency + 2 });
  await migrate(pool);
  const deps = { pool, store, partitions: new PartitionManager(pool), logger: quiet, recipients: hasher };

  // Batches, with the target's events placed evenly through the stream.
  const generator = createEventGenerator({ seed: 7, from, to, total: totalEvents });
  const every = Math.floor(totalEvents / targetEvents);
  const keys: string[] = [];
  const holding = new Set<string>();
  let repeated: unknown;
  let rawBytes = 0;
  for (let done = 0; done < totalEvents; done += batchSize) {
    const records = generator.take(Math.min(batchSize, totalEvents - done));
    let holds = false;
    records.forEach((record, index) => {
      if ((done + index) % every !== every - 1) return;
      const event = Object.values(record.msys)[0];
      if (!event || typeof event.rcpt_to !== "string") return;
      event.rcpt_to = TARGET.toLowerCase();
      event.raw_rcpt_to = TARGET;
      holds = true;
      repeated ??= record;
    });
    const first = Object.values(records[0]?.msys ?? {})[0];
    const receivedAt = new Date(Number(first?.timestamp ?? from.getTime() / 1000) * 1000 + 60_000);
    const key = batchKey(`bench-${String(keys.length).padStart(6, "0")}`, receivedAt);
    const body = new TextEncoder().encode(JSON.stringify(records));
    rawBytes += body.byteLength;
    await store.put(key, body);
    keys.push(key);
    if (holds) holding.add(key);
  }
  // A backfill overlapping the webhooks: one of the target's events again, in a batch of its own.
  const backfillKey = batchKey("sha256-bench-backfill", to);
  await store.put(backfillKey, new TextEncoder().encode(JSON.stringify([repeated])));
  keys.push(backfillKey);
  holding.add(backfillKey);
  console.log(`stored ${keys.length.toLocaleString("en")} batches, ${(rawBytes / 1e6).toFixed(0)} MB of raw JSON`);

  const loadStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) await loadBatch(keys[next++] as string, deps);
    }),
  );
  const stored = (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events")).rows[0]?.n ?? 0;
  console.log(
    `loaded ${stored.toLocaleString("en")} events in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s (not timed below)`,
  );
  await pool.query("VACUUM ANALYZE");

  store.reads = [];
  store.rewrites = [];
  const started = performance.now();
  const requestId = await saveRequest(
    pool,
    hasher,
    { recipients: [TARGET.toLowerCase()], scope: EVERY_ACCOUNT },
    credentialId("bench"),
  );
  const saved = performance.now();
  // First the events phase alone (one step per day partition), then the raw batches: timed apart.
  const partitions = (
    await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'events'::regclass")
  ).rows[0]?.n;
  const eraser = { pool, store, hasher, logger: quiet };
  await runEraser(eraser, { maxSteps: partitions });
  const eventsDone = performance.now();
  let runs = 1;
  for (;;) {
    runs++;
    const run = await runEraser(eraser);
    if (!run.more) break;
  }
  const finished = performance.now();
  const seconds = (finished - started) / 1000;
  const request = await getRequest(pool, requestId);
  const left = (
    await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE lower(rcpt_to) = $1", [
      TARGET.toLowerCase(),
    ])
  ).rows[0]?.n;

  const reads = new Set(store.reads);
  const rewrites = new Set(store.rewrites);
  const onlyHolding = [...reads].every((key) => holding.has(key)) && [...rewrites].every((key) => holding.has(key));
  const allHolding = [...holding].every((key) => rewrites.has(key));
  console.log(`  request saved (and the address suppressed) in ${(saved - started).toFixed(0)} ms`);
  console.log(
    `  erased to completion in ${seconds.toFixed(2)} s (${runs} eraser run(s)): ${request?.events_erased} events, ${request?.batches_rewritten} batches rewritten, ${request?.records_removed} records removed; ${left} events of the address left`,
  );
  console.log(
    `  of which: events of ${partitions} day partitions ${((eventsDone - saved) / 1000).toFixed(2)} s, raw batches ${((finished - eventsDone) / 1000).toFixed(2)} s`,
  );
  console.log(
    `  batches: ${keys.length.toLocaleString("en")} stored, ${holding.size} hold the address; read ${reads.size}, rewritten ${rewrites.size}`,
  );
  console.log(
    `  proof: every batch read or rewritten holds the address: ${onlyHolding}; every batch holding it was rewritten: ${allHolding}`,
  );
  if (!onlyHolding || !allHolding || left !== 0 || request?.status !== "completed") {
    throw new Error("the erasure touched a batch that does not hold the address, or missed one");
  }
  await pool.end();
} finally {
  await db?.close();
  await rm(workDir, { recursive: true, force: true });
}

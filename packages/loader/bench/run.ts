// Loads BENCH_EVENTS generated events (350-event batches stored as objects, spread over BENCH_DAYS days) through
// loadBatches with BENCH_CONCURRENCY concurrent loaders, each taking BENCH_BATCHES_PER_LOAD (default the loader's
// MAX_BATCHES_PER_LOAD) stored batches a load as the queues hand them out, and compares with a COPY of the same rows
// into the same fresh schema (the loads beside the hourly maintenance on the traffic's clock, as the deployed stack
// runs it; COPY alone);
// then prints the storage of every object of the schema per event beside the raw JSON. Once per corpus of
// BENCH_CORPORA (default "realistic,lean": the generator's realistic events and its lean profile).
// BENCH_WITHOUT_TRIGGERS=1 disables the events table's triggers (search values, rollups, search counts) in both
// measurements: what loading would cost if the derived tables were kept outside the insert. Not a way to run msgevents
// (its searches and metrics would miss every event loaded so): a ceiling for the end-to-end figure.
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Logger } from "@aws-lambda-powertools/logger";
import {
  EVENT_COLUMNS,
  encodeBodies,
  maintainPartitions,
  migrate,
  type NormalizedEvent,
  PartitionManager,
  parseWebhookBatch,
  TEXT_REFS,
  utcDay,
} from "@msgevents/schema";
import { type NumberedTexts, storeNumberedTexts, TextNumbering } from "@msgevents/schema/testing";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import {
  createEventGenerator,
  formatStorage,
  measureStorage,
  startTestDatabase,
  type TestDatabase,
  totalBytes,
} from "@msgevents/testkit";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { loadBatches, MAX_BATCHES_PER_LOAD } from "../src/index.ts";

const totalEvents = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const batchSize = Number(process.env.BENCH_BATCH_SIZE ?? 350);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 3);
const batchesPerLoad = Number(process.env.BENCH_BATCHES_PER_LOAD ?? MAX_BATCHES_PER_LOAD);
const days = Number(process.env.BENCH_DAYS ?? 30);
const withoutTriggers = process.env.BENCH_WITHOUT_TRIGGERS === "1";
const corpora = (process.env.BENCH_CORPORA ?? "realistic,lean").split(",").map((name) => name.trim());
for (const corpus of corpora) {
  if (corpus !== "realistic" && corpus !== "lean") throw new Error(`unknown BENCH_CORPORA entry ${corpus}`);
}
const FROM = new Date("2024-06-01T00:00:00Z");
const HOUR_MS = 3_600_000;
const TO = new Date(FROM.getTime() + Math.round(days * 86_400_000));

const workDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-loader-bench-"));
// The embedded server runs as the postgres user, which must be able to read the COPY file.
await chmod(workDir, 0o755);
const store = new FileObjectStore(path.join(workDir, "store"));
const copyFile = path.join(workDir, "events.tsv");

for (const corpus of corpora) {
  let copyDb: TestDatabase | undefined;
  let loadDb: TestDatabase | undefined;
  try {
    console.log(
      `\nloader bench, ${corpus} corpus: ${totalEvents.toLocaleString("en")} events over ${days} days in ${batchSize}-event batches, ${concurrency} concurrent loaders`,
    );
    const {
      keys,
      rawBytes,
      rawRecordBytes,
      days: eventDays,
      texts,
    } = await prepareBatches(corpus as "realistic" | "lean");
    console.log(
      `stored ${keys.length} batches, ${(rawBytes / 1e6).toFixed(1)} MB of raw JSON (${(rawRecordBytes / totalEvents).toFixed(1)} B per webhook record)`,
    );
    copyDb = await startTestDatabase();
    loadDb = await startTestDatabase();

    const copied = await measureCopy(copyDb, eventDays, texts);
    const loaded = await measureLoader(loadDb, keys);
    if (loaded.events !== copied.events)
      throw new Error(`loader stored ${loaded.events} events, COPY ${copied.events}`);

    const copyRate = copied.events / copied.seconds;
    const loadRate = loaded.events / loaded.seconds;
    const row = (name: string, events: number, seconds: number) =>
      `  ${name.padEnd(44)} ${events.toLocaleString("en").padStart(10)} events  ${seconds.toFixed(1).padStart(7)} s  ${Math.round(
        events / seconds,
      )
        .toLocaleString("en")
        .padStart(8)} events/s`;
    if (withoutTriggers) console.log("  (BENCH_WITHOUT_TRIGGERS: the events table's triggers disabled in both)");
    console.log(row(`baseline: ${copied.method}`, copied.events, copied.seconds));
    console.log(
      row(`loadBatches from stored objects (x${concurrency}, ${batchesPerLoad} a load)`, loaded.events, loaded.seconds),
    );
    console.log(`  (the loads beside ${loaded.maintenanceRuns} hourly maintenance runs on the traffic's clock)`);
    console.log(`  loader / COPY = ${(loadRate / copyRate).toFixed(2)}x (target >= 0.80x)`);
    const pool = loadDb.pool({ max: 1 });
    const storage = await measureStorage(pool);
    await pool.end();
    console.log(`\nstorage after loading through loadBatches (${corpus}), bytes per event:`);
    console.log(formatStorage(storage, loaded.events, rawRecordBytes));
    const target = corpus === "realistic" ? 0.6 : 1.0;
    const ratio = totalBytes(storage) / rawRecordBytes;
    console.log(
      `all in / raw JSON = ${ratio.toFixed(3)}x (target <= ${target.toFixed(1)}x): ${ratio <= target ? "MET" : "NOT MET"}`,
    );
  } finally {
    await Promise.all([copyDb?.close(), loadDb?.close()]);
    await rm(store.rootDir, { recursive: true, force: true });
  }
}
await rm(workDir, { recursive: true, force: true });

/**
 * Generates the batches, stores each as an object, and writes the same rows as COPY text for the baseline: with
 * their subjects, senders and transmissions (TEXT_REFS) and their recipient payloads as ids, numbered in the order the
 * loaders first meet them; `texts` lists them, for the COPY database's event_texts and event_payloads.
 */
async function prepareBatches(profile: "realistic" | "lean"): Promise<{
  keys: StoredBatch[];
  rawBytes: number;
  rawRecordBytes: number;
  days: Date[];
  texts: NumberedTexts;
}> {
  const generator = createEventGenerator({ seed: 42, total: totalEvents, from: FROM, to: TO, profile });
  const copyOut = createWriteStream(copyFile);
  const texts = new TextNumbering();
  const keys: StoredBatch[] = [];
  const days = new Set<string>();
  let rawBytes = 0;
  let rawRecordBytes = 0;
  const receivedAt = new Date("2024-06-01T12:00:00Z");
  for (let done = 0; done < totalEvents; done += batchSize) {
    const records = generator.take(Math.min(batchSize, totalEvents - done));
    for (const record of records) rawRecordBytes += Buffer.byteLength(JSON.stringify(record));
    const body = Buffer.from(JSON.stringify(records));
    const batchId = `bench${String(keys.length).padStart(6, "0")}`;
    const key = batchKey(batchId, receivedAt);
    await store.put(key, body);
    rawBytes += body.length;
    const { events } = parseWebhookBatch(body);
    for (const event of events) days.add(utcDay(event.eventTime));
    keys.push({ key, newest: Math.max(...events.map((event) => event.eventTime.getTime())) });
    // The rows as the loader writes them, bodies encoded: COPY pays for neither normalizing nor encoding.
    const bodies = await encodeBodies(events.map((event) => event.body));
    // The batch numbers the loader will give them (one per batch, in order).
    const lines = events.map((event, index) => copyLine(event, bodies[index] as Buffer, keys.length, texts));
    if (!copyOut.write(lines.join(""))) await new Promise<void>((resolve) => copyOut.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    copyOut.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  await chmod(copyFile, 0o644);
  return {
    keys,
    rawBytes,
    rawRecordBytes,
    days: [...days].map((day) => new Date(`${day}T00:00:00Z`)),
    texts: texts.takeNew(),
  };
}

/** A stored batch object and its newest event's time (the traffic's clock when it was sent). */
interface StoredBatch {
  key: string;
  newest: number;
}

function copyText(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  const text =
    value instanceof Date
      ? value.toISOString()
      : Buffer.isBuffer(value)
        ? `\\x${value.toString("hex")}`
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
  return text.replace(/[\\\n\r\t]/g, (char) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[char] ?? char);
}

function copyLine(event: NormalizedEvent, body: Buffer, batchNumber: number, texts: TextNumbering): string {
  // A row holds the text or its id, as the loader stores it.
  const row = texts.named(event);
  const values = [
    batchNumber,
    ...EVENT_COLUMNS.map(([, field]) => row[field]),
    body,
    ...TEXT_REFS.map(({ refKey }) => row[refKey]),
    row.payloadRef,
  ];
  return `${values.map(copyText).join("\t")}\n`;
}

async function prepareSchema(db: TestDatabase): Promise<pg.Pool> {
  // One connection more than the loaders, for the maintenance beside them.
  const pool = db.pool({ max: concurrency + 1 });
  // Dropping the database at the end ends connections that pool.end() is still closing.
  await migrate(pool);
  if (withoutTriggers) await pool.query("ALTER TABLE events DISABLE TRIGGER USER");
  return pool;
}

async function measureCopy(
  db: TestDatabase,
  days: Date[],
  texts: NumberedTexts,
): Promise<{ events: number; seconds: number; method: string }> {
  const pool = await prepareSchema(db);
  try {
    // Partitions are created up front and not timed: COPY cannot create them. Nor texts: the rows name them.
    await new PartitionManager(pool).ensureFor(days);
    await storeNumberedTexts(pool, texts);
    await pool.query("CHECKPOINT");
    // The loader's columns, its texts' and recipient payload's ids after them (copyLine's order).
    const columns = `batch_number, ${EVENT_COLUMNS.map(([column]) => column).join(", ")}, body, ${TEXT_REFS.map((ref) => ref.ref).join(", ")}, payload_ref`;
    const started = performance.now();
    let events: number;
    let method: string;
    if (db.server) {
      method = "server-side COPY events FROM file";
      events = (await pool.query(`COPY events (${columns}) FROM '${copyFile}'`)).rowCount ?? 0;
    } else {
      // An external server may not see this machine's files: stream the same rows instead.
      method = "COPY events FROM STDIN (pre-formatted)";
      const client = await pool.connect();
      try {
        const stream = client.query(copyFrom(`COPY events (${columns}) FROM STDIN`));
        await pipeline(createReadStream(copyFile), stream);
        events = stream.rowCount;
      } finally {
        client.release();
      }
    }
    return { events, seconds: (performance.now() - started) / 1000, method };
  } finally {
    await pool.end();
  }
}

/**
 * Loads the batches through loadBatches with `concurrency` loaders, `batchesPerLoad` a load, beside the hourly
 * maintenance (partitions, retention, vacuums) on the traffic's clock as the deployed stack runs it: one run at a time,
 * each time the loaded traffic reaches a new hour, so the upserted tables are vacuumed as often as 2 days of traffic
 * would have them.
 */
async function measureLoader(
  db: TestDatabase,
  keys: StoredBatch[],
): Promise<{ events: number; seconds: number; maintenanceRuns: number }> {
  const pool = await prepareSchema(db);
  try {
    await pool.query("CHECKPOINT");
    const deps = {
      pool,
      store,
      partitions: new PartitionManager(pool),
      logger: new Logger({ serviceName: "msgevents-loader-bench", logLevel: "SILENT" }),
    };
    let next = 0;
    let events = 0;
    let maintenanceRuns = 0;
    let nextMaintenance = Number.NEGATIVE_INFINITY;
    let maintenance: Promise<unknown> = Promise.resolve();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < keys.length) {
          // The next batches_per_load stored batches, as the loader takes them from its queue.
          const group = keys.slice(next, next + batchesPerLoad);
          next += group.length;
          const newest = Math.max(...group.map((batch) => batch.newest));
          if (newest >= nextMaintenance) {
            nextMaintenance = Math.floor(newest / HOUR_MS) * HOUR_MS + HOUR_MS;
            maintenance = maintenance.then(() => maintainPartitions(pool, { now: new Date(newest) }));
            maintenanceRuns += 1;
          }
          const outcomes = await loadBatches(
            group.map(({ key }) => ({ objectKey: key })),
            deps,
          );
          for (const outcome of outcomes) {
            if (!outcome.ok) throw outcome.error;
            events += outcome.result.eventsLoaded;
          }
        }
      }),
    );
    await maintenance;
    const seconds = (performance.now() - started) / 1000;
    const counted = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events");
    if (counted.rows[0]?.n !== events)
      throw new Error(`loader reported ${events} events, table has ${counted.rows[0]?.n}`);
    return { events, seconds, maintenanceRuns };
  } finally {
    await pool.end();
  }
}

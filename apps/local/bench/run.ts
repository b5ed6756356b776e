/**
 * End-to-end benchmark of the local stack: concurrent clients POST 350-event batches to the webhook endpoint of a
 * stack started in this process (embedded PostgreSQL, filesystem store, local queue, loader), until every event is
 * queryable through the Events API. Prints end-to-end events/s and the delay from a batch's 200 to its events being
 * queryable (p50/p99), beside a baseline measured in the same run: the loader alone loading the same stored batches
 * into a fresh database, with no HTTP and no queue in between.
 *
 * BENCH_LOCAL_EVENTS (default 100,100), BENCH_LOCAL_CLIENTS (default 4), BENCH_LOCAL_DAYS (default 1: the span the
 * events' timestamps cover from 2024-06-01; 30 for 5M events gives the density of the query bench). Batches are
 * generated as they are sent (and again, from the same seed, for the baseline), so no run holds more than the batches
 * in flight: 5M events are 6 GB of JSON.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { loadBatches, MAX_BATCHES_PER_LOAD } from "@msgevents/loader";
import { migrate, PartitionManager } from "@msgevents/schema";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import { createEventGenerator, startTestDatabase } from "@msgevents/testkit";
import { loadLocalConfig } from "../src/env.ts";
import { startLocalStack } from "../src/stack.ts";

const EVENTS = Number(process.env.BENCH_LOCAL_EVENTS ?? 100_100);
const CLIENTS = Number(process.env.BENCH_LOCAL_CLIENTS ?? 4);
const DAYS = Number(process.env.BENCH_LOCAL_DAYS ?? 1);
const PER_BATCH = 350;
const BATCHES = Math.ceil(EVENTS / PER_BATCH);
const FROM = new Date("2024-06-01T00:00:00Z");
const RANGE = "from=2024-05-01T00:00:00Z&to=2024-07-01T00:00:00Z";
const quiet = new Logger({ serviceName: "bench", logLevel: "ERROR" });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

interface Batch {
  index: number;
  id: string;
  body: string;
  firstId: string;
}

/** The run's batches in order, generated one at a time: every call gives the same batches. */
function* generateBatches(): Generator<Batch> {
  const generator = createEventGenerator({
    seed: 21,
    total: EVENTS,
    from: FROM,
    to: new Date(FROM.getTime() + DAYS * 86_400_000),
  });
  for (let i = 0; i < BATCHES; i++) {
    const records = generator.take(Math.min(PER_BATCH, EVENTS - i * PER_BATCH));
    const firstId = String(Object.values(records[0]?.msys ?? {})[0]?.event_id);
    yield { index: i, id: `bench-${i}`, body: JSON.stringify(records), firstId };
  }
}

console.log(
  `local stack end-to-end: ${fmt(EVENTS)} events over ${DAYS} day(s) in ${BATCHES} batches of ${PER_BATCH}, ${CLIENTS} clients`,
);

async function baseline(): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "msgevents-bench-store-"));
  const database = await startTestDatabase();
  const pool = database.pool({ max: 4 });
  try {
    await migrate(pool);
    const store = new FileObjectStore(dir);
    const receivedAt = new Date();
    const keys: string[] = [];
    for (const batch of generateBatches()) {
      const key = batchKey(batch.id, receivedAt);
      await store.put(key, Buffer.from(batch.body));
      keys.push(key);
    }
    const deps = { pool, store, partitions: new PartitionManager(pool), logger: quiet };
    const started = performance.now();
    // Two loaders, each taking the next MAX_BATCHES_PER_LOAD keys a load, as the stack's queue hands them out.
    let next = 0;
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        while (next < keys.length) {
          const group = keys.slice(next, next + MAX_BATCHES_PER_LOAD);
          next += group.length;
          for (const outcome of await loadBatches(
            group.map((objectKey) => ({ objectKey, receivedAt })),
            deps,
          )) {
            if (!outcome.ok) throw outcome.error;
          }
        }
      }),
    );
    return EVENTS / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function endToEnd() {
  const dataRoot = await mkdtemp(path.join(os.tmpdir(), "msgevents-bench-local-"));
  await chmod(dataRoot, 0o755);
  const config = loadLocalConfig({ MSGEVENTS_DATA_DIR: path.join(dataRoot, "data"), MSGEVENTS_PORT: "0" });
  const stack = await startLocalStack(config, quiet);
  const { env } = stack.credentials;
  const authorization = `Basic ${Buffer.from(`${env.MSGEVENTS_WEBHOOK_USERNAME}:${env.MSGEVENTS_WEBHOOK_PASSWORD}`).toString("base64")}`;
  const apiKey = env.MSGEVENTS_API_KEY ?? "";
  const search = async (query: string) => {
    const response = await fetch(`${stack.url}/api/v1/events/message?${RANGE}&per_page=1&${query}`, {
      headers: { authorization: apiKey },
    });
    return ((await response.json()) as { total_count: number }).total_count;
  };
  try {
    const postLatencies: number[] = [];
    // Every 5th batch: how long after its 200 until its events can be found. One watcher checks the sampled batches
    // in the order they were answered, every 100 ms: a poller per batch (hundreds at once while the queue is long)
    // would take the CPU the loaders need, and the delay it measures would be its own.
    const answeredSamples: { firstId: string; answered: number }[] = [];
    const delays: number[] = [];
    let sending = true;
    const watcher = (async () => {
      while (sending || answeredSamples.length > 0) {
        const oldest = answeredSamples[0];
        if (oldest && (await search(`event_ids=${oldest.firstId}`)) > 0) {
          delays.push(performance.now() - oldest.answered);
          answeredSamples.shift();
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const started = performance.now();
    const batches = generateBatches();
    let sentBytes = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let next = batches.next(); !next.done; next = batches.next()) {
          const batch = next.value;
          sentBytes += Buffer.byteLength(batch.body);
          const sent = performance.now();
          const response = await fetch(`${stack.url}/webhooks/sparkpost`, {
            method: "POST",
            headers: { authorization, "content-type": "application/json", "x-messagesystems-batch-id": batch.id },
            body: batch.body,
          });
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`batch ${batch.id} answered ${response.status}`);
          const answered = performance.now();
          postLatencies.push(answered - sent);
          if (batch.index % 5 === 0) answeredSamples.push({ firstId: batch.firstId, answered });
        }
      }),
    ).finally(() => {
      sending = false;
    });
    await watcher;
    while ((await search("")) < EVENTS) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - started) / 1000;
    return { eventsPerSecond: EVENTS / seconds, seconds, postLatencies, delays, sentBytes };
  } finally {
    await stack.stop();
    await rm(dataRoot, { recursive: true, force: true });
  }
}

const e2e = await endToEnd();
const loaderOnly = await baseline();
console.log("");
console.log("measure                                          value");
console.log("-----------------------------------------------  ---------------");
console.log(`end to end (POST → queryable), events/s          ${fmt(e2e.eventsPerSecond).padStart(15)}`);
console.log(`baseline: loader alone from stored batches, ev/s ${fmt(loaderOnly).padStart(15)}`);
console.log(
  `end to end / baseline                            ${(e2e.eventsPerSecond / loaderOnly).toFixed(2).padStart(15)}x`,
);
console.log(
  `webhook POST latency p50 / p99, ms               ${`${percentile(e2e.postLatencies, 50).toFixed(1)} / ${percentile(e2e.postLatencies, 99).toFixed(1)}`.padStart(15)}`,
);
console.log(
  `200 → queryable delay p50 / p99, ms              ${`${fmt(percentile(e2e.delays, 50))} / ${fmt(percentile(e2e.delays, 99))}`.padStart(15)}`,
);
console.log(
  `(delay sampled on ${e2e.delays.length} batches; total ${e2e.seconds.toFixed(1)} s; ${(e2e.sentBytes / 1e6).toFixed(1)} MB of JSON posted)`,
);

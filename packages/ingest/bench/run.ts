/**
 * Ingest throughput and latency: realistic 350-event batches posted over keep-alive HTTP to handleIngest behind
 * node:http with a FileObjectStore (write, fsync, rename, fsync dir), against an in-run baseline of plain
 * write+fsync of the same bytes with the same concurrency.
 *
 *   BENCH_INGEST_BATCHES          batches per phase (default 2000)
 *   BENCH_INGEST_CONCURRENCY      concurrent keep-alive clients / writers (default 4)
 *   BENCH_INGEST_EVENTS           events per batch (default 350)
 *   BENCH_INGEST_DISTINCT_BODIES  distinct generated bodies, reused with unique batch ids (default 40)
 *   BENCH_INGEST_ROUNDS           the three phases alternate in this many rounds (default 10)
 *   BENCH_DIR                     where to write (default the OS temp dir; must be a real disk for fsync to count)
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { BodyTooLargeError, bodyTooLargeResponse, readNodeRequest, writeNodeResponse } from "@msgevents/http";
import { FileObjectStore } from "@msgevents/storage";
import { createEventGenerator } from "@msgevents/testkit";
import { handleIngest, type IngestDeps, loadIngestConfig } from "../src/index.ts";

const batches = envInt("BENCH_INGEST_BATCHES", 2000);
const concurrency = envInt("BENCH_INGEST_CONCURRENCY", 4);
const eventsPerBatch = envInt("BENCH_INGEST_EVENTS", 350);
const distinctBodies = envInt("BENCH_INGEST_DISTINCT_BODIES", 40);
const roundCount = envInt("BENCH_INGEST_ROUNDS", 10);
const benchRoot = await mkdtemp(path.join(process.env.BENCH_DIR ?? os.tmpdir(), "msgevents-bench-ingest-"));

function envInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer`);
  return parsed;
}

const USERNAME = "bench";
const PASSWORD = randomBytes(16).toString("hex");
const authorization = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`;

/** Runs `total` jobs on `workers` concurrent loops (job gets its loop's number); returns elapsed seconds. */
async function runConcurrently(
  total: number,
  workers: number,
  job: (index: number, worker: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (next < total) await job(next++, worker);
    }),
  );
  return (performance.now() - started) / 1000;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

function post(agent: Agent, port: number, body: Buffer, batchId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/webhooks/sparkpost",
        headers: {
          "content-type": "application/json",
          "content-length": body.length,
          authorization,
          "x-messagesystems-batch-id": batchId,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function writeAndFsync(filePath: string, body: Buffer): Promise<void> {
  const handle = await open(filePath, "wx");
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const startLoad = os
  .loadavg()
  .map((load) => load.toFixed(1))
  .join(" ");

try {
  // Realistic bodies: a continuous event stream cut into batches, so ids are unique across bodies.
  const generator = createEventGenerator({ seed: 2024, total: distinctBodies * eventsPerBatch });
  const bodies = Array.from({ length: distinctBodies }, () =>
    Buffer.from(JSON.stringify(generator.take(eventsPerBatch))),
  );
  const bodyAt = (index: number) => bodies[index % bodies.length] as Buffer;
  let totalBytes = 0;
  for (let index = 0; index < batches; index++) totalBytes += bodyAt(index).length;
  const megabytes = totalBytes / 1e6;

  const config = loadIngestConfig({ MSGEVENTS_WEBHOOK_USERNAME: USERNAME, MSGEVENTS_WEBHOOK_PASSWORD: PASSWORD });
  const deps: IngestDeps = {
    ...config,
    store: new FileObjectStore(path.join(benchRoot, "ingest")),
    clock: () => new Date(),
    logger: { info() {}, warn: console.warn, error: console.error },
  };
  const server = createServer(async (req, res) => {
    try {
      writeNodeResponse(res, await handleIngest(await readNodeRequest(req, deps.maxBodyBytes), deps));
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      writeNodeResponse(res, bodyTooLargeResponse(error.limit));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  // Each concurrent client keeps to its own keep-alive connection.
  const agents = Array.from({ length: concurrency }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const runId = randomBytes(4).toString("hex");

  const warmup = Math.min(50, batches);
  await runConcurrently(warmup, concurrency, async (index, worker) => {
    await post(agents[worker] as Agent, port, bodyAt(index), `warmup-${runId}-${index}`);
  });

  // The phases alternate in rounds so that all three see the same load on a shared machine.
  const baselineDir = path.join(benchRoot, "baseline");
  await mkdir(baselineDir);
  const storeOnly = new FileObjectStore(path.join(benchRoot, "store-only"));
  const seconds = { baseline: 0, store: 0, ingest: 0 };
  // CPU time of this process (clients included) during the ingest phase: unlike wall time, it hardly depends on load.
  let ingestCpuMicros = 0;
  const latencies: number[] = [];
  let failures = 0;
  const rounds = Math.min(roundCount, batches);
  for (let round = 0; round < rounds; round++) {
    const first = Math.floor((batches * round) / rounds);
    const count = Math.floor((batches * (round + 1)) / rounds) - first;
    // Baseline: the same bytes, count and concurrency, written and fsynced to files in one directory.
    seconds.baseline += await runConcurrently(count, concurrency, (offset) =>
      writeAndFsync(path.join(baselineDir, `${first + offset}.json`), bodyAt(first + offset)),
    );
    // The store alone (no HTTP, no parsing): what temp file + rename + directory fsync cost over the baseline.
    seconds.store += await runConcurrently(count, concurrency, (offset) =>
      storeOnly.put(`batches/2024/06/01/direct-${first + offset}.json`, bodyAt(first + offset)),
    );
    const cpuBefore = process.cpuUsage();
    seconds.ingest += await runConcurrently(count, concurrency, async (offset, worker) => {
      const index = first + offset;
      const started = performance.now();
      const status = await post(agents[worker] as Agent, port, bodyAt(index), `bench-${runId}-${index}`);
      latencies.push(performance.now() - started);
      if (status !== 200) failures++;
    });
    const cpu = process.cpuUsage(cpuBefore);
    ingestCpuMicros += cpu.user + cpu.system;
  }
  for (const agent of agents) agent.destroy();
  server.close();
  const baselineSeconds = seconds.baseline;
  const storeSeconds = seconds.store;
  const ingestSeconds = seconds.ingest;

  let stored = 0;
  for await (const _ of deps.store.list("batches/")) stored++;
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  const baselineRate = megabytes / baselineSeconds;
  const ingestRate = megabytes / ingestSeconds;
  const fixed = (value: number, digits = 1) => value.toFixed(digits);

  console.log(
    `ingest benchmark: ${batches} batches x ${eventsPerBatch} events, ${fixed(totalBytes / batches / 1024)} KiB/batch avg ` +
      `(${fixed(megabytes, 0)} MB per phase), ${concurrency} concurrent clients, ${rounds} rounds, dir ${benchRoot}`,
  );
  // Clients and server share this process; on a busy machine every figure below drops, the HTTP one most.
  console.log(
    `  ${os.cpus().length} CPUs, load average ${startLoad} at start, ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")} at end`,
  );
  console.log(
    `  baseline write+fsync          ${fixed(baselineRate).padStart(7)} MB/s  ${fixed(batches / baselineSeconds).padStart(7)} files/s`,
  );
  console.log(
    `  FileObjectStore.put (no HTTP) ${fixed(megabytes / storeSeconds).padStart(7)} MB/s  ${fixed(batches / storeSeconds).padStart(7)} puts/s`,
  );
  console.log(
    `  HTTP ingest (auth+parse+dup check+durable put) ${fixed(ingestRate)} MB/s  ${fixed(batches / ingestSeconds)} batches/s  ` +
      `p50 ${fixed(p50, 2)} ms  p99 ${fixed(p99, 2)} ms  max ${fixed(latencies.at(-1) ?? Number.NaN, 2)} ms`,
  );
  console.log(
    `  HTTP ingest CPU (server and clients, this process): ${fixed(ingestCpuMicros / 1000 / batches, 2)} ms per batch`,
  );
  console.log(
    `  ingest/baseline ${fixed(ingestRate / baselineRate, 2)}x (target >= 0.5x: ${ingestRate >= 0.5 * baselineRate ? "met" : "NOT met"}), ` +
      `p99 target < 20 ms: ${p99 < 20 ? "met" : "NOT met"}; non-200 responses: ${failures}; ` +
      `objects stored: ${stored} (expected ${batches + warmup})`,
  );
} finally {
  await rm(benchRoot, { recursive: true, force: true });
}

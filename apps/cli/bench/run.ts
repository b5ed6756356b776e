// `msgevents events --all --format ndjson` export benchmark: BENCH_EVENTS realistic events (default 1,000,000) in a
// real PostgreSQL behind the real query API, exported by the CLI (its own process, stdout drained by this one), beside
// a curl-like baseline that pages the same API and writes raw pages. Prints events/s and each process's peak RSS,
// with the CLI's RSS sampled along the walk: flat memory means the last samples are no higher than the first ones.
// BENCH_PER_PAGE (default 10000); the CLI runs with a V8 heap capped at BENCH_HEAP_MIB (default 128). Uses
// DATABASE_URL's server when set, else an embedded PostgreSQL.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { readNodeRequest, writeNodeResponse } from "@msgevents/http";
import { createQueryDatabase, createQueryRouter, loadQueryConfig } from "@msgevents/query";
import { events, migrate, normalizeBatch, PartitionManager, toEventRows } from "@msgevents/schema";
import { createEventGenerator, startTestDatabase } from "@msgevents/testkit";
import type pg from "pg";

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PER_PAGE = Number(process.env.BENCH_PER_PAGE ?? 10_000);
const HEAP_MIB = Number(process.env.BENCH_HEAP_MIB ?? 128);
const DAYS = 10;
const DAY = 86_400_000;
const API_KEY = "bench-api-key-0123456789";
const to = new Date(Date.now() - 60_000);
const from = new Date(to.getTime() - DAYS * DAY);
const cliDir = fileURLToPath(new URL("../", import.meta.url));

async function load(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  await new PartitionManager(pool).ensureAround(to, { daysBack: DAYS + 1, daysAhead: 1 });
  // Bulk load: secondary indexes dropped during the inserts and built afterwards (the export reads by time only).
  const indexes = await pool.query<{ indexdef: string; indexname: string }>(
    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'",
  );
  for (const { indexname } of indexes.rows) await pool.query(`DROP INDEX ${indexname}`);
  const generator = createEventGenerator({ from, to, total: TOTAL, seed: 3 });
  for (let done = 0; done < TOTAL; done += 5000) {
    const rows = await toEventRows(normalizeBatch(generator.take(Math.min(5000, TOTAL - done))).events, {
      batchNumber: 1,
    });
    // Database column names; encoded bodies as bytea's hex text.
    const json = JSON.stringify(
      rows.map((row) =>
        Object.fromEntries(
          Object.entries(events).map(([key, column]) => {
            const value = row[key as keyof typeof row];
            return [column.name, Buffer.isBuffer(value) ? `\\x${value.toString("hex")}` : value];
          }),
        ),
      ),
    );
    await pool.query("INSERT INTO events SELECT * FROM json_populate_recordset(NULL::events, $1::json)", [json]);
  }
  for (const { indexdef } of indexes.rows) await pool.query(indexdef.replace(" ON ONLY ", " ON "));
  await pool.query("VACUUM ANALYZE events");
}

async function peakRss(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { peak: kib("VmHWM"), now: kib("VmRSS") };
}

interface Run {
  seconds: number;
  lines: number;
  bytes: number;
  peakMiB: number;
  samples: number[];
}

/** Runs a command, drains its stdout counting lines, and samples its RSS every 100 ms. */
async function measure(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: cliDir, env, stdio: ["ignore", "pipe", "inherit"] });
  let lines = 0;
  let bytes = 0;
  let peakMiB = 0;
  const samples: number[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  });
  const timer = setInterval(async () => {
    if (child.pid === undefined) return;
    const rss = await peakRss(child.pid);
    if (rss.peak > 0) peakMiB = Math.max(peakMiB, rss.peak);
    if (rss.now > 0) samples.push(rss.now);
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}`);
  return { seconds: (performance.now() - started) / 1000, lines, bytes, peakMiB, samples };
}

const quartiles = (samples: number[]) =>
  [0.1, 0.25, 0.5, 0.75, 1].map((at) => samples[Math.max(0, Math.ceil(samples.length * at) - 1)]?.toFixed(0) ?? "-");

const database = await startTestDatabase();
const pool = database.pool({ max: 2 });
let server: http.Server | undefined;
try {
  const loadStarted = performance.now();
  await load(pool);
  console.log(
    `${TOTAL.toLocaleString("en")} events loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
  );

  const config = loadQueryConfig({
    DATABASE_URL: database.url,
    MSGEVENTS_API_KEY: API_KEY,
    MSGEVENTS_QUERY_TIMEOUT_MS: "120000",
  });
  const query = createQueryDatabase(config);
  const route = createQueryRouter({ db: query.db, apiKey: config.apiKey, cursorKey: config.cursorKey });
  server = http.createServer(async (req, res) =>
    writeNodeResponse(res, await route(await readNodeRequest(req, 1 << 20))),
  );
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const window = `from=${from.toISOString()}&to=${to.toISOString()}`;

  const baseline = await measure(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/baseline-export.ts",
      url,
      `/api/v1/events/message?${window}&per_page=${PER_PAGE}`,
      API_KEY,
    ],
    process.env,
  );
  const cli = await measure(
    process.execPath,
    [
      // A capped V8 heap: the export cannot finish unless its memory stays bounded by one page, whatever the total.
      `--max-old-space-size=${HEAP_MIB}`,
      "bin/msgevents.js",
      "events",
      "--all",
      "--format",
      "ndjson",
      "--per-page",
      String(PER_PAGE),
      "--from",
      from.toISOString(),
      "--to",
      to.toISOString(),
    ],
    { ...process.env, MSGEVENTS_URL: url, MSGEVENTS_API_KEY: API_KEY },
  );
  // What the window holds, counted in SQL: webhook timestamps are whole seconds, so an event generated in the
  // window's first second before `from` is (rightly) outside it.
  const { rows } = await pool.query<{ count: string }>(
    "SELECT count(*) AS count FROM events WHERE event_time >= $1 AND event_time < $2",
    [from, to],
  );
  const inWindow = Number(rows[0]?.count);
  // The baseline writes raw pages (no lines to count); the CLI's NDJSON has one line per event.
  if (cli.lines !== inWindow) throw new Error(`the CLI exported ${cli.lines} events, not the window's ${inWindow}`);

  const row = (name: string, run: Run, events: number) =>
    `${name.padEnd(28)} ${run.seconds.toFixed(1).padStart(7)} s ${Math.round(events / run.seconds)
      .toLocaleString("en")
      .padStart(9)} events/s ` +
    `${(run.bytes / 1048576).toFixed(0).padStart(6)} MiB out   peak RSS ${run.peakMiB.toFixed(0).padStart(4)} MiB`;
  console.log(
    `\nexport of ${TOTAL.toLocaleString("en")} events, ${PER_PAGE} per page (load average ${(await readFile("/proc/loadavg", "utf8")).split(" ")[0]})`,
  );
  console.log(row("baseline (fetch, raw pages)", baseline, inWindow));
  console.log(row(`msgevents (heap cap ${HEAP_MIB} MiB)`, cli, inWindow));
  console.log(`CLI RSS (MiB) at 10/25/50/75/100% of the walk: ${quartiles(cli.samples).join(" / ")}`);
  console.log(`CLI throughput: ${(cli.seconds > 0 ? baseline.seconds / cli.seconds : 0).toFixed(2)}x the baseline's`);
  await query.pool.end();
} finally {
  server?.close();
  await pool.end();
  await database.close();
}

// Events API benchmark: loads BENCH_EVENTS realistic events (default 1M) spread over BENCH_DAYS days (default 30),
// then times each query shape BENCH_REPEATS times (default 20) through handleQuery, total_count included.
// BENCH_EVENTS=5000000 pnpm bench for the 5M run. Uses DATABASE_URL when set, else an embedded PostgreSQL.
import { events, migrate, normalizeBatch, PartitionManager } from "@msgevents/schema";
import { createEventGenerator, startTestDatabase } from "@msgevents/testkit";
import pg from "pg";
import { createQueryDatabase } from "../src/database.ts";
import { deriveCursorKey } from "../src/env.ts";
import { handleQuery } from "../src/handler.ts";

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const BATCH = 5_000;
const DAY = 86_400_000;
const API_KEY = "bench-api-key-0123456789";

const now = new Date();
const to = new Date(now.getTime() - 2 * 60_000);
const from = new Date(to.getTime() - DAYS * DAY);
const iso = (date: Date) => date.toISOString();
const ago = (days: number) => iso(new Date(now.getTime() - days * DAY));

const database = await startTestDatabase();
const pool = new pg.Pool({ connectionString: database.url, max: 4 });
try {
  await migrate(pool);
  await new PartitionManager(pool).ensureAround(now, { daysBack: DAYS + 1, daysAhead: 1 });
  const indexes = await pool.query<{ indexdef: string; indexname: string }>(
    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname <> 'events_pkey'",
  );
  // Secondary indexes are built after the load, as for any bulk load; the loader keeps them up to date row by row.
  for (const { indexname } of indexes.rows) await pool.query(`DROP INDEX ${indexname}`);

  const generator = createEventGenerator({ from, to, total: TOTAL, seed: 7 });
  let rawBytes = 0;
  const sample = { recipient: "", customerRef: "", campaign: "" };
  const loadStarted = performance.now();
  let pending: Promise<unknown> = Promise.resolve();
  for (let done = 0; done < TOTAL; done += BATCH) {
    const records = generator.take(Math.min(BATCH, TOTAL - done));
    for (const record of records) rawBytes += Buffer.byteLength(JSON.stringify(record));
    const rows = normalizeBatch(records).events.map((row) => ({ ...row, batchId: "bench", receivedAt: now }));
    if (!sample.recipient) {
      const middle = rows[Math.floor(rows.length / 2)];
      sample.recipient = middle?.recipient ?? "";
      sample.customerRef = String((middle?.payload.rcpt_meta as Record<string, unknown>)?.customer_ref ?? "");
    }
    // A campaign that is sending at the end of the range, for the 7-day shapes.
    sample.campaign = rows.at(-1)?.campaignId ?? sample.campaign;
    // The columns as json_populate_recordset reads them: database names.
    const json = JSON.stringify(
      rows.map((row) =>
        Object.fromEntries(Object.entries(events).map(([key, column]) => [column.name, row[key as keyof typeof row]])),
      ),
    );
    await pending;
    pending = pool.query("INSERT INTO events SELECT * FROM json_populate_recordset(NULL::events, $1::json)", [json]);
  }
  await pending;
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const indexStarted = performance.now();
  await Promise.all(indexes.rows.map(({ indexdef }) => pool.query(indexdef.replace(" ON ONLY ", " ON "))));
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  const vacuumStarted = performance.now();
  await pool.query("VACUUM ANALYZE events");
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;

  const sizes = await pool.query<{ kind: string; bytes: string }>(`
    SELECT CASE WHEN c.relkind = 'r' THEN 'table (heap+toast)' ELSE regexp_replace(c.relname, '^events_\\d{8}_', '') END AS kind,
           sum(CASE WHEN c.relkind = 'r' THEN pg_table_size(c.oid) ELSE pg_relation_size(c.oid) END)::bigint AS bytes
    FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
    JOIN pg_class c ON c.oid = p.oid OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = p.oid)
    WHERE i.inhparent = 'events'::regclass GROUP BY 1 ORDER BY 1`);
  const count = Number((await pool.query("SELECT count(*) AS n FROM events")).rows[0].n);
  console.log(
    `\n${count.toLocaleString("en")} events over ${DAYS} days; raw JSON ${(rawBytes / count).toFixed(0)} B/event`,
  );
  console.log(
    `load ${loadSeconds.toFixed(1)} s, index build ${indexSeconds.toFixed(1)} s, VACUUM ANALYZE ${vacuumSeconds.toFixed(1)} s`,
  );
  let stored = 0;
  for (const { kind, bytes } of sizes.rows) {
    stored += Number(bytes);
    console.log(`  ${kind.padEnd(32)} ${(Number(bytes) / count).toFixed(0).padStart(6)} B/event`);
  }
  console.log(
    `  ${"total".padEnd(32)} ${(stored / count).toFixed(0).padStart(6)} B/event = ${(stored / rawBytes).toFixed(2)}x raw JSON`,
  );

  // The query API's own pool settings (session options included), as the Lambda and the local stack use them.
  const cursorKey = deriveCursorKey(API_KEY);
  const query = createQueryDatabase({
    databaseUrl: database.url,
    apiKey: API_KEY,
    cursorKey,
    poolMax: 2,
    statementTimeoutMs: 60_000,
  });
  const deps = { db: query.db, apiKey: API_KEY, cursorKey, now: () => now };
  const get = async (query: string) => {
    const queryAt = query.indexOf("?");
    const response = await handleQuery(
      {
        method: "GET",
        path: query.slice(0, queryAt),
        rawQuery: query.slice(queryAt + 1),
        headers: { authorization: API_KEY },
        body: new Uint8Array(),
      },
      deps,
    );
    if (response.status !== 200) throw new Error(`${query}: ${response.status} ${response.body}`);
    return JSON.parse(response.body) as { total_count: number; links: { next?: string } };
  };

  // Page 50 of a walk over the default window, 100 per page (or the last page, for small runs).
  let page50 = "/api/v1/events/message?per_page=100";
  let pageNumber = 1;
  for (; pageNumber < 50; pageNumber += 1) {
    const next = (await get(page50)).links.next;
    if (!next) break;
    page50 = next;
  }
  const base = "/api/v1/events/message?";
  const shapes: [string, string][] = [
    ["one type over 24 h", `${base}events=delivery&from=${ago(1)}`],
    ["one recipient over 30 days", `${base}recipients=${encodeURIComponent(sample.recipient)}&from=${ago(DAYS)}`],
    [
      `one campaign over 7 days (${sample.campaign})`,
      `${base}campaigns=${encodeURIComponent(sample.campaign)}&from=${ago(7)}`,
    ],
    ["keyword campaign search over 7 days", `${base}campaigns=webinar&from=${ago(7)}`],
    ["one rcpt_meta value over 30 days", `${base}rcpt_meta=customer_ref%3D${sample.customerRef}&from=${ago(DAYS)}`],
    ["a recipient domain over 1 day", `${base}recipient_domains=yahoo.com&from=${ago(1)}`],
    [`page ${pageNumber} of a cursor walk (100/page)`, page50],
    ["default query, no filters (24 h)", `${base}`],
  ];
  const quantile = (sorted: number[], q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  console.log(`\n${"shape".padEnd(50)} ${"matches".padStart(9)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)}`);
  for (const [name, query] of shapes) {
    const { total_count } = await get(query);
    const times: number[] = [];
    for (let run = 0; run < REPEATS; run += 1) {
      const started = performance.now();
      await get(query);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${name.padEnd(50)} ${String(total_count).padStart(9)} ${quantile(times, 0.5).toFixed(1).padStart(8)} ${quantile(times, 0.95).toFixed(1).padStart(8)}`,
    );
  }

  // In-run baseline: the keyword search as a regex scan, which is what the token index replaces.
  const baseline: number[] = [];
  for (let run = 0; run < 3; run += 1) {
    const started = performance.now();
    await pool.query(
      "SELECT count(*) FROM events WHERE event_time >= $1 AND event_time < $2 AND campaign_id ~* '(^|[-_\\s])webinar($|[-_\\s])'",
      [ago(7), iso(new Date(now.getTime() - 60_000))],
    );
    baseline.push(performance.now() - started);
  }
  baseline.sort((a, b) => a - b);
  console.log(
    `${"baseline: same keyword, regex scan".padEnd(50)} ${"".padStart(9)} ${quantile(baseline, 0.5).toFixed(1).padStart(8)}   (count only, 3 runs)`,
  );
  await query.pool.end();
} finally {
  await pool.end();
  await database.close();
}

// Benchmarks for the event model and its storage (not part of the tests): `pnpm --filter @msgevents/schema bench`.
//   (a) normalizer throughput: parseWebhookBatch over 350-event batches of raw JSON bytes, beside plain JSON.parse
//       (the bodies are encoded apart, untimed here: the loader's bench times the whole load);
//   (b) on-disk bytes per event after loading every event into a fresh embedded PostgreSQL, against the raw JSON size;
//   (c) row layouts that cannot be changed here (tables.ts is shared), measured on a copy of the first rows.
// BENCH_EVENTS (default 1,000,000) and BENCH_LAYOUT_ROWS (default 200,000) set the sizes.
import { performance } from "node:perf_hooks";
import { createEventGenerator, startTestDatabase } from "@msgevents/testkit";
import { getTableColumns } from "drizzle-orm";
import type pg from "pg";
import { type EventInsert, events, migrate, PartitionManager, parseWebhookBatch, toEventRows } from "../src/index.ts";
import { positiveInteger } from "./env.ts";

const EVENTS = positiveInteger("BENCH_EVENTS", 1_000_000);
const LAYOUT_ROWS = Math.min(EVENTS, positiveInteger("BENCH_LAYOUT_ROWS", 200_000));
const BATCH_SIZE = 350;
/** Batches per INSERT: fewer round trips without holding much in memory. */
const BATCHES_PER_INSERT = 10;
const FROM = new Date("2024-06-01T00:00:00Z");
const TO = new Date("2024-06-08T00:00:00Z");

const columns = Object.entries(getTableColumns(events)).filter(([, column]) => !column.generated);
const columnList = columns.map(([, column]) => `"${column.name}"`).join(", ");
const insertSql = `INSERT INTO events (${columnList}) SELECT ${columnList} FROM jsonb_populate_recordset(NULL::events, $1::jsonb)`;

/** A row (its body encoded) as the JSON record jsonb_populate_recordset turns into a row: bytea as hex text. */
function toRecord(row: EventInsert): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, column] of columns) {
    const value = row[key as keyof EventInsert];
    if (value !== undefined && value !== null) {
      record[column.name] = Buffer.isBuffer(value) ? `\\x${value.toString("hex")}` : value;
    }
  }
  return record;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const perEvent = (bytes: number) => (bytes / EVENTS).toFixed(1);
const ratio = (bytes: number, raw: number) => `${(bytes / raw).toFixed(3)}x`;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  return [line(headers), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  console.log(`msgevents schema benchmark: ${EVENTS.toLocaleString("en")} generated events, ${BATCH_SIZE} per batch`);
  const database = await startTestDatabase({ embedded: true });
  const pool = database.pool({ max: 2 });
  try {
    await migrate(pool);
    const server = await pool.query<{ version: string; compression: string }>(
      "SELECT current_setting('server_version') AS version, (SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'payload') AS compression",
    );
    console.log(
      `PostgreSQL ${server.rows[0]?.version}; payload compression: ${server.rows[0]?.compression ? "lz4" : "server default (pglz; lz4 not built in)"}`,
    );
    await new PartitionManager(pool).ensureFor([FROM, new Date(TO.getTime() - 1)]);
    await pool.query("SELECT msgevents_ensure_partitions($1::date, $2::date)", ["2024-06-01", "2024-06-08"]);

    const generator = createEventGenerator({ from: FROM, to: TO, total: EVENTS });
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    let rawRecordBytes = 0;
    let rawBatchBytes = 0;
    let baselineMs = 0;
    let normalizeMs = 0;
    let normalized = 0;
    let rejected = 0;
    let loadMs = 0;
    let pending: Record<string, unknown>[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const started = performance.now();
      await pool.query(insertSql, [JSON.stringify(pending)]);
      loadMs += performance.now() - started;
      pending = [];
    };

    for (let batchIndex = 0; generator.generated < EVENTS; batchIndex++) {
      const records = generator.take(Math.min(BATCH_SIZE, EVENTS - generator.generated));
      for (const record of records) rawRecordBytes += Buffer.byteLength(JSON.stringify(record));
      const body = encoder.encode(JSON.stringify(records));
      rawBatchBytes += body.byteLength;

      // Alternate the order so neither side always runs on a warm cache.
      let result: ReturnType<typeof parseWebhookBatch> | undefined;
      for (const side of batchIndex % 2 === 0 ? ["baseline", "normalize"] : ["normalize", "baseline"]) {
        const started = performance.now();
        if (side === "baseline") {
          JSON.parse(decoder.decode(body));
          baselineMs += performance.now() - started;
        } else {
          result = parseWebhookBatch(body);
          normalizeMs += performance.now() - started;
        }
      }
      if (!result) throw new Error("normalizer did not run");
      normalized += result.events.length;
      rejected += result.rejected.length;
      // Events name their batch by its number, as the loader writes them.
      for (const row of await toEventRows(result.events, { batchNumber: batchIndex + 1 })) pending.push(toRecord(row));
      if ((batchIndex + 1) % BATCHES_PER_INSERT === 0) await flush();
    }
    await flush();

    console.log(
      "\n(a) Normalizer (parseWebhookBatch: UTF-8 decode + JSON.parse + normalize), same bytes as the baseline",
    );
    const rate = (ms: number) => Math.round(EVENTS / (ms / 1000)).toLocaleString("en");
    const throughput = (ms: number) => `${(rawBatchBytes / 1_048_576 / (ms / 1000)).toFixed(0)} MB/s`;
    console.log(
      table(
        ["step", "total ms", "events/s", "throughput"],
        [
          ["baseline: decode + JSON.parse", baselineMs.toFixed(0), rate(baselineMs), throughput(baselineMs)],
          ["parseWebhookBatch", normalizeMs.toFixed(0), rate(normalizeMs), throughput(normalizeMs)],
        ],
      ),
    );
    console.log(
      `normalizer / baseline time: ${(normalizeMs / baselineMs).toFixed(2)}x; ${normalized.toLocaleString("en")} events, ${rejected} rejected`,
    );
    console.log(
      `loading (INSERT ... jsonb_populate_recordset, ${BATCH_SIZE * BATCHES_PER_INSERT} rows per statement, all indexes live): ${(loadMs / 1000).toFixed(1)} s, ${rate(loadMs)} events/s`,
    );

    const vacuumStarted = performance.now();
    await pool.query("VACUUM ANALYZE events");
    console.log(`VACUUM ANALYZE: ${((performance.now() - vacuumStarted) / 1000).toFixed(1)} s`);
    await reportStorage(pool, rawRecordBytes, rawBatchBytes);
    await reportLayouts(pool);
  } finally {
    await pool.end();
    await database.close();
  }
}

async function reportStorage(pool: pg.Pool, rawRecordBytes: number, rawBatchBytes: number): Promise<void> {
  const parts = await pool.query<{ heap: string; toast: string; indexes: string; total: string; partitions: number }>(`
    SELECT sum(pg_relation_size(c.oid))::bigint AS heap,
           sum(COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0))::bigint AS toast,
           sum(pg_indexes_size(c.oid))::bigint AS indexes,
           sum(pg_total_relation_size(c.oid))::bigint AS total,
           count(*)::int AS partitions
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`);
  const perIndex = await pool.query<{ name: string; bytes: string }>(`
    SELECT parent.relname AS name, sum(pg_relation_size(child.inhrelid))::bigint AS bytes
    FROM pg_inherits child JOIN pg_class parent ON parent.oid = child.inhparent
    WHERE child.inhparent IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'events'::regclass)
    GROUP BY parent.relname ORDER BY 2 DESC`);
  const columnsSize = await pool.query<{
    row_bytes: string;
    payload_bytes: string;
    payload_text: string;
    body_bytes: string;
  }>(`
    SELECT avg(pg_column_size(e.*))::numeric(10,1) AS row_bytes,
           avg(coalesce(pg_column_size(payload), 0))::numeric(10,1) AS payload_bytes,
           avg(coalesce(octet_length(payload::text), 0))::numeric(10,1) AS payload_text,
           avg(coalesce(octet_length(body), 0))::numeric(10,1) AS body_bytes
    FROM events e`);
  const sizes = parts.rows[0];
  if (!sizes) throw new Error("no partitions");
  const heap = Number(sizes.heap);
  const toast = Number(sizes.toast);
  const indexes = Number(sizes.indexes);
  const total = Number(sizes.total);

  console.log(
    `\n(b) On-disk size after loading ${EVENTS.toLocaleString("en")} events into ${sizes.partitions} daily partitions (VACUUM ANALYZE done)`,
  );
  const rows: string[][] = [
    ["raw JSON: compact webhook records", mb(rawRecordBytes), perEvent(rawRecordBytes), "1.000x"],
    [
      "raw JSON: batch bodies as posted",
      mb(rawBatchBytes),
      perEvent(rawBatchBytes),
      ratio(rawBatchBytes, rawRecordBytes),
    ],
    ["table heap", mb(heap), perEvent(heap), ratio(heap, rawRecordBytes)],
    ["TOAST (table + index)", mb(toast), perEvent(toast), ratio(toast, rawRecordBytes)],
    ...perIndex.rows.map((row) => [
      `index ${row.name}`,
      mb(Number(row.bytes)),
      perEvent(Number(row.bytes)),
      ratio(Number(row.bytes), rawRecordBytes),
    ]),
    ["all indexes", mb(indexes), perEvent(indexes), ratio(indexes, rawRecordBytes)],
    ["TOTAL (heap + TOAST + indexes)", mb(total), perEvent(total), ratio(total, rawRecordBytes)],
  ];
  console.log(table(["relation", "size", "bytes/event", "vs raw JSON"], rows));
  const average = columnsSize.rows[0];
  console.log(
    `average row ${average?.row_bytes} B (tuple data), payload jsonb ${average?.payload_bytes} B (its JSON text ${average?.payload_text} B), encoded body ${average?.body_bytes} B`,
  );
  console.log(
    `target <= 1.2x raw JSON: ${total / rawRecordBytes <= 1.2 ? "MET" : "NOT MET"} (${ratio(total, rawRecordBytes)})`,
  );
}

/**
 * Heap bytes per row of alternative layouts, each a plain table filled with the same first rows: the current column
 * order; fixed-width columns first (no alignment padding); and the current order with toast_tuple_target=128 and payload STORAGE MAIN (asks for inline compression).
 */
async function reportLayouts(pool: pg.Pool): Promise<void> {
  await pool.query(
    `CREATE TEMP TABLE layout_sample AS SELECT ${columnList} FROM events ORDER BY event_time LIMIT ${LAYOUT_ROWS}`,
  );
  const fixedFirst = [
    "event_time",
    "received_at",
    "subaccount_id",
    "customer_id",
    "ab_test_version",
    "bounce_class",
    ...columns
      .map(([, column]) => column.name)
      .filter(
        (name) =>
          !/^(event_time|received_at|subaccount_id|customer_id|ab_test_version|bounce_class|payload)$/.test(name),
      ),
    "payload",
  ];
  const currentOrder = columns.map(([, column]) => `"${column.name}"`);
  const aligned = fixedFirst.map((name) => `"${name}"`);
  const layouts: [name: string, table: string, select: string[], options: string][] = [
    ["current column order", "layout_current", currentOrder, ""],
    ["fixed-width columns first", "layout_aligned", aligned, ""],
    [
      "current, toast_tuple_target=128 + STORAGE MAIN",
      "layout_inline",
      currentOrder,
      "ALTER TABLE layout_inline SET (toast_tuple_target = 128); ALTER TABLE layout_inline ALTER COLUMN payload SET STORAGE MAIN",
    ],
  ];
  const rows: string[][] = [];
  for (const [name, tableName, select, options] of layouts) {
    // Created empty, then filled by INSERT like the real table (CREATE TABLE AS packs pages differently).
    await pool.query(`CREATE TABLE ${tableName} AS SELECT ${select.join(", ")} FROM layout_sample WITH NO DATA`);
    if (options) await pool.query(options);
    await pool.query(`INSERT INTO ${tableName} SELECT ${select.join(", ")} FROM layout_sample`);
    rows.push([name, ...(await bytesPerRow(pool, tableName))]);
  }
  const compressed = await pool.query<{ share: string }>(
    "SELECT (100.0 * count(*) FILTER (WHERE pg_column_compression(payload) IS NOT NULL) / count(*))::numeric(5,1) AS share FROM layout_inline",
  );
  console.log(
    `\n(c) Layout experiments on the first ${LAYOUT_ROWS.toLocaleString("en")} rows (heap + TOAST, no indexes)`,
  );
  console.log(table(["layout", "tuple bytes", "on disk bytes/row"], rows));
  console.log("on-disk size moves in steps: a page holds a whole number of rows, so small tuple savings may not show");
  console.log(`rows whose payload PostgreSQL compressed with toast_tuple_target=128: ${compressed.rows[0]?.share}%`);
}

/** Average tuple size (header included) and on-disk bytes per row (heap + TOAST, after VACUUM). */
async function bytesPerRow(pool: pg.Pool, tableName: string): Promise<[string, string]> {
  await pool.query(`VACUUM ANALYZE ${tableName}`);
  const result = await pool.query<{ tuple: string; disk: string }>(
    `SELECT (SELECT avg(pg_column_size(t.*))::numeric(10,1) FROM ${tableName} t) AS tuple,
            (pg_total_relation_size($1::regclass)::numeric / $2)::numeric(10,1) AS disk`,
    [tableName, LAYOUT_ROWS],
  );
  return [result.rows[0]?.tuple ?? "?", result.rows[0]?.disk ?? "?"];
}

await main();

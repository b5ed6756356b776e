// Compares ways of writing a batch's events idempotently (ON CONFLICT DO NOTHING), one transaction per batch, on
// the current schema: the evidence behind write-events.ts. Run: pnpm exec tsx bench/write-paths.ts
// BENCH_EVENTS (default 100,000), BENCH_CONCURRENCY (default 2), BENCH_ROUNDS (default 3; each round runs every path,
// in alternating order, so drift on a shared machine does not favour one path), BENCH_PATHS (name prefixes),
// BENCH_PRIMARY_KEY_ONLY=1 (drop the other indexes of events, leaving the cost of the statements themselves).
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  EVENT_COLUMNS,
  encodeBodies,
  insertEvents,
  migrate,
  type NormalizedEvent,
  PartitionManager,
  parseWebhookBatch,
} from "@msgevents/schema";
import { createEventGenerator, startTestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { inKeyOrder } from "../src/write-events.ts";

const totalEvents = Number(process.env.BENCH_EVENTS ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 2);
const BATCH = 350;

/** A batch as every path gets it: its events and their bodies, encoded once beforehand (no path pays for it). */
interface Batch {
  events: NormalizedEvent[];
  bodies: Buffer[];
}

type Writer = (client: pg.PoolClient, batchNumber: number, batch: Batch) => Promise<number>;

const columns = ["batch_number", ...EVENT_COLUMNS.map(([column]) => column), "body"];
const value = (event: NormalizedEvent, field: (typeof EVENT_COLUMNS)[number][1]) => {
  const raw = event[field];
  return field === "payload" ? JSON.stringify(raw) : (raw ?? null);
};

const unnestSql = `INSERT INTO events (${columns.join(", ")})
SELECT $1, ${EVENT_COLUMNS.map(([column]) => `u.${column}`).join(", ")}, u.body
FROM unnest(${EVENT_COLUMNS.map(([, , type], index) => `$${index + 2}::${type}[]`).join(", ")}, $${EVENT_COLUMNS.length + 2}::bytea[])
  AS u(${EVENT_COLUMNS.map(([column]) => column).join(", ")}, body)
ON CONFLICT DO NOTHING`;

function copyText(raw: unknown): string {
  if (raw === null || raw === undefined) return "\\N";
  const text =
    raw instanceof Date
      ? raw.toISOString()
      : Buffer.isBuffer(raw)
        ? `\\x${raw.toString("hex")}`
        : typeof raw === "object"
          ? JSON.stringify(raw)
          : String(raw);
  return text.replace(/[\\\n\r\t]/g, (char) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[char] ?? char);
}

const writers: Record<string, Writer> = {
  "json_to_recordset (chosen)": (client, batchNumber, { events, bodies }) =>
    insertEvents(client, batchNumber, events, bodies),
  "unnest(arrays)": async (client, batchNumber, { events, bodies }) => {
    const arrays = EVENT_COLUMNS.map(([, field]) => events.map((event) => value(event, field)));
    return (await client.query(unnestSql, [batchNumber, ...arrays, bodies])).rowCount ?? 0;
  },
  "COPY to temp table + INSERT SELECT": async (client, batchNumber, { events, bodies }) => {
    await client.query("CREATE TEMP TABLE IF NOT EXISTS staged_events (LIKE events) ON COMMIT DELETE ROWS");
    const text = events
      .map(
        (event, index) =>
          `${[batchNumber, ...EVENT_COLUMNS.map(([, field]) => event[field]), bodies[index]].map(copyText).join("\t")}\n`,
      )
      .join("");
    await pipeline(
      Readable.from([text]),
      client.query(copyFrom(`COPY staged_events (${columns.join(", ")}) FROM STDIN`)),
    );
    const inserted = await client.query(
      `INSERT INTO events (${columns.join(", ")}) SELECT ${columns.join(", ")} FROM staged_events ON CONFLICT DO NOTHING`,
    );
    return inserted.rowCount ?? 0;
  },
  "multi-row VALUES": async (client, batchNumber, { events, bodies }) => {
    const params: unknown[] = [];
    const tuples = events.map((event, index) => {
      const row = [batchNumber, ...EVENT_COLUMNS.map(([, field]) => value(event, field)), bodies[index]];
      const placeholders = row.map((item) => `$${params.push(item)}`);
      return `(${placeholders.join(", ")})`;
    });
    const sql = `INSERT INTO events (${columns.join(", ")}) VALUES ${tuples.join(", ")} ON CONFLICT DO NOTHING`;
    return (await client.query(sql, params)).rowCount ?? 0;
  },
};

const generator = createEventGenerator({ seed: 7, total: totalEvents });
const batches: Batch[] = [];
for (let done = 0; done < totalEvents; done += BATCH) {
  const records = generator.take(Math.min(BATCH, totalEvents - done));
  const events = inKeyOrder(parseWebhookBatch(JSON.stringify(records)).events);
  batches.push({ events, bodies: await encodeBodies(events.map((event) => event.body)) });
}
const selected = process.env.BENCH_PATHS?.split(",");
const db = await startTestDatabase();
const pool = db.pool({ max: concurrency });
// Dropping the database at the end ends connections that pool.end() is still closing.
try {
  await migrate(pool);
  await new PartitionManager(pool).ensureFor(batches.flatMap((batch) => batch.events.map((event) => event.eventTime)));
  if (process.env.BENCH_PRIMARY_KEY_ONLY === "1") {
    const indexes = await pool.query<{ name: string }>(
      `SELECT indexrelid::regclass::text AS name FROM pg_index
       WHERE indrelid = 'events'::regclass AND NOT indisprimary`,
    );
    for (const { name } of indexes.rows) await pool.query(`DROP INDEX ${name}`);
  }
  console.log(
    `write paths: ${totalEvents.toLocaleString("en")} events, ${BATCH}-event transactions, ${concurrency} connections${process.env.BENCH_PRIMARY_KEY_ONLY === "1" ? ", primary key only" : ""}`,
  );
  const chosen = Object.entries(writers).filter(
    ([name]) => !selected || selected.some((wanted) => name.startsWith(wanted)),
  );
  const rates = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, write] of round % 2 === 0 ? chosen : [...chosen].reverse()) {
      const rate = await measure(write);
      rates.set(name, [...(rates.get(name) ?? []), rate]);
    }
  }
  for (const [name, measured] of rates) {
    const all = measured.map((rate) => Math.round(rate).toLocaleString("en")).join(", ");
    const median = [...measured].sort((a, b) => a - b)[Math.floor(measured.length / 2)] ?? 0;
    console.log(
      `  ${name.padEnd(36)} median ${Math.round(median).toLocaleString("en").padStart(7)} events/s  (runs: ${all})`,
    );
  }
} finally {
  await pool.end();
  await db.close();
}

/** Loads every batch with write, one transaction per batch, into an emptied table; returns events per second. */
async function measure(write: Writer): Promise<number> {
  await pool.query("TRUNCATE events");
  await pool.query("CHECKPOINT");
  let next = 0;
  let inserted = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const client = await pool.connect();
      try {
        while (next < batches.length) {
          const number = next++;
          const batch = batches[number] as Batch;
          await client.query("BEGIN");
          const count = await write(client, number + 1, batch);
          await client.query("COMMIT");
          inserted += count;
        }
      } finally {
        client.release();
      }
    }),
  );
  if (inserted !== totalEvents) throw new Error(`inserted ${inserted} of ${totalEvents} events`);
  return inserted / ((performance.now() - started) / 1000);
}

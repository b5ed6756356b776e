import { readFile } from "node:fs/promises";
import { earlierMigrations, generateEvents, startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { getTableColumns } from "drizzle-orm";
import type pg from "pg";
import {
  encodeBodies,
  events,
  insertEvents,
  METRIC_COLUMNS,
  migrate,
  migrationsFolder,
  type NormalizedEvent,
  normalizeBatch,
  PartitionManager,
  TEXT_REFS,
  toEventRows,
  toEventsApiEvents,
  withNamedTexts,
} from "../src/index.ts";
import { asStoredBefore0028, storeEventsAsBefore0013 } from "../src/testing/legacy-events.ts";

export interface MigratedDatabase {
  database: TestDatabase;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A fresh database on a real PostgreSQL, migrated to the latest schema. */
export async function startMigratedDatabase(): Promise<MigratedDatabase> {
  const database = await startTestDatabase();
  const pool = database.pool({ max: 4 });
  await migrate(pool);
  return {
    database,
    pool,
    async close() {
      await pool.end();
      await database.close();
    },
  };
}

/** The tables the statement triggers of events keep: a copy of stored events must leave them exactly as they are. */
export const TABLES_KEPT_BY_TRIGGERS = [
  "search_values",
  "metric_rollups",
  "bounce_rollups",
  "reason_rollups",
  "metric_unique_rollups",
  "metric_engagement",
  "search_token_counts",
  "search_token_day_counts",
] as const;

export const RECEIVED_AT = new Date("2026-01-02T03:04:05.678Z");

/** Rows per INSERT of storeEvents, each a statement of its own as a loaded batch is. */
const STORE_CHUNK_ROWS = 2_000;

/**
 * Stores events as the loader does (partitions first, duplicates skipped), STORE_CHUNK_ROWS per statement; returns
 * how many rows were new. In a database migrated to an earlier schema (migrateBefore), into the columns it has: before
 * migration 0028, with the metric fields in payload as its loader stored them.
 */
export async function storeEvents(pool: pg.Pool, rows: NormalizedEvent[], batchId = "batch-1"): Promise<number> {
  if (rows.length === 0) return 0;
  await new PartitionManager(pool).ensureFor(rows.map((row) => row.eventTime));
  const present = await pool.query<{ name: string }>(
    "SELECT attname AS name FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped",
  );
  const names = new Set(present.rows.map((row) => row.name));
  const stored = names.has("num_retries") ? rows : rows.map(asStoredBefore0028);
  const columns = Object.entries(getTableColumns(events)).filter(([, column]) => names.has(column.name));
  const list = columns.map(([, column]) => `"${column.name}"`).join(", ");
  const values = (await toEventRows(stored, { batchId, receivedAt: RECEIVED_AT })).map((row) => {
    const record: Record<string, unknown> = row;
    return Object.fromEntries(
      columns.map(([key, column]) => {
        const value = record[key];
        return [column.name, Buffer.isBuffer(value) ? `\\x${value.toString("hex")}` : (value ?? null)];
      }),
    );
  });
  let inserted = 0;
  for (let start = 0; start < values.length; start += STORE_CHUNK_ROWS) {
    const result = await pool.query(
      `INSERT INTO events (${list}) SELECT ${list} FROM json_populate_recordset(NULL::events, $1::json)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(values.slice(start, start + STORE_CHUNK_ROWS))],
    );
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}

/** Stores events in a database of an earlier schema as that version's loader did (see storeEventsAsBefore0013). */
export function storeLegacyEvents(pool: pg.Pool, rows: NormalizedEvent[], batchId = "batch-1"): Promise<number> {
  return storeEventsAsBefore0013(pool, rows, { batchId, receivedAt: RECEIVED_AT });
}

export async function countEvents(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ count: number }>("SELECT count(*)::int AS count FROM events");
  return result.rows[0]?.count ?? 0;
}

/**
 * The statement of a committed migration that defines a function, as the migration wrote it: tests create a replaced
 * definition beside its replacement to compare the two.
 */
export async function functionDefinition(migration: string, name: string): Promise<string> {
  const text = await readFile(`${migrationsFolder}/${migration}.sql`, "utf8");
  const statement = text
    .split("--> statement-breakpoint")
    .find((candidate) => candidate.includes(`CREATE OR REPLACE FUNCTION ${name}(`));
  if (!statement) throw new Error(`${migration} defines no ${name}`);
  return statement;
}

/**
 * A table's columns in order, and which are counters: its nullable integer and bigint columns, which migration 0020
 * writes as NULL where they counted nothing (rows written before keep zeros).
 */
export async function tableColumns(pool: pg.Pool, table: string): Promise<{ name: string; counts: boolean }[]> {
  const columns = await pool.query<{ name: string; counts: boolean }>(
    `SELECT column_name AS name, is_nullable = 'YES' AND data_type IN ('integer', 'bigint') AS counts
     FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  if (columns.rows.length === 0) throw new Error(`no table ${table}`);
  return columns.rows;
}

/**
 * Every row of a table as sorted text, its counters read as `coalesce(counter, 0)` (see tableColumns), so that rows
 * are compared as what they count.
 */
export async function rowsAsCounted(pool: pg.Pool, table: string): Promise<string[]> {
  const select = (await tableColumns(pool, table))
    .map(({ name, counts }) => (counts ? `coalesce("${name}", 0)` : `"${name}"`))
    .join(", ");
  const rows = await pool.query<{ line: string }>(`SELECT ROW(${select})::text AS line FROM ${table} ORDER BY 1`);
  return rows.rows.map((row) => row.line);
}

/** rowsAsCounted of each of the tables, by table. */
export async function tablesAsCounted(pool: pg.Pool, tables: readonly string[]): Promise<Record<string, string[]>> {
  const rows: Record<string, string[]> = {};
  for (const table of tables) rows[table] = await rowsAsCounted(pool, table);
  return rows;
}

/** Migrates `pool`'s database with this package's migrations before `first` (a temporary copy of them, removed after). */
export async function migrateBefore(pool: pg.Pool, first: string): Promise<void> {
  const earlier = await earlierMigrations({ from: migrationsFolder, before: first });
  try {
    await migrate(pool, { migrationsFolder: earlier.folder });
  } finally {
    await earlier.remove();
  }
}

/**
 * Readers of events as stored before migration 0028, for tests comparing today's statements with earlier ones: in
 * `schema`, 0008's msgevents_event_metrics (reading a delivery's metric fields from payload alone) and the view
 * `events_as_stored` (the events with their metric columns' values back in payload, as the strings they arrived as,
 * and without those columns). A statement of before 0028 runs on the view with `schema` first in its search_path.
 */
export async function createReadersBefore0028(pool: pg.Pool, schema: string): Promise<void> {
  const counting = await functionDefinition("0008_metric_rollups", "msgevents_event_metrics");
  await pool.query(
    counting.replace("FUNCTION msgevents_event_metrics(", `FUNCTION ${schema}.msgevents_event_metrics(`),
  );
  const columns = getTableColumns(events);
  // Each metric field and its column's name (METRIC_COLUMNS, as the loader fills them).
  const metrics = Object.entries(METRIC_COLUMNS).map(([field, { column }]) => [field, columns[column].name] as const);
  const moved = new Set<string>(["payload", ...metrics.map(([, name]) => name)]);
  const kept = Object.values(columns)
    .map((column) => column.name)
    .filter((name) => !moved.has(name))
    .map((name) => `e."${name}"`);
  const asText = metrics.map(([field, name]) => `'${field}', e."${name}"::text`).join(", ");
  await pool.query(`CREATE VIEW ${schema}.events_as_stored AS
    SELECT ${kept.join(", ")},
           nullif(coalesce(e.payload, '{}') || jsonb_strip_nulls(jsonb_build_object(${asText})), '{}') AS payload
    FROM events AS e`);
}

/** Runs a statement of before 0028 (see createReadersBefore0028) with `schema` first in its search_path. */
export async function runInSchema(pool: pg.Pool, schema: string, statement: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`SET search_path = ${schema}, public`);
    await client.query(statement);
  } finally {
    await client.query("RESET search_path");
    client.release();
  }
}
/** `count` generated events of 2024-06-01 and 2024-06-02 (UTC), normalized. */
export const twoDaysOfEvents = (count: number, seed: number, profile: "realistic" | "lean" = "realistic") =>
  normalizeBatch(
    generateEvents(count, {
      seed,
      profile,
      from: new Date("2024-06-01T00:00:00Z"),
      to: new Date("2024-06-03T00:00:00Z"),
    }),
  ).events;

/**
 * Stores events with the loader's statement (insertEvents), `perStatement` at a time, each committed by itself;
 * `before0032` as loads did on a database migrated to before 0032.
 */
export async function storeAsLoader(
  target: pg.Pool,
  rows: NormalizedEvent[],
  perStatement = 350,
  options: { before0032?: boolean } = {},
): Promise<void> {
  await new PartitionManager(target).ensureFor(rows.map((row) => row.eventTime));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    await insertEvents(target, 1, chunk, await encodeBodies(chunk.map((row) => row.body)), options);
  }
}

/** How many rows hold each TEXT_REFS field as a text and as an id. */
export async function textStorage(target: pg.Pool): Promise<Record<string, { text: number; id: number }>> {
  const counts = TEXT_REFS.map(
    ({ column, ref }) => `'${column}', json_build_object('text', count(${column}), 'id', count(${ref}))`,
  );
  const { rows } = await target.query<{ stored: Record<string, { text: number; id: number }> }>(
    `SELECT json_build_object(${counts.join(", ")}) AS stored FROM events`,
  );
  return rows[0]?.stored ?? {};
}

/** Every event as the Events API renders it, by event id and type. */
export async function renderedEvents(target: pg.Pool): Promise<string[]> {
  const { rows } = await target.query(
    `SELECT event_time AS "eventTime", type, event_id AS "eventId", payload, body, message_id AS "messageId",
            transmission_id AS "transmissionId", rcpt_to AS "recipient", recipient_domain AS "recipientDomain",
            friendly_from AS "friendlyFrom", sending_domain AS "sendingDomain", subject, campaign_id AS "campaignId",
            template_id AS "templateId", ip_pool AS "ipPool", sending_ip AS "sendingIp", reason,
            bounce_class AS "bounceClass", subaccount_id AS "subaccountId", customer_id AS "customerId",
            mailbox_provider AS "mailboxProvider", mailbox_provider_region AS "mailboxProviderRegion",
            ab_test_id AS "abTestId", ab_test_version AS "abTestVersion", num_retries AS "numRetries",
            queue_time AS "queueTime", msg_size AS "msgSize", subject_ref AS "subjectRef",
            friendly_from_ref AS "friendlyFromRef", transmission_ref AS "transmissionRef",
            payload_ref AS "payloadRef"
     FROM events ORDER BY event_id, type`,
  );
  return (await toEventsApiEvents(await withNamedTexts(target, rows))).map((event) => JSON.stringify(event));
}

/** Waits until `client`'s backend waits for a lock (as seen from `watcher`), or fails after about 10 s. */
export async function waitForLockWait(watcher: pg.Pool, client: pg.PoolClient): Promise<void> {
  const pid = (client as unknown as { processID: number }).processID;
  for (let attempt = 0; attempt < 500; attempt++) {
    const { rows } = await watcher.query("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", [pid]);
    if (rows[0]?.wait_event_type === "Lock") return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}

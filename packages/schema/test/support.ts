import { readFile } from "node:fs/promises";
import { earlierMigrations, startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import {
  events,
  migrate,
  migrationsFolder,
  type NormalizedEvent,
  PartitionManager,
  toEventRows,
} from "../src/index.ts";
import { storeEventsAsBefore0013 } from "../src/testing/legacy-events.ts";

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

export const RECEIVED_AT = new Date("2026-01-02T03:04:05.678Z");

/** Stores events as the loader does (partitions first, duplicates skipped); returns how many rows were new. */
export async function storeEvents(pool: pg.Pool, rows: NormalizedEvent[], batchId = "batch-1"): Promise<number> {
  if (rows.length === 0) return 0;
  await new PartitionManager(pool).ensureFor(rows.map((row) => row.eventTime));
  const inserted = await drizzle({ client: pool })
    .insert(events)
    .values(await toEventRows(rows, { batchId, receivedAt: RECEIVED_AT }))
    .onConflictDoNothing()
    .returning({ eventId: events.eventId });
  return inserted.length;
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

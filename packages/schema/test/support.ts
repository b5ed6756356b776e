import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { getTableColumns } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { events, migrate, type NormalizedEvent, PartitionManager, toEventRows } from "../src/index.ts";

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

/**
 * Stores events as the loader of an earlier schema did (main at 11cc0ad, before event bodies and batch numbers): the
 * whole payload as jsonb, the batch named by id and receipt time. For databases built with earlierMigrations().
 */
export async function storeLegacyEvents(pool: pg.Pool, rows: NormalizedEvent[], batchId = "batch-1"): Promise<number> {
  if (rows.length === 0) return 0;
  await new PartitionManager(pool).ensureFor(rows.map((row) => row.eventTime));
  const legacyColumns = Object.entries(getTableColumns(events)).filter(
    ([key]) => key !== "body" && key !== "batchNumber",
  );
  const legacy = rows.map((row) => {
    const values: Record<string, unknown> = { ...row, batchId, receivedAt: RECEIVED_AT };
    values.payload = { ...row.payload, ...row.body };
    return Object.fromEntries(legacyColumns.map(([key, column]) => [column.name, values[key]]));
  });
  const inserted = await pool.query(
    `INSERT INTO events (${legacyColumns.map(([, column]) => `"${column.name}"`).join(", ")})
     SELECT ${legacyColumns.map(([, column]) => `"${column.name}"`).join(", ")}
     FROM json_populate_recordset(NULL::events, $1::json) ON CONFLICT DO NOTHING`,
    [JSON.stringify(legacy)],
  );
  return inserted.rowCount ?? 0;
}

export async function countEvents(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ count: number }>("SELECT count(*)::int AS count FROM events");
  return result.rows[0]?.count ?? 0;
}

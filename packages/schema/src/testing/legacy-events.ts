import { getTableColumns } from "drizzle-orm";
import type pg from "pg";
import { PartitionManager } from "../db/partitions.ts";
import { events, TEXT_REFS } from "../db/tables.ts";
import { METRIC_COLUMNS } from "../model/columns.ts";
import type { NormalizedEvent } from "../model/normalize.ts";

/** Columns added since: the metric columns (0028), the texts' ids (0030) and the recipient payloads' (0032). */
const LATER_KEYS: readonly string[] = [
  ...Object.values(METRIC_COLUMNS).map(({ column }) => column),
  ...TEXT_REFS.map(({ refKey }) => refKey),
  "payloadRef",
];

/** The columns of `events` before migration 0013 (event bodies) and 0014 (batch numbers), so before 0028 too. */
const LEGACY_COLUMNS = Object.entries(getTableColumns(events)).filter(
  ([key]) => key !== "body" && key !== "batchNumber" && !LATER_KEYS.includes(key),
);

/**
 * An event as the loader stored it before migration 0028: the values of its metric columns in `payload`, as the
 * strings they arrived as (normalizeEvent puts only such strings there), and those columns empty.
 */
export function asStoredBefore0028(row: NormalizedEvent): NormalizedEvent {
  const metrics: Record<string, string> = {};
  const stored: NormalizedEvent = { ...row };
  for (const [field, { column }] of Object.entries(METRIC_COLUMNS)) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    metrics[field] = String(value);
    delete stored[column];
  }
  if (Object.keys(metrics).length === 0) return row;
  return { ...stored, payload: { ...row.payload, ...metrics } };
}

/**
 * Stores events as the loader did before event bodies (migration 0013) and batch numbers (0014): the whole payload as
 * jsonb, the batch named by its id and receipt time, duplicates skipped. For tests and benches of upgrades, on
 * databases built with earlier migrations (testkit's earlierMigrations), where today's loader cannot write. Returns
 * how many rows were new.
 */
export async function storeEventsAsBefore0013(
  pool: pg.Pool,
  rows: readonly NormalizedEvent[],
  batch: { batchId: string; receivedAt: Date },
): Promise<number> {
  if (rows.length === 0) return 0;
  await new PartitionManager(pool).ensureFor(rows.map((row) => row.eventTime));
  const legacy = rows.map(asStoredBefore0028).map((row) => {
    const values: Record<string, unknown> = { ...row, ...batch, payload: { ...row.payload, ...row.body } };
    return Object.fromEntries(LEGACY_COLUMNS.map(([key, column]) => [column.name, values[key]]));
  });
  const names = LEGACY_COLUMNS.map(([, column]) => `"${column.name}"`).join(", ");
  const inserted = await pool.query(
    `INSERT INTO events (${names}) SELECT ${names} FROM json_populate_recordset(NULL::events, $1::json)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(legacy)],
  );
  return inserted.rowCount ?? 0;
}

import type { NormalizedEvent } from "@msgevents/schema";
import type pg from "pg";
import { EVENT_COLUMNS } from "./event-columns.ts";

/**
 * One statement per batch: the events travel as a single JSON parameter, which PostgreSQL expands with
 * json_to_recordset and inserts with ON CONFLICT DO NOTHING on the primary key, so an event already stored (by a
 * replay, a retry, or another batch) is skipped. Chosen by measurement (bench/write-paths.ts, figures in README.md)
 * over unnest() of typed arrays, COPY into a temp table then INSERT … SELECT, and multi-row VALUES: the fastest where
 * the statement's own cost shows, and no parameter-count limit on batch size.
 */
const INSERT_EVENTS_SQL = `INSERT INTO events (batch_number, ${EVENT_COLUMNS.map(([column]) => column).join(", ")}, body)
SELECT $2, ${EVENT_COLUMNS.map(([column]) => `r.${column}`).join(", ")}, r.body
FROM json_to_recordset($1::json) AS r(${EVENT_COLUMNS.map(([column, , type]) => `${column} ${type}`).join(", ")}, body bytea)
ON CONFLICT DO NOTHING`;

/**
 * Inserts the batch's events inside the caller's transaction, each with its encoded body (encodeBodies, done before
 * the transaction so that no lock waits on it) and the batch's number (batches.batch_number); returns how many were
 * new.
 */
export async function insertEvents(
  client: pg.ClientBase,
  batchNumber: number,
  events: readonly NormalizedEvent[],
  bodies: readonly Buffer[],
): Promise<number> {
  if (events.length === 0) return 0;
  if (bodies.length !== events.length) throw new Error(`${events.length} events but ${bodies.length} bodies`);
  const result = await client.query(INSERT_EVENTS_SQL, [eventsAsJson(events, bodies), batchNumber]);
  return result.rowCount ?? 0;
}

/**
 * The events as a JSON array of objects keyed by column name (Dates become ISO-8601, which timestamptz reads; bodies
 * bytea's hex text).
 */
function eventsAsJson(events: readonly NormalizedEvent[], bodies: readonly Buffer[]): string {
  const rows = events.map((event, index) => {
    const row: Record<string, unknown> = {};
    for (const [column, field] of EVENT_COLUMNS) row[column] = event[field];
    row.body = `\\x${bodies[index]?.toString("hex")}`;
    return row;
  });
  return JSON.stringify(rows);
}

/**
 * Orders events by primary key. Two transactions that insert overlapping keys in the same order wait for each other
 * instead of deadlocking (one holds key A and waits for B while the other holds B and waits for A).
 */
export function inKeyOrder(events: readonly NormalizedEvent[]): NormalizedEvent[] {
  return [...events].sort(
    (a, b) => compare(a.eventId, b.eventId) || compare(a.type, b.type) || a.eventTime.getTime() - b.eventTime.getTime(),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

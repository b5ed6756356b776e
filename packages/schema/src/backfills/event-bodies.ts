import { getTableColumns } from "drizzle-orm";
import type pg from "pg";
import { events } from "../db/tables.ts";
import { encodeBodies } from "../encoding/body-codec.ts";
import { INTEGER_COLUMNS, TEXT_COLUMNS } from "../model/columns.ts";
import { type StoredEvent, storedEventFields, toEventsApiEvent } from "../model/events-api.ts";
import { type NormalizedEvent, normalizeEvent } from "../model/normalize.ts";
import type { BackfillStepResult } from "./declarations.ts";

/**
 * The event-bodies backfill (registered by migration 0018): events stored before migration 0013 keep every field
 * beyond the columns in `payload` (jsonb) and no `body`, and before 0014 name their batch by `batch_id` and
 * `received_at`. Each step rewrites up to `batchRows` of them, in primary-key order, as the loader stores events now:
 * the fields normalized again by normalizeEvent (so `payload` keeps what SQL reads and the rest goes to `body`,
 * encoded by encodeBodies), the batch named by its `batch_number`.
 *
 * Safe beside loads and searches: the step locks only the rows it rewrites (FOR UPDATE, for the few milliseconds of
 * the step), never the day. A load inserting an event that is already stored skips it (ON CONFLICT DO NOTHING) whether
 * or not it was rewritten, and events loaded meanwhile are already in the new format, which no step selects. A search
 * reads either format alike; a step changes no column a search filters on and none of the search tokens (payload keeps
 * every field they read), so answers and the search counts are unchanged. A row the step could not rebuild exactly
 * (same columns and the same Events API answer) is left as it is: it stays readable, only larger.
 */
export const EVENT_BODIES_BATCH_ROWS = 2_000;

const DAY_MS = 86_400_000;

/** Every column of events but body (NULL in the rows selected), read under its drizzle key. */
const SELECTED = Object.entries(getTableColumns(events))
  .filter(([key]) => key !== "body")
  .map(([key, column]) => `e."${column.name}" AS "${key}"`)
  .join(", ");

type LegacyRow = StoredEvent & { eventTime: Date; knownBatchNumber: number | null };

/** Key of the last row a step read, where the next step starts. */
type Position = [eventId: string, type: string, eventTime: string];

export async function eventBodiesStep(
  client: pg.ClientBase,
  day: string,
  from: string | null,
  batchRows: number,
): Promise<BackfillStepResult> {
  const start = new Date(`${day}T00:00:00.000Z`);
  const end = new Date(start.getTime() + DAY_MS);
  const after = from ? (JSON.parse(from) as Position) : null;
  const { rows } = await client.query<LegacyRow>(
    `SELECT ${SELECTED}, b.batch_number AS "knownBatchNumber"
     FROM events AS e LEFT JOIN batches AS b ON b.batch_id = e.batch_id
     WHERE e.event_time >= $1 AND e.event_time < $2 AND e.body IS NULL
       ${after ? "AND (e.event_id, e.type, e.event_time) > ($4, $5, $6::timestamptz)" : ""}
     ORDER BY e.event_id, e.type, e.event_time
     LIMIT $3
     FOR UPDATE OF e`,
    [start, end, batchRows, ...(after ?? [])],
  );
  const rewritten = rows.flatMap((row) => {
    const event = currentFormatOf(row);
    return event ? [{ row, event }] : [];
  });
  const bodies = await encodeBodies(rewritten.map(({ event }) => event.body));
  if (rewritten.length > 0) {
    await client.query(
      `UPDATE events AS e
       SET payload = r.payload, body = r.body, batch_number = coalesce(r.batch_number, e.batch_number),
           batch_id = CASE WHEN r.batch_number IS NULL THEN e.batch_id END,
           received_at = CASE WHEN r.batch_number IS NULL THEN e.received_at END
       FROM json_to_recordset($1::json)
            AS r(event_id text, type text, event_time timestamptz, payload jsonb, body bytea, batch_number integer)
       WHERE e.event_time >= $2 AND e.event_time < $3
         AND e.event_id = r.event_id AND e.type = r.type AND e.event_time = r.event_time AND e.body IS NULL`,
      [
        JSON.stringify(
          rewritten.map(({ row, event }, index) => ({
            event_id: row.eventId,
            type: row.type,
            event_time: row.eventTime.toISOString(),
            payload: event.payload ?? null,
            body: `\\x${bodies[index]?.toString("hex")}`,
            batch_number: row.knownBatchNumber,
          })),
        ),
        start,
        end,
      ],
    );
  }
  const last = rows.at(-1);
  return {
    events: rows.length,
    next:
      rows.length < batchRows || !last
        ? null
        : JSON.stringify([last.eventId, last.type, last.eventTime.toISOString()] satisfies Position),
  };
}

const COMPARED_COLUMNS = [
  "type",
  "eventId",
  ...Object.values(TEXT_COLUMNS),
  ...Object.values(INTEGER_COLUMNS).map(({ column }) => column),
] as const;

/**
 * The event of a row stored before migration 0013 (whole payload, no body) as normalizeEvent makes it today from the
 * same fields, or undefined when that would not be the same event: another value in some column, or another Events
 * API answer. The row's fields are what the loader stored from the event received (the columns, and in `payload` every
 * other field and any value a column could not hold exactly, which wins over its column), so normalizing them again
 * gives the columns, payload and body the loader gives the event received.
 */
export function currentFormatOf(row: StoredEvent): NormalizedEvent | undefined {
  if (row.body) return undefined;
  const fields = storedEventFields(row, undefined);
  fields.timestamp = row.eventTime.toISOString();
  const event = normalizeEvent(fields);
  if (typeof event === "string") return undefined;
  if (event.eventTime.getTime() !== row.eventTime.getTime()) return undefined;
  for (const column of COMPARED_COLUMNS) if ((event[column] ?? null) !== (row[column] ?? null)) return undefined;
  if (JSON.stringify(toEventsApiEvent(event)) !== JSON.stringify(toEventsApiEvent(row))) return undefined;
  return event;
}

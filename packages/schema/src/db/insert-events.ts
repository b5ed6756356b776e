import type pg from "pg";
import type { NormalizedEvent } from "../model/normalize.ts";
import { EVENT_COLUMNS } from "./event-columns.ts";
import { namedTextJoins, namedTextValue } from "./named-texts-sql.ts";
import { TEXT_REFS } from "./tables.ts";

/** The loader's columns, as the statement lists them. */
const COLUMNS = EVENT_COLUMNS.map(([column]) => column).join(", ");

/**
 * One statement per batch: the events travel as a single JSON parameter, which PostgreSQL expands with
 * json_to_recordset and inserts with ON CONFLICT DO NOTHING on the primary key, so an event already stored (by a
 * replay, a retry, or another batch) is skipped. Chosen by measurement (packages/loader's bench/write-paths.ts and
 * README) over unnest() of typed arrays, COPY into a temp table then INSERT … SELECT, and multi-row VALUES: the
 * fastest where the statement's own cost shows, and no parameter-count limit on batch size.
 *
 * The batch's subjects, senders and transmissions ($3 and $4: field numbers and texts) are named by id first
 * (msgevents_name_event_texts, which adds the new ones; the load then holds the texts' lock shared until it
 * commits); a row stores the id where there is one and the text where not (before the ids' index is valid, or past
 * event_texts' cap). Rows go in the order given (ordinality): the loader's is the key order (its inKeyOrder).
 */
const INSERT_EVENTS_SQL = `WITH named AS MATERIALIZED (
  SELECT text_field, text_value, text_id FROM msgevents_name_event_texts($3::smallint[], $4::text[])
)
INSERT INTO events (batch_number, ${COLUMNS}, body, ${TEXT_REFS.map((ref) => ref.ref).join(", ")})
SELECT $2, ${EVENT_COLUMNS.map(([column]) => namedTextValue(column, "r") ?? `r.${column}`).join(", ")}, r.body, ${TEXT_REFS.map((ref) => `${ref.ref}.text_id`).join(", ")}
FROM ROWS FROM (json_to_recordset($1::json) AS (${EVENT_COLUMNS.map(([column, , type]) => `${column} ${type}`).join(", ")}, body bytea))
  WITH ORDINALITY AS r(${COLUMNS}, body, n)
${namedTextJoins("r")}
ORDER BY r.n
ON CONFLICT DO NOTHING`;

/**
 * Inserts a batch's events inside the caller's transaction (the loader's, and tests that store events as it does),
 * each with its encoded body (encodeBodies, done before the transaction so that no lock waits on it) and the batch's
 * number (batches.batch_number); returns how many were new.
 */
export async function insertEvents(
  client: pg.ClientBase | pg.Pool,
  batchNumber: number | null,
  events: readonly NormalizedEvent[],
  bodies: readonly Buffer[],
): Promise<number> {
  if (events.length === 0) return 0;
  if (bodies.length !== events.length) throw new Error(`${events.length} events but ${bodies.length} bodies`);
  const texts = textsToName(events);
  const result = await client.query(INSERT_EVENTS_SQL, [
    eventsAsJson(events, bodies),
    batchNumber,
    texts.map(([field]) => field),
    texts.map(([, text]) => text),
  ]);
  return result.rowCount ?? 0;
}

/** The distinct (field number, text) pairs of the events' TEXT_REFS columns. */
function textsToName(events: readonly NormalizedEvent[]): [number, string][] {
  const seen = new Map<string, [number, string]>();
  for (const event of events) {
    for (const ref of TEXT_REFS) {
      const text = event[ref.key];
      if (typeof text === "string") seen.set(`${ref.field}:${text}`, [ref.field, text]);
    }
  }
  return [...seen.values()];
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

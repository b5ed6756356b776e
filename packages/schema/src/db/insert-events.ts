import type pg from "pg";
import { SEARCHED_PAYLOAD_FIELDS } from "../model/columns.ts";
import type { NormalizedEvent } from "../model/normalize.ts";
import { EVENT_COLUMNS, PAYLOAD_REF_COLUMN } from "./event-columns.ts";
import { namedTextJoins, namedTextValue } from "./named-texts-sql.ts";
import { TEXT_REFS } from "./tables.ts";

/**
 * A row's payload: the rest of it beside a named recipient payload, else the whole (the rest and the recipient
 * fields together, which jsonb's || joins back into the object received: their keys are apart).
 */
const PAYLOAD_VALUE = `CASE WHEN np.payload_id IS NOT NULL OR r.recipient_payload IS NULL THEN r.payload
  ELSE coalesce(r.payload, '{}'::jsonb) || r.recipient_payload END`;

/** The loader's columns, as the statement lists them. */
const COLUMNS = EVENT_COLUMNS.map(([column]) => column).join(", ");

/**
 * One statement per batch: the events travel as a single JSON parameter, which PostgreSQL expands with
 * json_to_recordset and inserts with ON CONFLICT DO NOTHING on the primary key, so an event already stored (by a
 * replay, a retry, or another batch) is skipped. Chosen by measurement (packages/loader's bench/write-paths.ts and
 * README) over unnest() of typed arrays, COPY into a temp table then INSERT … SELECT, and multi-row VALUES: the
 * fastest where the statement's own cost shows, and no parameter-count limit on batch size.
 *
 * The batch's subjects, senders and transmissions ($2 and $3: field numbers and texts) are named by id first
 * (msgevents_name_event_texts, which adds the new ones; the load then holds the texts' lock shared until it
 * commits); a row stores the id where there is one and the text where not (before the ids' index is valid, or past
 * event_texts' cap). Likewise each event's recipient fields (rcpt_meta and rcpt_tags, sent apart from the rest of its
 * payload as `recipient_payload`; $4 lists the batch's distinct ones) are named by id (msgevents_name_event_payloads,
 * migration 0032): a row stores the id and the rest of its payload where there is one, its whole payload where not.
 * Rows go in the order given (ordinality): the loader's is the key order (its inKeyOrder). Each row carries its batch's
 * number (batches.batch_number), so that one statement stores several batches; it answers how many rows it stored
 * of each.
 */
const insertStatement = (namesPayloads: boolean) => `WITH named AS MATERIALIZED (
  SELECT text_field, text_value, text_id FROM msgevents_name_event_texts($2::smallint[], $3::text[])
)${
  namesPayloads
    ? `, named_payloads AS MATERIALIZED (
  SELECT payload_value, payload_id FROM msgevents_name_event_payloads($4::jsonb[])
)`
    : ""
}
, inserted AS (
INSERT INTO events (batch_number, ${COLUMNS}, body, ${TEXT_REFS.map((ref) => ref.ref).join(", ")}${namesPayloads ? `, ${PAYLOAD_REF_COLUMN}` : ""})
SELECT r.batch_number, ${EVENT_COLUMNS.map(([column]) => namedTextValue(column, "r") ?? (column === "payload" ? PAYLOAD_VALUE : `r.${column}`)).join(", ")}, r.body, ${TEXT_REFS.map((ref) => `${ref.ref}.text_id`).join(", ")}${namesPayloads ? ", np.payload_id" : ""}
FROM ROWS FROM (json_to_recordset($1::json) AS (batch_number integer, ${EVENT_COLUMNS.map(([column, , type]) => `${column} ${type}`).join(", ")}, body bytea, recipient_payload jsonb))
  WITH ORDINALITY AS r(batch_number, ${COLUMNS}, body, recipient_payload, n)
${namedTextJoins("r")}
${namesPayloads ? "LEFT JOIN named_payloads AS np ON np.payload_value = r.recipient_payload" : "CROSS JOIN (SELECT NULL::integer AS payload_id) AS np"}
ORDER BY r.n
ON CONFLICT DO NOTHING
RETURNING batch_number
)
SELECT batch_number, count(*)::integer AS stored FROM inserted GROUP BY batch_number`;

const INSERT_EVENTS_SQL = insertStatement(true);
/** The statement without the recipient payloads' naming, as loads ran before migration 0032 (see insertEvents). */
const INSERT_EVENTS_BEFORE_0032_SQL = insertStatement(false);

/**
 * Inserts a batch's events inside the caller's transaction (the loader's, and tests that store events as it does),
 * each with its encoded body (encodeBodies, done before the transaction so that no lock waits on it) and the batch's
 * number (batches.batch_number); returns how many were new. `before0032` stores them as loads did on a database
 * migrated to before 0032 (whole payloads in the rows), for tests of upgrades from such a database.
 */
export async function insertEvents(
  client: pg.ClientBase | pg.Pool,
  batchNumber: number | null,
  events: readonly NormalizedEvent[],
  bodies: readonly Buffer[],
  options: { before0032?: boolean } = {},
): Promise<number> {
  const stored = await insertBatchesEvents(
    client,
    events.map(() => batchNumber),
    events,
    bodies,
    options,
  );
  let total = 0;
  for (const count of stored.values()) total += count;
  return total;
}

/**
 * Inserts the events of several batches in one statement, as insertEvents one batch's: `batchNumbers[i]` is the
 * number of the batch of `events[i]`. Returns how many rows it stored of each batch number (absent: none); of two
 * events with the same key, the first in `events` is stored and the other counts as a duplicate.
 */
export async function insertBatchesEvents(
  client: pg.ClientBase | pg.Pool,
  batchNumbers: readonly (number | null)[],
  events: readonly NormalizedEvent[],
  bodies: readonly Buffer[],
  options: { before0032?: boolean } = {},
): Promise<Map<number | null, number>> {
  if (events.length === 0) return new Map();
  if (bodies.length !== events.length) throw new Error(`${events.length} events but ${bodies.length} bodies`);
  if (batchNumbers.length !== events.length)
    throw new Error(`${events.length} events but ${batchNumbers.length} batch numbers`);
  const payloads = new Set<string>();
  const json = eventsAsJson(events, batchNumbers, bodies, options.before0032 ? undefined : payloads);
  const values = [json, ...textsToName(events)];
  const result = options.before0032
    ? await client.query<{ batch_number: number | null; stored: number }>(INSERT_EVENTS_BEFORE_0032_SQL, values)
    : await client.query<{ batch_number: number | null; stored: number }>(INSERT_EVENTS_SQL, [
        ...values,
        [...payloads],
      ]);
  return new Map(result.rows.map((row) => [row.batch_number, row.stored]));
}

/**
 * Names the events' texts and recipient payloads in a transaction of its own (pass the pool), before the load's
 * transaction: it adds the values new to event_texts and event_payloads and commits them at once. Two loads whose
 * batches share a new value (a recipient's next events, a new subject) then wait for each other only for this short
 * statement: when the values were first added inside the load, the second load's INSERT ... ON CONFLICT waited for
 * the first load's commit, so concurrent loaders ran one after the other (loader bench, one day with 2 loaders: a
 * third of their time waiting, 3,074 events/s; 3,851 named first). The load names them again under its locks
 * (insertEvents): that finds them, or adds again a value that an erasure's collection removed in between. Events
 * named here that the load then does not store (their recipient erased meanwhile) go through removeEventNames.
 */
export async function addEventNames(
  client: pg.ClientBase | pg.Pool,
  events: readonly NormalizedEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await client.query(ADD_EVENT_NAMES_SQL, eventNames(events));
}

/**
 * Inside the caller's transaction, before it inserts events: removes the texts and recipient payloads of `events`
 * that no stored event names (msgevents_collect_event_texts and _payloads, the texts first as an erasure's), for
 * events that addEventNames named and the load then dropped. A value the load stores after all is added again by its
 * insertEvents. Waits for the loads in flight (the collections lock the dictionaries), so only for that rare case.
 */
export async function removeEventNames(client: pg.ClientBase, events: readonly NormalizedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const [fields, texts, payloads] = eventNames(events);
  await client.query(
    `SELECT msgevents_collect_event_texts(ARRAY(
       SELECT t.id FROM event_texts AS t JOIN unnest($1::smallint[], $2::text[]) AS w(field, value)
         ON t.field = w.field AND t.value = w.value)) AS removed`,
    [fields, texts],
  );
  await client.query(
    `SELECT msgevents_collect_event_payloads(ARRAY(
       SELECT p.id FROM unnest($1::jsonb[]) AS w(value)
       CROSS JOIN LATERAL (
         SELECT x.id FROM event_payloads AS x
         WHERE sha256(x.value::text::bytea) = sha256(w.value::text::bytea) AND x.value = w.value LIMIT 1
       ) AS p)) AS removed`,
    [payloads],
  );
}

/** Both namings, the texts first as the load's statement runs them (the lock order); their ids are not needed here. */
const ADD_EVENT_NAMES_SQL = `SELECT
  (SELECT count(*) FROM msgevents_name_event_texts($1::smallint[], $2::text[])) AS texts,
  (SELECT count(*) FROM msgevents_name_event_payloads($3::jsonb[])) AS payloads`;

/** The events' distinct texts to name (field numbers, texts) and distinct recipient payloads (JSON texts). */
function eventNames(events: readonly NormalizedEvent[]): [number[], string[], string[]] {
  const payloads = new Set<string>();
  for (const event of events) {
    const { recipient } = splitPayload(event.payload);
    if (recipient) payloads.add(JSON.stringify(recipient));
  }
  return [...textsToName(events), [...payloads]];
}

/** The distinct (field number, text) pairs of the events' TEXT_REFS columns, as the statements take them: two arrays. */
function textsToName(events: readonly NormalizedEvent[]): [number[], string[]] {
  const seen = new Map<string, [number, string]>();
  for (const event of events) {
    for (const ref of TEXT_REFS) {
      const text = event[ref.key];
      if (typeof text === "string") seen.set(`${ref.field}:${text}`, [ref.field, text]);
    }
  }
  const pairs = [...seen.values()];
  return [pairs.map(([field]) => field), pairs.map(([, text]) => text)];
}

/**
 * The events as a JSON array of objects keyed by column name, each with its batch's number (Dates become ISO-8601,
 * which timestamptz reads; bodies bytea's hex text), each payload's recipient fields apart as `recipient_payload`,
 * whose distinct JSON texts are added to `payloads` (left whole without it).
 */
function eventsAsJson(
  events: readonly NormalizedEvent[],
  batchNumbers: readonly (number | null)[],
  bodies: readonly Buffer[],
  payloads: Set<string> | undefined,
): string {
  const rows = events.map((event, index) => {
    const row: Record<string, unknown> = { batch_number: batchNumbers[index] };
    for (const [column, field] of EVENT_COLUMNS) row[column] = event[field];
    const { recipient, rest } = payloads ? splitPayload(event.payload) : {};
    if (recipient) {
      row.payload = rest;
      row.recipient_payload = recipient;
      payloads?.add(JSON.stringify(recipient));
    }
    row.body = `\\x${bodies[index]?.toString("hex")}`;
    return row;
  });
  return JSON.stringify(rows);
}

/**
 * A payload's recipient fields (SEARCHED_PAYLOAD_FIELDS), if it has any, and its other fields (null if none): the
 * value a row names by id (migration 0032) and what stays in its payload.
 */
export function splitPayload(payload: Record<string, unknown> | null | undefined): {
  recipient?: Record<string, unknown>;
  rest: Record<string, unknown> | null;
} {
  if (!payload) return { rest: null };
  const recipient: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  let recipientFields = 0;
  for (const [key, value] of Object.entries(payload)) {
    if (SEARCHED_PAYLOAD_FIELDS.has(key)) {
      recipient[key] = value;
      recipientFields += 1;
    } else {
      rest[key] = value;
    }
  }
  if (recipientFields === 0) return { rest: payload };
  return { recipient, rest: Object.keys(rest).length > 0 ? rest : null };
}

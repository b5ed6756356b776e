import { setTimeout as sleep } from "node:timers/promises";
import { getTableColumns } from "drizzle-orm";
import type pg from "pg";
import { namedTextJoins, namedTextValue } from "../db/named-texts-sql.ts";
import { events, TEXT_REFS } from "../db/tables.ts";
import { freezeAllVisible } from "../db/vacuum.ts";
import { encodeBodies } from "../encoding/body-codec.ts";
import { INTEGER_COLUMNS, METRIC_COLUMNS, TEXT_COLUMNS } from "../model/columns.ts";
import { type StoredEvent, storedEventFields, toEventsApiEvent } from "../model/events-api.ts";
import { type NormalizedEvent, normalizeEvent } from "../model/normalize.ts";
import { DAY_MS } from "../model/utc-days.ts";
import type { BackfillStepResult } from "./declarations.ts";

/**
 * The event-bodies backfill (registered by migration 0018): events stored before migration 0013 keep every field
 * beyond the columns in `payload` (jsonb) and no `body`, and before 0014 name their batch by `batch_id` and
 * `received_at`. A day is converted by copy and swap, in steps (each its own transaction, committed by runBackfills):
 *
 * 1. start: a shadow of the day is created (msgevents_start_event_shadow: a plain table like events, the day's bounds
 *    as a CHECK, no index), or the one an earlier run left is resumed (after its last row, or at its indexes once it
 *    has some), and rows copied;
 * 2. copy: `batchRows` rows at a time in key order (time first, as the day's heap is, which searches read in time
 *    order), the rows stored before 0013 converted as the loader stores events now (normalizeEvent again, so `payload`
 *    keeps what SQL reads and the rest goes to `body`, encoded by encodeBodies, the batch named by its number), the
 *    others copied as they are, and so are rows currentFormatOf cannot rebuild exactly; for the texts-by-id and
 *    payloads-by-id backfills (texts-by-id.ts, `nameTexts`) each row's subject, friendly_from, transmission_id and
 *    recipient payload also go as ids, named as a load names its batch's (a text in a row or its id, never both);
 * 3. vacuum and index: the shadow vacuumed (outside a transaction, as the copy's last step has committed), then the
 *    day's indexes built on it, one a step, and its statistics gathered (msgevents_index_event_shadow);
 * 4. swap: with the day partition locked against writes (SHARE, waiting at most `swapLockTimeoutMs`), the shadow is
 *    brought up to date (rows deleted from the day meanwhile, by erasure, deleted from it too, so they never come
 *    back; rows loaded into the day meanwhile copied in, converted if need be), then swapped in for the partition
 *    (msgevents_swap_event_shadow), whose files are dropped whole. The texts only the erased rows' copies named are
 *    removed once the swap has committed (msgevents_collect_event_texts, which keeps any text a shadow names).
 *
 * No statement trigger of events sees the copy (the shadow is no partition until the swap, and the swap adds and
 * removes no row of events), and the copy changes no value a search or a rollup reads (a text named by id is read
 * through event_texts by both), so every derived count stays as it is: exact. Loads and searches go on during the
 * copy; loads into the day wait during the swap's reconciliation, searches during the swap's catalog changes (DETACH
 * takes ACCESS EXCLUSIVE on events). A swap that cannot have its
 * locks in time gives up at once (a loader that holds events and waits for the day partition would otherwise be
 * deadlocked with it: `swapLockTimeoutMs` is below PostgreSQL's deadlock_timeout, so the swap, not the load, is the
 * one that gives up) and is tried again a few times; if it still cannot, the day fails with the lock timeout and the
 * next run goes on at the shadow's indexes (the shadow stays). Nothing of the day changes until the swap commits.
 */
export const EVENT_BODIES_BATCH_ROWS = 2_000;
/** The name migration 0018 registered the backfill under. */
export const EVENT_BODIES_BACKFILL_NAME = "event_bodies_0018";
/** Longest wait for each of the swap's locks: under deadlock_timeout (1 s by default, on RDS too). */
export const SWAP_LOCK_TIMEOUT_MS = 500;
/** Swap attempts within a step, a pause between them, before the day fails with the lock timeout. */
const SWAP_ATTEMPTS = 3;
const SWAP_PAUSE_MS = 1_000;
/** lock_not_available, deadlock_detected: the swap's locks were not had in time; another attempt may have them. */
const SWAP_RETRIED = new Set(["55P03", "40P01"]);

export interface EventBodiesOptions {
  /** Rows a copy step takes (default EVENT_BODIES_BATCH_ROWS). */
  batchRows?: number;
  /** Longest wait for each of the swap's locks (default SWAP_LOCK_TIMEOUT_MS). */
  swapLockTimeoutMs?: number;
  /** Swap attempts in a step before the day fails with the lock timeout (default 3). */
  swapAttempts?: number;
  /** Pause before the second attempt; before the third, twice as long (default 1 s). */
  swapPauseMs?: number;
}

/** How a day is copied: the event-bodies backfill's conversion, and for the texts-by-id backfill the texts named too. */
export interface DayCopyOptions extends EventBodiesOptions {
  /**
   * Each copied row's subject, friendly_from and transmission_id stored as ids where event_texts names them, and its
   * recipient payload (rcpt_meta, rcpt_tags) where event_payloads does.
   */
  nameTexts?: boolean;
}

const TABLE_COLUMNS = getTableColumns(events);
const COLUMNS = Object.entries(TABLE_COLUMNS).map(([key, column]) => ({ key, name: column.name }));
/** The metric fields a converted row keeps in their columns now (migration 0028) rather than in payload. */
const METRIC_SQL_COLUMNS = Object.values(METRIC_COLUMNS).map(({ column }) => ({
  key: column,
  name: TABLE_COLUMNS[column].name,
  type: TABLE_COLUMNS[column].getSQLType(),
}));
const METRIC_COLUMN_NAMES: ReadonlySet<string> = new Set(METRIC_SQL_COLUMNS.map(({ name }) => name));
/** Every column of events but body (NULL in the rows read for conversion), read under its drizzle key. */
const SELECTED = COLUMNS.filter(({ key }) => key !== "body")
  .map(({ key, name }) => `e."${name}" AS "${key}"`)
  .join(", ");
const INSERTED = COLUMNS.map(({ name }) => `"${name}"`).join(", ");
/**
 * A row's columns in the shadow: those of the row, but the converted ones where the row was converted (r), and, when
 * the copy names texts, the id of each text event_texts names (joined as the ref's name) in place of the text.
 */
function copiedColumns(nameTexts: boolean): string {
  return COLUMNS.map(({ name }) => {
    if (METRIC_COLUMN_NAMES.has(name)) return `CASE WHEN r.event_id IS NULL THEN e."${name}" ELSE r."${name}" END`;
    const named = nameTexts ? namedTextValue(name, "e") : undefined;
    if (named) return named;
    switch (name) {
      // A named recipient payload leaves the rest of the payload in the row (NULL when nothing is left).
      case "payload":
        return nameTexts
          ? `CASE WHEN np.payload_id IS NULL THEN ${SOURCE_PAYLOAD} ELSE nullif(${SOURCE_PAYLOAD} - '{rcpt_meta,rcpt_tags}'::text[], '{}'::jsonb) END`
          : SOURCE_PAYLOAD;
      case "payload_ref":
        return nameTexts ? "coalesce(e.payload_ref, np.payload_id)" : "e.payload_ref";
      case "body":
        return `CASE WHEN r.event_id IS NULL THEN e."${name}" ELSE r."${name}" END`;
      case "batch_number":
        return `CASE WHEN r.event_id IS NULL THEN e.batch_number ELSE coalesce(r.batch_number, e.batch_number) END`;
      // A batch with a number is named by it alone, as the loader names it now.
      case "batch_id":
      case "received_at":
        return `CASE WHEN r.event_id IS NULL OR r.batch_number IS NULL THEN e."${name}" END`;
      default:
        return `e."${name}"`;
    }
  }).join(", ");
}
/** A copied row's payload before its recipient fields are named: the row's, or its conversion's (r). */
const SOURCE_PAYLOAD = "CASE WHEN r.event_id IS NULL THEN e.payload ELSE r.payload END";
/** copiedColumns of both kinds of copy, built once. */
const COPIED = { plain: copiedColumns(false), namingTexts: copiedColumns(true) };
const KEY = "(e.event_time, e.type, e.event_id)";

/** The table a day (YYYY-MM-DD) is copied into before it is swapped in. */
export const shadowNameOf = (day: string): string => `events_${day.replaceAll("-", "")}_shadow`;

type LegacyRow = StoredEvent & { eventTime: Date; knownBatchNumber: number | null };

/** Key, in copy order, of the last row a copy step took: where the next one starts. */
type Position = [eventTime: string, type: string, eventId: string];

/**
 * Where a day's conversion is, as the runner keeps it between steps (opaque to it). `token` is the mark this run set
 * on the shadow when it started or resumed it: a step that finds another (another run took the day over) leaves the
 * day to that run.
 */
type Progress = { token: string } & ({ phase: "copy"; after: Position } | { phase: "index" } | { phase: "swap" });

export async function eventBodiesStep(
  client: pg.ClientBase,
  day: string,
  from: string | null,
  options: DayCopyOptions = {},
): Promise<BackfillStepResult> {
  const shadowName = shadowNameOf(day);
  if (from === null) return startStep(client, day, shadowName, options);
  const progress = JSON.parse(from) as Progress;
  const current = await client.query<{ token: string | null }>(
    "SELECT obj_description(to_regclass($1), 'pg_class') AS token",
    [`"${shadowName}"`],
  );
  if (current.rows[0]?.token !== progress.token) return { events: 0, next: null, abandoned: true };
  switch (progress.phase) {
    case "copy":
      return copyStep(client, day, shadowName, progress.token, progress.after, 0, options);
    case "index": {
      // One index a step (each committed by itself), then the swap.
      const built = await client.query<{ left: number }>("SELECT msgevents_index_event_shadow($1::date) AS left", [
        day,
      ]);
      const next: Progress = { token: progress.token, phase: built.rows[0]?.left ? "index" : "swap" };
      return { events: 0, next: JSON.stringify(next) };
    }
    case "swap": {
      const { loaded, textsOfErased, payloadsOfErased } = await swap(client, day, shadowName, options);
      if (textsOfErased.length === 0 && payloadsOfErased.length === 0) return { events: loaded, next: null };
      // The texts and recipient payloads only the rows erased from the day during the copy named (by their ids in the
      // shadow) go as an erasure's do, once the swap has committed: removing them takes their lock exclusively, which
      // the swap, holding the day against loads that may hold it shared, must not wait for.
      return {
        events: loaded,
        next: null,
        afterCommit: async (collecting) => {
          if (textsOfErased.length > 0) {
            await collecting.query("SELECT msgevents_collect_event_texts($1::integer[])", [textsOfErased]);
          }
          if (payloadsOfErased.length > 0) {
            await collecting.query("SELECT msgevents_collect_event_payloads($1::integer[])", [payloadsOfErased]);
          }
        },
      };
    }
  }
}

/**
 * A run's first step of the day: starts the shadow, or resumes the one an earlier run left (its rows, committed step
 * by step, are a prefix of the day in copy order): the copy goes on after its last row, or, when it has indexes
 * already (the copy was done), the indexes go on. Reports the rows the shadow held as events of this step, so that the
 * day's events count every row copied.
 */
async function startStep(
  client: pg.ClientBase,
  day: string,
  shadowName: string,
  options: DayCopyOptions,
): Promise<BackfillStepResult> {
  const started = await client.query<{ token: string | null }>(
    "SELECT msgevents_start_event_shadow($1::date) AS token",
    [day],
  );
  const token = started.rows[0]?.token;
  // No partition: retention dropped the day, which holds no event to convert.
  if (!token) return { events: 0, next: null };
  const held = await client.query<{ rows: string; eventTime: Date; type: string; eventId: string }>(
    `SELECT count(*) OVER () AS rows, event_time AS "eventTime", type, event_id AS "eventId" FROM "${shadowName}"
     ORDER BY event_time DESC, type DESC, event_id DESC LIMIT 1`,
  );
  const last = held.rows[0];
  const rows = Number(last?.rows ?? 0);
  // Indexes are built once every row is copied: a shadow that has some was copied whole, and gets the indexes it lacks
  // (the day's indexes may have changed since) before the swap.
  const indexed = await client.query("SELECT FROM pg_index WHERE indrelid = to_regclass($1)", [`"${shadowName}"`]);
  if (indexed.rows.length > 0) {
    return { events: rows, next: JSON.stringify({ token, phase: "index" } satisfies Progress) };
  }
  const after: Position | null = last ? [last.eventTime.toISOString(), last.type, last.eventId] : null;
  return copyStep(client, day, shadowName, token, after, rows, options);
}

function dayBounds(day: string): [Date, Date] {
  const start = new Date(`${day}T00:00:00.000Z`);
  return [start, new Date(start.getTime() + DAY_MS)];
}

/** Copies the next `batchRows` rows of the day after `after` into the shadow. */
async function copyStep(
  client: pg.ClientBase,
  day: string,
  shadowName: string,
  token: string,
  after: Position | null,
  copiedBefore: number,
  options: DayCopyOptions,
): Promise<BackfillStepResult> {
  const batchRows = options.batchRows ?? EVENT_BODIES_BATCH_ROWS;
  const [start, end] = dayBounds(day);
  const afterCondition = after ? `AND ${KEY} > ($3::timestamptz, $4, $5)` : "";
  const last = await client.query<{ eventTime: Date; type: string; eventId: string }>(
    `SELECT e.event_time AS "eventTime", e.type, e.event_id AS "eventId"
     FROM events AS e WHERE e.event_time >= $1 AND e.event_time < $2 ${afterCondition}
     ORDER BY e.event_time, e.type, e.event_id OFFSET ${batchRows - 1} LIMIT 1`,
    [start, end, ...(after ?? [])],
  );
  const upTo = last.rows[0];
  const upToPosition: Position | undefined = upTo && [upTo.eventTime.toISOString(), upTo.type, upTo.eventId];
  const first = after ? 6 : 3;
  const upToCondition = upToPosition ? `AND ${KEY} <= ($${first}::timestamptz, $${first + 1}, $${first + 2})` : "";
  const rows = await copyRows(
    client,
    shadowName,
    `e.event_time >= $1 AND e.event_time < $2 ${afterCondition} ${upToCondition}`,
    [start, end, ...(after ?? []), ...(upToPosition ?? [])],
    options.nameTexts ?? false,
  );
  if (upToPosition) {
    return {
      events: copiedBefore + rows,
      next: JSON.stringify({ token, phase: "copy", after: upToPosition } satisfies Progress),
    };
  }
  // Every row copied: the shadow is vacuumed before it has indexes (only its heap is read), so that it is swapped in
  // with its visibility map set (counts by index-only scans read no row from it) and its rows frozen (no anti-wraparound
  // vacuum has to write the day's pages again later). The maintenance role may: MAINTAIN on every table by default.
  // The rows counted as inserted reach the shared statistics at the commit (forced), before the vacuum clears them:
  // the vacuum of ended days has nothing left to do on the day once it is swapped in.
  await client.query("SELECT pg_stat_force_next_flush()");
  return {
    events: copiedBefore + rows,
    next: JSON.stringify({ token, phase: "index" } satisfies Progress),
    afterCommit: (vacuuming) => freezeAllVisible(vacuuming, `"${shadowName}"`),
  };
}

/**
 * Copies into the shadow the rows of events that `condition` selects (over `e`, with `values` as its parameters, the
 * first two the day's bounds), those stored before 0013 converted. Returns the rows copied.
 */
async function copyRows(
  client: pg.ClientBase,
  shadowName: string,
  condition: string,
  values: unknown[],
  nameTexts: boolean,
): Promise<number> {
  const { rows } = await client.query<LegacyRow>(
    `SELECT ${SELECTED}, b.batch_number AS "knownBatchNumber"
     FROM events AS e LEFT JOIN batches AS b ON b.batch_id = e.batch_id
     WHERE ${condition} AND e.body IS NULL`,
    values,
  );
  const converted = rows.flatMap((row) => {
    const event = currentFormatOf(row);
    return event ? [{ row, event }] : [];
  });
  const bodies = await encodeBodies(converted.map(({ event }) => event.body));
  const replaced = JSON.stringify(
    converted.map(({ row, event }, index) => ({
      event_id: row.eventId,
      type: row.type,
      event_time: row.eventTime.toISOString(),
      payload: event.payload ?? null,
      body: `\\x${bodies[index]?.toString("hex")}`,
      batch_number: row.knownBatchNumber,
      ...Object.fromEntries(METRIC_SQL_COLUMNS.map(({ key, name }) => [name, event[key] ?? null])),
    })),
  );
  const copied = await client.query(
    `${nameTexts ? namingTexts(condition) : ""}
     INSERT INTO "${shadowName}" (${INSERTED})
     SELECT ${nameTexts ? COPIED.namingTexts : COPIED.plain}
     FROM events AS e
     LEFT JOIN json_to_recordset($${values.length + 1}::json)
          AS r(event_id text, type text, event_time timestamptz, payload jsonb, body bytea, batch_number integer,
               ${METRIC_SQL_COLUMNS.map(({ name, type }) => `${name} ${type}`).join(", ")})
       ON r.event_id = e.event_id AND r.type = e.type AND r.event_time = e.event_time
     ${nameTexts ? namedTextJoins("e") : ""}
     ${nameTexts ? `LEFT JOIN named_payloads AS np ON e.payload_ref IS NULL AND np.payload_value = msgevents_recipient_payload(${SOURCE_PAYLOAD})` : ""}
     WHERE ${condition}`,
    [...values, replaced],
  );
  return copied.rowCount ?? 0;
}

/**
 * The WITH of a copy that names texts: the texts of the rows `condition` selects, named by id as a load names its
 * batch's (msgevents_name_event_texts: new ones added unless event_texts is full, in key order; the texts' lock held
 * shared until the step commits, so no text named here is removed before the rows naming it are in the shadow), and
 * the recipient payloads of those rows not named yet, likewise (msgevents_name_event_payloads, migration 0032).
 */
function namingTexts(condition: string): string {
  const texts = TEXT_REFS.map((ref) => `(${ref.field}::smallint, e."${ref.column}")`).join(", ");
  return `WITH texts AS MATERIALIZED (
       SELECT DISTINCT t.field, t.value FROM events AS e CROSS JOIN LATERAL (VALUES ${texts}) AS t(field, value)
       WHERE ${condition} AND t.value IS NOT NULL
     ), named AS MATERIALIZED (
       SELECT n.text_field, n.text_value, n.text_id
       FROM (SELECT array_agg(field ORDER BY field, value) AS fields, array_agg(value ORDER BY field, value) AS texts
             FROM texts) AS a
       CROSS JOIN LATERAL msgevents_name_event_texts(a.fields, a.texts) AS n
     ), named_payloads AS MATERIALIZED (
       SELECT n.payload_value, n.payload_id
       FROM (SELECT array_agg(DISTINCT msgevents_recipient_payload(e.payload)) AS payloads FROM events AS e
             WHERE ${condition} AND e.payload_ref IS NULL AND msgevents_recipient_payload(e.payload) IS NOT NULL) AS a
       CROSS JOIN LATERAL msgevents_name_event_payloads(a.payloads) AS n
     )`;
}

/**
 * Brings the shadow up to date with the day partition and swaps it in, in a savepoint of the step's transaction that
 * is tried again (SWAP_ATTEMPTS) when a lock is not had in time. Returns the rows loaded into the day during the copy
 * and copied now.
 */
async function swap(
  client: pg.ClientBase,
  day: string,
  shadowName: string,
  options: DayCopyOptions,
): Promise<{ loaded: number; textsOfErased: number[]; payloadsOfErased: number[] }> {
  const {
    swapLockTimeoutMs = SWAP_LOCK_TIMEOUT_MS,
    swapAttempts = SWAP_ATTEMPTS,
    swapPauseMs = SWAP_PAUSE_MS,
  } = options;
  const [start, end] = dayBounds(day);
  const inDay = "e.event_time >= $1 AND e.event_time < $2";
  const sameKey = "e.event_id = s.event_id AND e.type = s.type AND e.event_time = s.event_time";
  for (let attempt = 1; ; attempt++) {
    await client.query("SAVEPOINT event_shadow_swap");
    try {
      await client.query("SELECT set_config('lock_timeout', $1, true)", [`${swapLockTimeoutMs}ms`]);
      // From here no load writes the day until the commit: the shadow's rows become exactly the day's.
      await client.query("SELECT msgevents_lock_day_for_backfill($1::date)", [day]);
      const deleted = await client.query<{ ids: number[] | null; payloads: number[] | null }>(
        `WITH gone AS (
           DELETE FROM "${shadowName}" AS s WHERE NOT EXISTS (SELECT FROM events AS e WHERE ${inDay} AND ${sameKey})
           RETURNING ${TEXT_REFS.map((ref) => `s.${ref.ref}`).join(", ")}, s.payload_ref
         )
         SELECT (SELECT array_agg(DISTINCT t.id)
                 FROM gone CROSS JOIN LATERAL unnest(ARRAY[${TEXT_REFS.map((ref) => `gone.${ref.ref}`).join(", ")}]) AS t(id)
                 WHERE t.id IS NOT NULL) AS ids,
                (SELECT array_agg(DISTINCT gone.payload_ref) FROM gone WHERE gone.payload_ref IS NOT NULL) AS payloads`,
        [start, end],
      );
      const loaded = await copyRows(
        client,
        shadowName,
        `${inDay} AND NOT EXISTS (SELECT FROM "${shadowName}" AS s WHERE ${sameKey})`,
        [start, end],
        options.nameTexts ?? false,
      );
      await client.query("SELECT msgevents_swap_event_shadow($1::date)", [day]);
      await client.query("RELEASE SAVEPOINT event_shadow_swap");
      return {
        loaded,
        textsOfErased: deleted.rows[0]?.ids ?? [],
        payloadsOfErased: deleted.rows[0]?.payloads ?? [],
      };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= swapAttempts || typeof code !== "string" || !SWAP_RETRIED.has(code)) throw error;
      await client.query("ROLLBACK TO SAVEPOINT event_shadow_swap");
      await sleep(swapPauseMs * attempt);
    }
  }
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

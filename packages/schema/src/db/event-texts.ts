import type pg from "pg";
import { compareJsonbKeys } from "../encoding/jsonb-order.ts";
import type { StoredEvent } from "../model/events-api.ts";
import { TEXT_REFS } from "./tables.ts";

/**
 * Values read so far from a dictionary table (event_texts, event_payloads), per table and pool or client: their rows
 * never change, so an id names its value for good.
 */
const cachedValues = new WeakMap<object, Map<string, Map<number, unknown>>>();

/** A dictionary table of values named by id, and how many of its values a pool or client keeps in memory. */
interface Dictionary {
  table: "event_texts" | "event_payloads";
  maxCached: number;
}
/** Past this many cached texts the cache starts again, which bounds its memory (about 100 bytes a text). */
const TEXTS: Dictionary = { table: "event_texts", maxCached: 100_000 };
/** Recipient payloads, a few hundred bytes each once parsed. */
const PAYLOADS: Dictionary = { table: "event_payloads", maxCached: 20_000 };

/**
 * The values of `ids` in the dictionary, from the cache or one query for those not cached (the cache starts again
 * past its bound). An id whose row is gone (its events erased meanwhile) is absent.
 */
async function namedValues<Value>(
  client: pg.Pool | pg.ClientBase,
  dictionary: Dictionary,
  ids: Iterable<number>,
): Promise<Map<number, Value>> {
  let tables = cachedValues.get(client);
  if (!tables) {
    tables = new Map();
    cachedValues.set(client, tables);
  }
  let values = tables.get(dictionary.table);
  const missing = new Set<number>();
  for (const id of ids) if (!values?.has(id)) missing.add(id);
  if (!values || values.size + missing.size > dictionary.maxCached) {
    values = new Map();
    tables.set(dictionary.table, values);
  }
  if (missing.size > 0) {
    const { rows: found } = await client.query<{ id: number; value: unknown }>(
      `SELECT id, value FROM ${dictionary.table} WHERE id = ANY($1::integer[])`,
      [[...missing]],
    );
    for (const { id, value } of found) values.set(id, value);
  }
  return values as Map<number, Value>;
}

/**
 * Fills each row's subject, friendly_from and transmission_id stored as an id (TEXT_REFS, migration 0030) with the
 * text it names, and completes its payload from the recipient payload it names (payloadRef, migration 0032); rows are
 * changed in place and returned. A text removed between the rows' read and this one (its events erased meanwhile)
 * leaves the field out; such a payload adds nothing.
 */
export async function withNamedTexts<Row extends StoredEvent>(
  client: pg.Pool | pg.ClientBase,
  rows: Row[],
): Promise<Row[]> {
  const textIds: number[] = [];
  const payloadIds: number[] = [];
  for (const row of rows) {
    for (const { refKey } of TEXT_REFS) {
      const id = row[refKey];
      if (id != null) textIds.push(id);
    }
    if (row.payloadRef != null) payloadIds.push(row.payloadRef);
  }
  if (payloadIds.length > 0) {
    const payloads = await namedValues<Record<string, unknown>>(client, PAYLOADS, payloadIds);
    for (const row of rows) if (row.payloadRef != null) withNamedPayload(row, payloads.get(row.payloadRef));
  }
  if (textIds.length > 0) {
    const texts = await namedValues<string>(client, TEXTS, textIds);
    for (const row of rows) {
      for (const { key, refKey } of TEXT_REFS) {
        const id = row[refKey];
        if (id != null) (row as StoredEvent)[key] = texts.get(id) ?? null;
      }
    }
  }
  return rows;
}

/**
 * The row's payload with the recipient fields its id names, in jsonb's key order: the object the row would hold had
 * it kept them.
 */
function withNamedPayload(row: StoredEvent, named: Record<string, unknown> | undefined): void {
  if (!named) return;
  // Most rows keep nothing else in payload: the value, in jsonb's order already, is their payload (shared, never
  // changed by the readers).
  if (!row.payload) {
    row.payload = named;
    return;
  }
  const whole = { ...row.payload, ...named };
  const payload: Record<string, unknown> = {};
  for (const key of Object.keys(whole).sort(compareJsonbKeys)) payload[key] = whole[key];
  row.payload = payload;
}

/** Ids checked per statement by the collections below: each holds the dictionary's lock meanwhile (loads wait). */
const COLLECT_CHUNK = 1_000;

/**
 * Removes every text in event_texts that no stored event names any more (msgevents_collect_event_texts, a chunk of
 * ids at a time), as the maintenance does after retention dropped days. Returns how many were removed.
 */
export function collectUnnamedTexts(pool: pg.Pool): Promise<number> {
  return collectUnnamed(pool, TEXTS, "msgevents_collect_event_texts");
}

/** The same for the recipient payloads in event_payloads (msgevents_collect_event_payloads, migration 0032). */
export function collectUnnamedPayloads(pool: pg.Pool): Promise<number> {
  return collectUnnamed(pool, PAYLOADS, "msgevents_collect_event_payloads");
}

async function collectUnnamed(pool: pg.Pool, dictionary: Dictionary, collect: string): Promise<number> {
  let removed = 0;
  let after = 0;
  for (;;) {
    const { rows } = await pool.query<{ id: number }>(
      `SELECT id FROM ${dictionary.table} WHERE id > $1 ORDER BY id LIMIT $2`,
      [after, COLLECT_CHUNK],
    );
    const last = rows.at(-1);
    if (!last) return removed;
    const result = await pool.query<{ removed: number }>(`SELECT ${collect}($1::integer[]) AS removed`, [
      rows.map((row) => row.id),
    ]);
    removed += result.rows[0]?.removed ?? 0;
    after = last.id;
  }
}

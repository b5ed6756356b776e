import type pg from "pg";
import { compareJsonbKeys } from "../encoding/jsonb-order.ts";
import type { StoredEvent } from "../model/events-api.ts";
import { TEXT_REFS } from "./tables.ts";

/** Texts read so far, per pool or client: a row of event_texts never changes, so its id names it for good. */
const cachedTexts = new WeakMap<object, Map<number, string>>();
/** Past this many cached texts the cache starts again, which bounds its memory (about 100 bytes a text). */
const MAX_CACHED_TEXTS = 100_000;
/** Recipient payloads read so far, per pool or client (event_payloads' rows never change either). */
const cachedPayloads = new WeakMap<object, Map<number, Record<string, unknown>>>();
/** Past this many cached payloads the cache starts again: a few hundred bytes each once parsed. */
const MAX_CACHED_PAYLOADS = 20_000;

/**
 * Fills each row's subject, friendly_from and transmission_id stored as an id (TEXT_REFS, migration 0030) with the
 * text it names, from the cache or one query for the ids not cached; rows are changed in place and returned. A text
 * removed between the rows' read and this one (its events erased meanwhile) leaves the field out.
 */
export async function withNamedTexts<Row extends StoredEvent>(
  client: pg.Pool | pg.ClientBase,
  rows: Row[],
): Promise<Row[]> {
  await withNamedPayloads(client, rows);
  let texts = cachedTexts.get(client);
  const missing = new Set<number>();
  for (const row of rows) {
    for (const { refKey } of TEXT_REFS) {
      const id = row[refKey];
      if (id != null && !texts?.has(id)) missing.add(id);
    }
  }
  if (missing.size === 0 && !texts) return rows;
  if (!texts || texts.size + missing.size > MAX_CACHED_TEXTS) {
    texts = new Map();
    cachedTexts.set(client, texts);
  }
  if (missing.size > 0) {
    const { rows: found } = await client.query<{ id: number; value: string }>(
      "SELECT id, value FROM event_texts WHERE id = ANY($1::integer[])",
      [[...missing]],
    );
    for (const { id, value } of found) texts.set(id, value);
  }
  for (const row of rows) {
    for (const { key, refKey } of TEXT_REFS) {
      const id = row[refKey];
      if (id != null) (row as StoredEvent)[key] = texts.get(id) ?? null;
    }
  }
  return rows;
}

/**
 * Completes each row's payload whose recipient fields are stored as an id (payloadRef, migration 0032) with the
 * fields it names, from the cache or one query for the ids not cached, in jsonb's key order, so the payload is the
 * object the row would hold had it kept them; rows are changed in place. A value removed between the rows' read and
 * this one (its events erased meanwhile) adds nothing.
 */
async function withNamedPayloads(client: pg.Pool | pg.ClientBase, rows: StoredEvent[]): Promise<void> {
  let payloads = cachedPayloads.get(client);
  const missing = new Set<number>();
  for (const { payloadRef } of rows) if (payloadRef != null && !payloads?.has(payloadRef)) missing.add(payloadRef);
  if (missing.size === 0 && !payloads) return;
  if (!payloads || payloads.size + missing.size > MAX_CACHED_PAYLOADS) {
    payloads = new Map();
    cachedPayloads.set(client, payloads);
  }
  if (missing.size > 0) {
    const { rows: found } = await client.query<{ id: number; value: Record<string, unknown> }>(
      "SELECT id, value FROM event_payloads WHERE id = ANY($1::integer[])",
      [[...missing]],
    );
    for (const { id, value } of found) payloads.set(id, value);
  }
  for (const row of rows) {
    if (row.payloadRef == null) continue;
    const named = payloads.get(row.payloadRef);
    if (!named) continue;
    // Most rows keep nothing else in payload: the value, in jsonb's order already, is their payload (shared, never
    // changed by the readers).
    if (!row.payload) {
      row.payload = named;
      continue;
    }
    const whole = { ...row.payload, ...named };
    const payload: Record<string, unknown> = {};
    for (const key of Object.keys(whole).sort(compareJsonbKeys)) payload[key] = whole[key];
    row.payload = payload;
  }
}

/** Texts checked per statement by collectUnnamedTexts: each holds the texts' lock meanwhile (naming loads wait). */
const COLLECT_CHUNK = 1_000;

/**
 * Removes every text in event_texts that no stored event names any more (msgevents_collect_event_texts, a chunk of
 * ids at a time), as the maintenance does after retention dropped days. Returns how many were removed.
 */
export async function collectUnnamedTexts(pool: pg.Pool): Promise<number> {
  let removed = 0;
  let after = 0;
  for (;;) {
    const { rows } = await pool.query<{ id: number }>("SELECT id FROM event_texts WHERE id > $1 ORDER BY id LIMIT $2", [
      after,
      COLLECT_CHUNK,
    ]);
    const last = rows.at(-1);
    if (!last) return removed;
    const result = await pool.query<{ removed: number }>(
      "SELECT msgevents_collect_event_texts($1::integer[]) AS removed",
      [rows.map((row) => row.id)],
    );
    removed += result.rows[0]?.removed ?? 0;
    after = last.id;
  }
}

/**
 * Removes every recipient payload in event_payloads that no stored event names any more
 * (msgevents_collect_event_payloads, a chunk of ids at a time), as the maintenance does after retention dropped days.
 * Returns how many were removed.
 */
export async function collectUnnamedPayloads(pool: pg.Pool): Promise<number> {
  let removed = 0;
  let after = 0;
  for (;;) {
    const { rows } = await pool.query<{ id: number }>(
      "SELECT id FROM event_payloads WHERE id > $1 ORDER BY id LIMIT $2",
      [after, COLLECT_CHUNK],
    );
    const last = rows.at(-1);
    if (!last) return removed;
    const result = await pool.query<{ removed: number }>(
      "SELECT msgevents_collect_event_payloads($1::integer[]) AS removed",
      [rows.map((row) => row.id)],
    );
    removed += result.rows[0]?.removed ?? 0;
    after = last.id;
  }
}

import type pg from "pg";
import { splitPayload } from "../db/insert-events.ts";
import { type EventInsert, TEXT_REFS } from "../db/tables.ts";
import { inJsonbOrder } from "../encoding/jsonb-order.ts";

/** A text for event_texts with the id a bench gave it. */
export interface NumberedText {
  id: number;
  field: number;
  text: string;
}

/** A recipient payload for event_payloads (rcpt_meta and rcpt_tags) with the id a bench gave it. */
export interface NumberedPayload {
  id: number;
  value: Record<string, unknown>;
}

/** What a TextNumbering numbered since its last takeNew(), for storeNumberedTexts. */
export interface NumberedTexts {
  texts: NumberedText[];
  payloads: NumberedPayload[];
}

type NamedColumns = Partial<
  Pick<EventInsert, (typeof TEXT_REFS)[number]["key"] | (typeof TEXT_REFS)[number]["refKey"] | "payload" | "payloadRef">
>;

/**
 * Ids for the subjects, senders and transmissions (migration 0030) and the recipient payloads (0032) of rows that
 * benches store without the loader (COPY, a bulk INSERT), in the order first met, so that the rows are those the
 * loader would store.
 */
export class TextNumbering {
  private readonly ids = new Map<string, number>();
  private readonly payloadIds = new Map<string, number>();
  private fresh: NumberedTexts = { texts: [], payloads: [] };

  /** A copy of the row with each TEXT_REFS text and its recipient payload replaced by an id, as the loader stores it. */
  named<Row extends NamedColumns>(row: Row): Row {
    const named: Row = { ...row };
    for (const { field, key, refKey } of TEXT_REFS) {
      const text = row[key];
      if (typeof text !== "string") continue;
      let id = this.ids.get(`${field}:${text}`);
      if (id === undefined) {
        id = this.ids.size + 1;
        this.ids.set(`${field}:${text}`, id);
        this.fresh.texts.push({ id, field, text });
      }
      named[key] = null;
      named[refKey] = id;
    }
    const { recipient, rest } = splitPayload(row.payload);
    if (recipient) {
      const value = inJsonbOrder(recipient) as Record<string, unknown>;
      const text = JSON.stringify(value);
      let id = this.payloadIds.get(text);
      if (id === undefined) {
        id = this.payloadIds.size + 1;
        this.payloadIds.set(text, id);
        this.fresh.payloads.push({ id, value });
      }
      named.payload = rest;
      named.payloadRef = id;
    }
    return named;
  }

  /** The texts and payloads numbered since the last call, for storeNumberedTexts. */
  takeNew(): NumberedTexts {
    const taken = this.fresh;
    this.fresh = { texts: [], payloads: [] };
    return taken;
  }
}

/**
 * Stores numbered texts in event_texts and payloads in event_payloads under their ids (and moves the id sequences
 * past them).
 */
export async function storeNumberedTexts(pool: pg.Pool, { texts, payloads }: NumberedTexts): Promise<void> {
  if (texts.length > 0) {
    await pool.query(
      `INSERT INTO event_texts (id, field, value) OVERRIDING SYSTEM VALUE
       SELECT * FROM unnest($1::integer[], $2::smallint[], $3::text[])`,
      [texts.map((text) => text.id), texts.map((text) => text.field), texts.map((text) => text.text)],
    );
    await pool.query("SELECT setval('event_texts_id_seq', (SELECT max(id) FROM event_texts))");
  }
  if (payloads.length > 0) {
    await pool.query(
      `INSERT INTO event_payloads (id, value) OVERRIDING SYSTEM VALUE
       SELECT * FROM unnest($1::integer[], $2::jsonb[])`,
      [payloads.map((payload) => payload.id), payloads.map((payload) => JSON.stringify(payload.value))],
    );
    await pool.query("SELECT setval('event_payloads_id_seq', (SELECT max(id) FROM event_payloads))");
  }
}

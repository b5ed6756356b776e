import type pg from "pg";
import { type EventInsert, TEXT_REFS } from "../db/tables.ts";

/** A text for event_texts with the id a bench gave it. */
export interface NumberedText {
  id: number;
  field: number;
  text: string;
}

type NamedColumns = Partial<
  Pick<EventInsert, (typeof TEXT_REFS)[number]["key"] | (typeof TEXT_REFS)[number]["refKey"]>
>;

/**
 * Ids for the subjects, senders and transmissions of rows that benches store without the loader (COPY, a bulk
 * INSERT), in the order first met, so that the rows are those the loader would store (migration 0030).
 */
export class TextNumbering {
  private readonly ids = new Map<string, number>();
  private fresh: NumberedText[] = [];

  /** A copy of the row with each TEXT_REFS text replaced by its id, as the loader stores it. */
  named<Row extends NamedColumns>(row: Row): Row {
    const named: Row = { ...row };
    for (const { field, key, refKey } of TEXT_REFS) {
      const text = row[key];
      if (typeof text !== "string") continue;
      let id = this.ids.get(`${field}:${text}`);
      if (id === undefined) {
        id = this.ids.size + 1;
        this.ids.set(`${field}:${text}`, id);
        this.fresh.push({ id, field, text });
      }
      named[key] = null;
      named[refKey] = id;
    }
    return named;
  }

  /** The texts numbered since the last call, for storeNumberedTexts. */
  takeNew(): NumberedText[] {
    const taken = this.fresh;
    this.fresh = [];
    return taken;
  }
}

/** Stores numbered texts in event_texts under their ids (and moves its id sequence past them). */
export async function storeNumberedTexts(pool: pg.Pool, texts: readonly NumberedText[]): Promise<void> {
  if (texts.length === 0) return;
  await pool.query(
    `INSERT INTO event_texts (id, field, value) OVERRIDING SYSTEM VALUE
     SELECT * FROM unnest($1::integer[], $2::smallint[], $3::text[])`,
    [texts.map((text) => text.id), texts.map((text) => text.field), texts.map((text) => text.text)],
  );
  await pool.query("SELECT setval('event_texts_id_seq', (SELECT max(id) FROM event_texts))");
}

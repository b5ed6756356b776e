import { TEXT_REFS, type TextRef } from "./tables.ts";

// The SQL both writers of rows share when they name texts by id (migration 0030): the loader's INSERT
// (insert-events.ts) and the texts-by-id backfill's copy (backfills/event-bodies.ts). Each selects from a source alias
// (`source`, whose columns are events' own) beside a CTE `named` of msgevents_name_event_texts' rows, joined once per
// TEXT_REFS field under the ref column's name.

const TEXT_REF_OF_COLUMN = new Map<string, TextRef>(TEXT_REFS.map((ref) => [ref.column, ref]));
const TEXT_REF_OF_REF = new Map<string, TextRef>(TEXT_REFS.map((ref) => [ref.ref, ref]));

/** The joins of `source`'s texts to their ids in `named` (NULL where a text has none). */
export function namedTextJoins(source: string): string {
  return TEXT_REFS.map(
    (ref) =>
      `LEFT JOIN named AS ${ref.ref} ON ${ref.ref}.text_field = ${ref.field} AND ${ref.ref}.text_value = ${source}.${ref.column}`,
  ).join("\n");
}

/**
 * The value a row stores in `column` from `source`: for a TEXT_REFS text column, the text only where it has no id (a
 * row holds a field's text or its id, never both); for a ref column, the source's id or else the named one; any other
 * column, undefined (the caller's own).
 */
export function namedTextValue(column: string, source: string): string | undefined {
  const text = TEXT_REF_OF_COLUMN.get(column);
  if (text) return `CASE WHEN ${text.ref}.text_id IS NULL THEN ${source}.${column} END`;
  const ref = TEXT_REF_OF_REF.get(column);
  if (ref) return `coalesce(${source}.${column}, ${ref.ref}.text_id)`;
  return undefined;
}

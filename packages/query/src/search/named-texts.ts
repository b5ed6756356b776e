import { TEXT_REFS, type TextRef } from "@msgevents/schema";
import { type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { MatchMode } from "./filters.ts";
import { textArray } from "./tokens.ts";

/** The text stored as an id (TEXT_REFS, migration 0030) of a filter's field, if it is one. */
export function namedTextOf(field: string): TextRef | undefined {
  return TEXT_REFS.find((ref) => ref.column === field);
}

/**
 * The ids in event_texts of the texts that the filter's values match, matched as the re-check matches a row's own
 * text (the database's keyword functions, its lower()). A subject keyword goes through event_texts' keyword index.
 * Past MAX_NAMED_IDS matches, the statement that lists them instead (see NamedTexts).
 */
export async function namedTextIds(
  db: NodePgDatabase,
  ref: TextRef,
  mode: MatchMode,
  values: readonly string[],
): Promise<NamedTexts> {
  // A literal field number: the keyword index's predicate (field = 1) must be provable from the query's text.
  const field = sql.raw(String(ref.field));
  const wanted = sql`${textArray(values)}::text[]`;
  // Domain keywords (split at periods too) are not among TEXT_REFS' fields.
  if (mode === "domain") throw new Error(`${ref.column} is not searched by domain`);
  const matching =
    mode === "keyword"
      ? sql`SELECT t.id
          FROM unnest(${wanted}) AS w(value)
          JOIN event_texts AS t
            ON t.field = ${field}
           AND msgevents_keyword_hashes('', t.value, false) @> msgevents_keyword_hashes('', w.value, false)
           AND msgevents_has_keywords(t.value, false, msgevents_keyword_phrase(w.value, false))
          WHERE cardinality(msgevents_keywords(w.value, false)) > 0`
      : mode === "lower"
        ? sql`SELECT t.id FROM event_texts AS t
            WHERE t.field = ${field} AND lower(t.value) IN (SELECT lower(w.value) FROM unnest(${wanted}) AS w(value))`
        : sql`SELECT t.id FROM event_texts AS t WHERE t.field = ${field} AND t.value = ANY(${wanted})`;
  return namedBy(db, matching);
}

/** The ids `matching` (a statement listing ids) selects, or the statement itself past MAX_NAMED_IDS of them. */
async function namedBy(db: NodePgDatabase, matching: SQL): Promise<NamedTexts> {
  const result = await db.execute<{ ids: number[] }>(
    sql`SELECT ARRAY(SELECT DISTINCT m.id FROM (${matching}) AS m ORDER BY 1 LIMIT ${MAX_NAMED_IDS + 1}) AS ids`,
  );
  const ids = result.rows[0]?.ids ?? [];
  return ids.length > MAX_NAMED_IDS ? { matching } : { ids };
}

/**
 * Past this many matching texts, a search names them by the statement that lists them rather than by a list: each
 * day's part of a page repeats the list (twice), and a list of thousands of ids costs more to send and to plan than
 * the subquery costs to run.
 */
export const MAX_NAMED_IDS = 1000;

/** The texts a filter's values match: their ids, or (past MAX_NAMED_IDS) the statement that lists them. */
export type NamedTexts = { ids: number[] } | { matching: SQL };

/**
 * The ids in event_payloads (migration 0032) of the recipient payloads a rcpt_meta or rcpt_tags filter matches: the
 * tokens its values hash to (`k=key=value`, `g=tag`, as the events' search index hashes them) found through the
 * payloads' hashes index, then `matches` checked on each, as a row's own payload is checked. Past MAX_NAMED_IDS
 * matches, the statement that lists them instead.
 */
export async function namedPayloadIds(
  db: NodePgDatabase,
  tokens: readonly string[],
  matches: SQL,
): Promise<NamedTexts> {
  return namedBy(
    db,
    sql`SELECT p.id FROM event_payloads AS p
      WHERE msgevents_payload_hashes(p.value) && ARRAY(SELECT hashtext(t) FROM unnest(${textArray(tokens)}::text[]) AS t)
        AND ${matches}`,
  );
}

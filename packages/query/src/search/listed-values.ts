import { VALUE_LISTED_FIELDS, type ValueListedField } from "@msgevents/schema";
import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { MatchMode } from "./filters.ts";
import { textArray } from "./tokens.ts";

/** The field of a keyword filter whose distinct values the database lists (search_values), if it is one. */
export function listedField(field: string, mode: MatchMode): ValueListedField | undefined {
  return mode === "keyword" ? VALUE_LISTED_FIELDS.find((listed) => listed === field) : undefined;
}

/** Past this many matching values a search keeps to the token index: a long `= ANY` list stops paying off. */
export const MAX_LISTED_VALUES = 1000;

/**
 * The stored values of `field` that match any of the keyword searches in `wanted` (SparkPost keyword semantics, the
 * same functions as the token index), or undefined when the list cannot answer exactly and cheaply: some value of the
 * field was too long for its column, or more than MAX_LISTED_VALUES values match.
 */
export async function listMatchingValues(
  db: NodePgDatabase,
  field: ValueListedField,
  wanted: readonly string[],
): Promise<string[] | undefined> {
  const result = await db.execute<{ overlong: boolean; matches: string[] }>(sql`
    SELECT
      EXISTS (SELECT FROM search_values WHERE field = ${`${field}:overlong`}) AS overlong,
      ARRAY(
        SELECT DISTINCT listed.value
        FROM unnest(${textArray(wanted)}::text[]) AS wanted (value)
        CROSS JOIN LATERAL (
          SELECT candidate.value
          FROM search_values AS candidate
          WHERE candidate.field = ${field}
            AND msgevents_keyword_hashes('', candidate.value, false) @> msgevents_keyword_hashes('', wanted.value, false)
            AND msgevents_has_keywords(candidate.value, false, msgevents_keyword_phrase(wanted.value, false))
          LIMIT ${MAX_LISTED_VALUES + 1}
        ) AS listed
        WHERE cardinality(msgevents_keywords(wanted.value, false)) > 0
        LIMIT ${MAX_LISTED_VALUES + 1}
      ) AS matches`);
  const row = result.rows[0];
  if (!row || row.overlong || row.matches.length > MAX_LISTED_VALUES) return undefined;
  return row.matches;
}

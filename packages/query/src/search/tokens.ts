import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { MatchMode } from "./filters.ts";

export interface TokenRequest {
  prefix: string;
  value: string;
  mode: MatchMode;
}

export interface ResolvedToken {
  /** Hashes the search-token index holds for this value; all must be present. Empty: the value has no keyword. */
  hashes: number[];
  /** What the exact re-check compares: the keyword phrase, the lower-cased value, or the value itself. */
  match: string;
}

/**
 * Turns filter values into search-token hashes with the database's own functions (migration 0002), so queries use
 * exactly the tokenization, lower-casing and hashing the index was built with. One round trip for all values.
 */
export async function resolveTokens(db: NodePgDatabase, requests: TokenRequest[]): Promise<ResolvedToken[]> {
  if (requests.length === 0) return [];
  const result = await db.execute<{ hashes: number[]; match: string }>(sql`
    SELECT
      CASE t.mode
        WHEN 'keyword' THEN msgevents_keyword_hashes(t.prefix, t.value, false)
        WHEN 'domain' THEN msgevents_keyword_hashes(t.prefix, t.value, true)
        WHEN 'lower' THEN ARRAY[hashtext(t.prefix || lower(t.value))]
        ELSE ARRAY[hashtext(t.prefix || t.value)]
      END AS hashes,
      CASE t.mode
        WHEN 'keyword' THEN msgevents_keyword_phrase(t.value, false)
        WHEN 'domain' THEN msgevents_keyword_phrase(t.value, true)
        WHEN 'lower' THEN lower(t.value)
        ELSE t.value
      END AS match
    FROM unnest(
      ${textArray(requests.map((r) => r.prefix))}::text[],
      ${textArray(requests.map((r) => r.value))}::text[],
      ${textArray(requests.map((r) => r.mode))}::text[]
    ) WITH ORDINALITY AS t (prefix, value, mode, n)
    ORDER BY t.n`);
  return result.rows.map((row) => ({ hashes: row.hashes, match: row.match }));
}

/** A PostgreSQL array literal for a bound parameter (the values are data, never SQL text). */
export function textArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}

export function integerArray(values: readonly number[]): string {
  return `{${values.map((value) => String(Math.trunc(value))).join(",")}}`;
}

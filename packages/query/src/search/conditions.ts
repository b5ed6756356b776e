import { eventSearchHashes, events, type ValueListedField } from "@msgevents/schema";
import { and, inArray, or, type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { type MatchMode, type SearchFilters, TEXT_FILTERS, type TextFilterName } from "./filters.ts";
import { keywordPattern } from "./keyword-pattern.ts";
import { listedField, listMatchingValues } from "./listed-values.ts";
import { COUNTED_PREFIXES, EVERY_EVENT_TOKEN, MAX_COUNTED_TOKEN_LENGTH, typeToken } from "./token-counts.ts";
import { integerArray, type ResolvedToken, resolveTokens, type TokenRequest, textArray } from "./tokens.ts";

/** One filter: its values' token requests, and how to combine their resolved tokens into a condition. */
interface PendingFilter {
  requests: TokenRequest[];
  /**
   * The search_token_counts token of a resolved single value, when that table counts its matches (see
   * countedToken).
   */
  countedToken?(resolved: ResolvedToken): string | undefined;
  /** For a keyword filter over a listed field: the field, whose matching values may replace the token index. */
  listed?: ValueListedField;
  /** The exact condition for the values, checked on the index's candidates. */
  recheck(resolved: ResolvedToken[]): SQL | undefined;
}

/**
 * The index condition for alternatives: a value matches the index when all its hashes are present. Values with one
 * hash share a single overlap test; a value without any keyword can match nothing.
 */
function indexCondition(resolved: ResolvedToken[]): SQL {
  const single = resolved.filter((token) => token.hashes.length === 1).flatMap((token) => token.hashes);
  const multi = resolved.filter((token) => token.hashes.length > 1);
  const parts: SQL[] = multi.map((token) => sql`${eventSearchHashes} @> ${integerArray(token.hashes)}::int4[]`);
  if (single.length > 0) parts.unshift(sql`${eventSearchHashes} && ${integerArray(single)}::int4[]`);
  if (parts.length === 0) return sql`false`;
  return parts.length === 1 ? (parts[0] as SQL) : (or(...parts) as SQL);
}

/** The field's text: its column, or the payload when the value was too long for the column. */
function fieldText(field: string): SQL {
  return sql`coalesce(${sql.identifier(field)}, ${events.payload} ->> ${sql.raw(`'${field}'`)})`;
}

function textRecheck(field: string, mode: MatchMode, resolved: ResolvedToken[]): SQL | undefined {
  const usable = resolved.filter((token) => token.hashes.length > 0);
  if (usable.length === 0) return undefined;
  const text = fieldText(field);
  switch (mode) {
    case "keyword":
    case "domain": {
      const pattern = keywordPattern(
        usable.map((token) => token.match),
        mode === "domain",
      );
      return pattern === undefined ? undefined : sql`lower(${text}) ~ ${pattern}`;
    }
    case "lower":
      return inArray(
        sql`lower(${text})`,
        usable.map((token) => token.match),
      );
    case "exact":
      return inArray(
        text,
        usable.map((token) => token.match),
      );
  }
}

/**
 * The token under which search_token_counts counts the events a single value matches: one keyword, any phrase of a
 * domain field (its runs of keywords are counted), or a whole value of a counted exact field. A phrase of another
 * keyword field must match in order, which the counts of its keywords cannot tell.
 */
function countedToken(prefix: string, mode: MatchMode, resolved: ResolvedToken): string | undefined {
  const keywords = resolved.hashes.length;
  if (!COUNTED_PREFIXES.has(prefix) || keywords === 0 || (keywords > 1 && mode !== "domain")) return undefined;
  const token = `${prefix}${mode === "keyword" || mode === "domain" ? resolved.match.trim() : resolved.match}`;
  // Characters as PostgreSQL's length() counts them: code points.
  return [...token].length <= MAX_COUNTED_TOKEN_LENGTH ? token : undefined;
}

function pendingFilters(filters: SearchFilters): PendingFilter[] {
  const pending: PendingFilter[] = [];
  for (const [name, values] of Object.entries(filters.text ?? {}) as [TextFilterName, string[]][]) {
    if (values.length === 0) continue;
    const { field, prefix, mode } = TEXT_FILTERS[name];
    const listed = listedField(field, mode);
    pending.push({
      ...(listed ? { listed } : {}),
      requests: values.map((value) => ({ prefix, value, mode })),
      recheck: (resolved) => textRecheck(field, mode, resolved),
      countedToken: (resolved) => countedToken(prefix, mode, resolved),
    });
  }
  if (filters.subaccounts?.length) {
    const values = filters.subaccounts;
    pending.push({
      requests: values.map((value) => ({ prefix: "a=", value: String(value), mode: "exact" })),
      recheck: () => inArray(events.subaccountId, values),
      countedToken: (resolved) => countedToken("a=", "exact", resolved),
    });
  }
  if (filters.bounceClasses?.length) {
    const values = filters.bounceClasses;
    pending.push({
      requests: values.map((value) => ({ prefix: "b=", value: String(value), mode: "exact" })),
      recheck: () => inArray(events.bounceClass, values),
      countedToken: (resolved) => countedToken("b=", "exact", resolved),
    });
  }
  for (const { key, values } of filters.rcptMeta ?? []) {
    pending.push({
      requests: values.map((value) => ({ prefix: "k=", value: `${key}=${value}`, mode: "exact" })),
      recheck: () =>
        or(...values.map((value) => sql`msgevents_meta_matches(${events.payload} -> 'rcpt_meta', ${key}, ${value})`)),
    });
  }
  if (filters.rcptTags?.length) {
    const tags = filters.rcptTags;
    pending.push({
      requests: tags.map((value) => ({ prefix: "g=", value, mode: "exact" })),
      recheck: () => sql`(${events.payload} -> 'rcpt_tags') ?| ${textArray(tags)}::text[]`,
    });
  }
  return pending;
}

export interface FilterConditions {
  /** To be AND-ed; token filters as index condition and exact re-check (for plans over the token index). */
  conditions: SQL[];
  /**
   * The same filters with token filters as their exact re-check alone: cheap per row, for plans that walk the time
   * index and must never compute the token expression row by row. Equal to `conditions` without token filters.
   */
  exact: SQL[];
  /** Some filter goes through the search-token index. */
  usesTokenIndex: boolean;
  /**
   * Set when the only filter is one listed field matched by value: the count can then go partition by partition over
   * that field's B-tree (msgevents_count_by_value) instead of reading every matching row.
   */
  countByValue?: { column: ValueListedField; values: string[] };
  /**
   * Set when search_token_counts can count the matches (token-counts.ts): tokens that no event holds two of, whose
   * events are exactly the matches. No filter ('*'), event types alone, or one counted value of one other filter.
   */
  countedTokens?: string[];
}

/**
 * Every filter as SQL conditions, resolving search tokens (and the matching values of listed fields) side by side in
 * one round trip each.
 */
export async function filterConditions(db: NodePgDatabase, filters: SearchFilters): Promise<FilterConditions> {
  const plain: SQL[] = [];
  if (filters.eventIds?.length) plain.push(inArray(events.eventId, filters.eventIds));
  if (filters.types?.length) plain.push(inArray(events.type, filters.types));
  if (filters.abTestVersions?.length) plain.push(inArray(events.abTestVersion, filters.abTestVersions));
  const conditions = [...plain];
  const exact = [...plain];

  const pending = pendingFilters(filters);
  const [resolved, ...listedValues] = await Promise.all([
    resolveTokens(
      db,
      pending.flatMap((filter) => filter.requests),
    ),
    ...pending.map((filter) =>
      filter.listed
        ? listMatchingValues(
            db,
            filter.listed,
            filter.requests.map((request) => request.value),
          )
        : undefined,
    ),
  ]);
  let countByValue: FilterConditions["countByValue"];
  let usesTokenIndex = false;
  let next = 0;
  pending.forEach((filter, index) => {
    const tokens = resolved.slice(next, next + filter.requests.length);
    next += filter.requests.length;
    const values = listedValues[index];
    if (filter.listed && values) {
      const condition = values.length > 0 ? inArray(sql.identifier(filter.listed), values) : sql`false`;
      conditions.push(condition);
      exact.push(condition);
      if (values.length > 0) countByValue = { column: filter.listed, values };
      return;
    }
    const recheck = filter.recheck(tokens);
    if (!recheck) {
      conditions.push(sql`false`);
      exact.push(sql`false`);
      return;
    }
    usesTokenIndex = true;
    conditions.push(and(indexCondition(tokens), recheck) as SQL);
    exact.push(recheck);
  });
  const countedTokens = countedTokensOf(filters, pending, resolved);
  const result = { conditions, exact, usesTokenIndex, ...(countedTokens ? { countedTokens } : {}) };
  return conditions.length === 1 && countByValue ? { ...result, countByValue } : result;
}

/** The search_token_counts tokens whose counts sum to the number of matches, if there are such (see countedTokens). */
function countedTokensOf(
  filters: SearchFilters,
  pending: PendingFilter[],
  resolved: ResolvedToken[],
): string[] | undefined {
  if (filters.eventIds?.length || filters.abTestVersions?.length) return undefined;
  const types = filters.types ?? [];
  if (pending.length === 0) return types.length > 0 ? types.map(typeToken) : [EVERY_EVENT_TOKEN];
  const [only] = pending;
  const [token] = resolved;
  if (types.length > 0 || pending.length > 1 || only?.requests.length !== 1 || !token) return undefined;
  const counted = only.countedToken?.(token);
  return counted === undefined ? undefined : [counted];
}

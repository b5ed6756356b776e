import {
  COMMON_EVENT_TYPES,
  eventSearchHashes,
  events,
  eventTextRefs,
  type TextRef,
  textRefsPresent,
  type ValueListedField,
} from "@msgevents/schema";
import { and, inArray, or, type SQL, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { type MatchMode, type SearchFilters, TEXT_FILTERS, type TextFilterName } from "./filters.ts";
import { keywordPattern } from "./keyword-pattern.ts";
import { listedField, listMatchingValues } from "./listed-values.ts";
import { type NamedTexts, namedPayloadIds, namedTextIds, namedTextOf } from "./named-texts.ts";
import type { FilterPart, MatchBound } from "./selective-filters.ts";
import { COUNTED_PREFIXES, EVERY_EVENT_TOKEN, MAX_COUNTED_TOKEN_LENGTH, typeToken } from "./token-counts.ts";
import { integerArray, type ResolvedToken, resolveTokens, type TokenRequest, textArray } from "./tokens.ts";

/** At most this many events are taken to share a message id, when choosing plans (never answers). */
const EVENTS_PER_MESSAGE = 50;

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
  /**
   * For a filter over a text stored as an id in rows since migration 0030 (a recipient payload since 0032): the
   * conditions on those rows (they name one of the texts its values match, through the ids' index), undefined when
   * none matches.
   */
  named?(db: NodePgDatabase): Promise<NamedTextCondition | undefined>;
  /** How many events the resolved values can match at most (see MatchBound). */
  bound(resolved: ResolvedToken[]): MatchBound;
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

interface NamedTextCondition {
  index: SQL;
  recheck: SQL;
}

/**
 * Rows that name one of the matching texts in the ref column (migration 0030): the text-refs index's overlap test
 * (with the index's predicate, which the planner must see beside it), and the exact re-check. The texts are of the
 * field alone, so a row holds one of them exactly when its ref column does: the index test is exact too. Undefined
 * when no text matches.
 */
function namedTextCondition(ref: TextRef, named: NamedTexts): NamedTextCondition | undefined {
  return namedCondition(
    named,
    sql`${sql.identifier(ref.ref)}`,
    (ids) => sql`(${eventTextRefs} && ${ids} AND ${textRefsPresent})`,
  );
}

/**
 * Rows that name one of the matching recipient payloads (migration 0032): through the payload-refs B-tree (its
 * predicate beside the test), exact as the texts' test is. Undefined when no payload matches.
 */
function namedPayloadCondition(named: NamedTexts): NamedTextCondition | undefined {
  return namedCondition(named, sql`payload_ref`, (ids) => sql`(payload_ref = ANY(${ids}) AND payload_ref IS NOT NULL)`);
}

/** The index test and re-check of the rows whose `column` holds one of the named ids; undefined when none. */
function namedCondition(named: NamedTexts, column: SQL, indexTest: (ids: SQL) => SQL): NamedTextCondition | undefined {
  if ("ids" in named && named.ids.length === 0) return undefined;
  if ("matching" in named) {
    // Many ids: the re-check probes a hash of them, the index test takes them as an array.
    return { index: indexTest(sql`ARRAY(${named.matching})`), recheck: sql`${column} IN (${named.matching})` };
  }
  const list = sql`${integerArray(named.ids)}::int4[]`;
  return { index: indexTest(list), recheck: sql`${column} = ANY(${list})` };
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
  if (resolved.hashes.length === 0) return undefined;
  const tokens = boundingTokens(prefix, mode, resolved);
  return tokens?.length === 1 ? tokens[0] : undefined;
}

/**
 * The search_token_counts tokens whose smallest count bounds the matches of a single value: its keywords (a phrase
 * matches only events holding every one of them), a domain phrase's run, or a counted exact value. Undefined when
 * the field is not counted or a token is too long to be (in characters as PostgreSQL's length() counts them: code
 * points).
 */
function boundingTokens(prefix: string, mode: MatchMode, resolved: ResolvedToken): string[] | undefined {
  if (!COUNTED_PREFIXES.has(prefix)) return undefined;
  const tokens =
    mode === "keyword"
      ? resolved.match
          .trim()
          .split(" ")
          .filter((keyword) => keyword.length > 0)
          .map((keyword) => `${prefix}${keyword}`)
      : [`${prefix}${mode === "domain" ? resolved.match.trim() : resolved.match}`];
  return tokens.every((token) => [...token].length <= MAX_COUNTED_TOKEN_LENGTH) ? tokens : undefined;
}

/** A filter's bound from its values' counted tokens; unknown when one value has none. */
function countedBound(prefix: string, mode: MatchMode, resolved: ResolvedToken[]): MatchBound {
  const values: string[][] = [];
  for (const token of resolved) {
    // A value without keywords matches nothing and bounds nothing.
    if (token.hashes.length === 0) continue;
    const tokens = boundingTokens(prefix, mode, token);
    if (!tokens) return { kind: "unknown" };
    values.push(tokens);
  }
  return { kind: "counted", values };
}

function pendingFilters(filters: SearchFilters): PendingFilter[] {
  const pending: PendingFilter[] = [];
  for (const [name, values] of Object.entries(filters.text ?? {}) as [TextFilterName, string[]][]) {
    if (values.length === 0) continue;
    const { field, prefix, mode } = TEXT_FILTERS[name];
    const listed = listedField(field, mode);
    const ref = namedTextOf(field);
    pending.push({
      ...(listed ? { listed } : {}),
      ...(ref
        ? { named: async (db: NodePgDatabase) => namedTextCondition(ref, await namedTextIds(db, ref, mode, values)) }
        : {}),
      requests: values.map((value) => ({ prefix, value, mode })),
      recheck: (resolved) => textRecheck(field, mode, resolved),
      bound: (resolved) =>
        // A message's events are a handful: a bound for choosing plans, not for answers.
        prefix === "m="
          ? { kind: "atMost", events: EVENTS_PER_MESSAGE * resolved.length }
          : countedBound(prefix, mode, resolved),
      countedToken: (resolved) => countedToken(prefix, mode, resolved),
    });
  }
  if (filters.subaccounts?.length) {
    const values = filters.subaccounts;
    pending.push({
      requests: values.map((value) => ({ prefix: "a=", value: String(value), mode: "exact" })),
      recheck: () => inArray(events.subaccountId, values),
      bound: (resolved) => countedBound("a=", "exact", resolved),
      countedToken: (resolved) => countedToken("a=", "exact", resolved),
    });
  }
  if (filters.bounceClasses?.length) {
    const values = filters.bounceClasses;
    pending.push({
      requests: values.map((value) => ({ prefix: "b=", value: String(value), mode: "exact" })),
      recheck: () => inArray(events.bounceClass, values),
      bound: (resolved) => countedBound("b=", "exact", resolved),
      countedToken: (resolved) => countedToken("b=", "exact", resolved),
    });
  }
  // Rows since migration 0032 name their rcpt_meta and rcpt_tags by id (event_payloads), checked there the same way.
  const metaMatches = (payload: SQL, key: string, values: string[]) =>
    or(...values.map((value) => sql`msgevents_meta_matches(${payload} -> 'rcpt_meta', ${key}, ${value})`)) as SQL;
  const tagsMatch = (payload: SQL, tags: string[]) => sql`(${payload} -> 'rcpt_tags') ?| ${textArray(tags)}::text[]`;
  for (const { key, values } of filters.rcptMeta ?? []) {
    const tokens = values.map((value) => `k=${key}=${value}`);
    pending.push({
      requests: values.map((value) => ({ prefix: "k=", value: `${key}=${value}`, mode: "exact" })),
      named: async (db) =>
        namedPayloadCondition(await namedPayloadIds(db, tokens, metaMatches(sql`p.value`, key, values))),
      recheck: () => metaMatches(sql`${events.payload}`, key, values),
      bound: () => ({ kind: "unknown" }),
    });
  }
  if (filters.rcptTags?.length) {
    const tags = filters.rcptTags;
    const tokens = tags.map((tag) => `g=${tag}`);
    pending.push({
      requests: tags.map((value) => ({ prefix: "g=", value, mode: "exact" })),
      named: async (db) => namedPayloadCondition(await namedPayloadIds(db, tokens, tagsMatch(sql`p.value`, tags))),
      recheck: () => tagsMatch(sql`${events.payload}`, tags),
      bound: () => ({ kind: "unknown" }),
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
  /**
   * Each filter's part of `conditions`, in order, with its bound: for leaving the index conditions of filters that
   * match far more events than another to their re-checks (selective-filters.ts).
   */
  parts: FilterPart[];
}

/**
 * Every filter as SQL conditions, resolving search tokens (and the matching values of listed fields) side by side in
 * one round trip each.
 */
export async function filterConditions(db: NodePgDatabase, filters: SearchFilters): Promise<FilterConditions> {
  const parts: FilterPart[] = [];
  const unknown: MatchBound = { kind: "unknown" };
  if (filters.eventIds?.length) {
    // An id names one event: the primary key finds them.
    const bound: MatchBound = { kind: "atMost", events: filters.eventIds.length };
    parts.push({ condition: inArray(events.eventId, filters.eventIds), bound });
  }
  if (filters.types?.length) {
    // The rare-type index holds the rarer types, led by the type; the time index holds every type, but after the time,
    // so a list with a common type reads every entry of the window there. Beside a far more selective filter, the
    // type is checked on that filter's rows instead: `type || ''` is the same value, which no index holds.
    const bound: MatchBound = { kind: "counted", values: filters.types.map((type) => [typeToken(type)]) };
    const condition = inArray(events.type, filters.types);
    parts.push({
      condition,
      recheck: inArray(sql`(${events.type} || '')`, filters.types),
      exact: condition,
      bound,
      scansWindow: filters.types.some((type) => (COMMON_EVENT_TYPES as readonly string[]).includes(type)),
    });
  }
  if (filters.abTestVersions?.length) {
    parts.push({ condition: inArray(events.abTestVersion, filters.abTestVersions), bound: unknown });
  }

  const pending = pendingFilters(filters);
  const [resolved, namedConditions, ...listedValues] = await Promise.all([
    resolveTokens(
      db,
      pending.flatMap((filter) => filter.requests),
    ),
    Promise.all(pending.map((filter) => filter.named?.(db))),
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
      // The listed values match at most what the keywords searched for do.
      parts.push({ condition, bound: filter.bound(tokens) });
      if (values.length > 0) countByValue = { column: filter.listed, values };
      return;
    }
    const textRecheck = filter.recheck(tokens);
    const named = namedConditions[index];
    if (!textRecheck) {
      // No value has a keyword: nothing matches, stored as a text or as an id.
      parts.push({ condition: sql`false`, bound: { kind: "atMost", events: 0 } });
      return;
    }
    usesTokenIndex = true;
    // Rows since migration 0030 name the text by id: they match through the text-refs index instead. A row holds the
    // text or the id, and the ids' index test is exact, so the rows that pass either index test and either re-check
    // are exactly those that pass one index test and its own re-check; in this form the plan reads both indexes
    // (BitmapOr) and re-checks rows without computing their tokens.
    const candidates = named ? (or(indexCondition(tokens), named.index) as SQL) : indexCondition(tokens);
    const recheck = named ? (or(textRecheck, named.recheck) as SQL) : textRecheck;
    parts.push({ condition: and(candidates, recheck) as SQL, recheck, bound: filter.bound(tokens) });
  });
  const conditions = parts.map((part) => part.condition);
  // A token filter's exact condition is its re-check; a type's and every other filter's is its condition.
  const exact = parts.map((part) => part.exact ?? part.recheck ?? part.condition);
  const countedTokens = countedTokensOf(filters, pending, resolved);
  const result = { conditions, exact, usesTokenIndex, parts, ...(countedTokens ? { countedTokens } : {}) };
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

import { EVENT_GROUPINGS } from "@msgevents/schema";
import type { SearchFilters, TextFilterName } from "../search/filters.ts";
import { TEXT_FILTERS } from "../search/filters.ts";
import { invalidParameter } from "./errors.ts";

const EVENT_TYPES: ReadonlySet<string> = new Set(Object.values(EVENT_GROUPINGS).flat());

/** A filter of the search, as the Events API names it. */
export type FilterName =
  | TextFilterName
  | "event_ids"
  | "events"
  | "bounce_classes"
  | "subaccounts"
  | "ab_test_versions"
  | "rcpt_meta"
  | "rcpt_tags";

export const FILTER_NAMES: readonly FilterName[] = [
  "event_ids",
  "events",
  ...(Object.keys(TEXT_FILTERS) as TextFilterName[]),
  "bounce_classes",
  "subaccounts",
  "ab_test_versions",
  "rcpt_meta",
  "rcpt_tags",
];

export const DEFAULT_DELIMITER = ",";

export function parseDelimiter(value: string | undefined): string {
  if (value === undefined) return DEFAULT_DELIMITER;
  if (value.length === 0 || value.length > 8) {
    throw invalidParameter("delimiter", "invalid parameter", "'delimiter' must be 1 to 8 characters");
  }
  return value;
}

/** The items of a list parameter, trimmed; empty items are ignored. */
export function splitList(value: string, delimiter: string): string[] {
  return value
    .split(delimiter)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

const INTEGER = /^-?\d{1,10}$/;

function integers(param: string, items: string[], max: number): number[] {
  return items.map((item) => {
    const value = Number(item);
    if (!INTEGER.test(item) || Math.abs(value) > max) {
      throw invalidParameter(param, "invalid parameter", `'${param}' must be a list of integers; '${item}' is not one`);
    }
    return value;
  });
}

const NO_KEYWORD = { keyword: /^[\s_-]*$/, domain: /^[\s._-]*$/ } as const;

/**
 * Builds the search filters from list parameters already mapped to their Events API names. `ab_test_versions`
 * narrows `ab_tests`, so it is refused without it.
 */
export function parseFilters(lists: Map<FilterName, string>, delimiter: string): SearchFilters {
  const filters: SearchFilters = {};
  const text: NonNullable<SearchFilters["text"]> = {};
  for (const [name, raw] of lists) {
    const items = splitList(raw, delimiter);
    if (items.length === 0) continue;
    switch (name) {
      case "event_ids":
        filters.eventIds = items;
        break;
      case "events":
        for (const item of items) {
          if (!EVENT_TYPES.has(item)) {
            throw invalidParameter("events", "invalid parameter", `'${item}' is not an event type`);
          }
        }
        filters.types = items;
        break;
      case "bounce_classes":
        filters.bounceClasses = integers(name, items, 32_767);
        break;
      case "subaccounts":
        filters.subaccounts = integers(name, items, 2_147_483_647);
        break;
      case "ab_test_versions":
        filters.abTestVersions = integers(name, items, 2_147_483_647);
        break;
      case "rcpt_meta":
        filters.rcptMeta = parseMetadata(items);
        break;
      case "rcpt_tags":
        filters.rcptTags = items;
        break;
      default: {
        const { mode } = TEXT_FILTERS[name];
        if (mode === "keyword" || mode === "domain") {
          const empty = items.find((item) => NO_KEYWORD[mode].test(item));
          if (empty !== undefined) {
            throw invalidParameter(name, "invalid parameter", `'${empty}' contains no keyword to search for`);
          }
        }
        text[name] = items;
      }
    }
  }
  if (Object.keys(text).length > 0) filters.text = text;
  if (filters.abTestVersions && !text.ab_tests) {
    throw invalidParameter("ab_tests", "required field is missing", "'ab_tests' is required with 'ab_test_versions'");
  }
  return filters;
}

/** `key=value` items: values of one key are alternatives, different keys must all match. */
function parseMetadata(items: string[]): NonNullable<SearchFilters["rcptMeta"]> {
  const byKey = new Map<string, string[]>();
  for (const item of items) {
    const equals = item.indexOf("=");
    if (equals <= 0) {
      throw invalidParameter(
        "rcpt_meta",
        "invalid parameter",
        `'rcpt_meta' takes key=value pairs; '${item}' is not one`,
      );
    }
    const key = item.slice(0, equals).trim();
    const value = item.slice(equals + 1).trim();
    byKey.set(key, [...(byKey.get(key) ?? []), value]);
  }
  return [...byKey].map(([key, values]) => ({ key, values }));
}

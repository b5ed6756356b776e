import { EVENT_GROUPINGS } from "@msgevents/schema/groupings";
import leven from "leven";
import { usageError } from "./errors.ts";

/**
 * One set of input rules for every command, checked before any request: a bad value is a usage error (exit 2) that
 * names the flag and says what would do, never a server's 400 (exit 4) after a round trip.
 */

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

const TIME_FORMATS =
  "YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, with Z or an offset such as +02:00 (UTC when none)";

/**
 * A time flag: a date (midnight UTC), a date and time to the minute or second (fractions allowed), with `Z` or an
 * offset, UTC when there is neither (as the Events API reads it). Impossible dates (2026-02-30) are refused.
 */
export function parseTime(value: string, flag: string): Date {
  const match = TIME.exec(value.trim());
  if (match) {
    const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "", zone = "Z"] = match;
    const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const utc = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(utc);
    if (
      y >= 1970 &&
      check.getUTCFullYear() === y &&
      check.getUTCMonth() === mo - 1 &&
      check.getUTCDate() === d &&
      check.getUTCHours() === h &&
      check.getUTCMinutes() === mi &&
      check.getUTCSeconds() === s
    ) {
      const millis = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
      return new Date(utc + millis - offsetMinutes(zone.toUpperCase()) * 60_000);
    }
  }
  throw usageError(`${flag} ${JSON.stringify(value)} is not a time: give ${TIME_FORMATS}, e.g. 2026-11-20T08:00Z`);
}

function offsetMinutes(zone: string): number {
  if (zone === "Z") return 0;
  const digits = zone.replace(":", "");
  const sign = digits.startsWith("-") ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

/** A time as the Events API takes it: UTC, to the second (with milliseconds only when given). */
export function apiTime(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, "Z");
}

/** `--from`/`--to` parsed and checked: from must be before to. Either may be absent (the API's defaults apply). */
export function parseRange(
  from: string | undefined,
  to: string | undefined,
  options: { allowEqual?: boolean } = {},
): { from?: Date; to?: Date } {
  const start = from === undefined ? undefined : parseTime(from, "--from");
  const end = to === undefined ? undefined : parseTime(to, "--to");
  if (start && end && (options.allowEqual ? start > end : start >= end)) {
    throw usageError(`--from ${apiTime(start)} is not before --to ${apiTime(end)}`);
  }
  return { ...(start ? { from: start } : {}), ...(end ? { to: end } : {}) };
}

/** An integer flag within bounds, e.g. --per-page 1 to 10000. */
export function parseIntegerIn(value: string, flag: string, min: number, max: number): number {
  const number = Number(value.trim());
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(number)) {
    throw usageError(`${flag} ${JSON.stringify(value)} is not a whole number: give ${min} to ${max}`);
  }
  if (number < min || number > max) throw usageError(`${flag} ${number} is out of range: give ${min} to ${max}`);
  return number;
}

/** Commander's parser for an integer flag within bounds. */
export const integerIn = (flag: string, min: number, max: number) => (value: string) =>
  parseIntegerIn(value, flag, min, max);

/** The closest known name, when it is close enough to be what was meant. */
export function closest(value: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = leven(value.toLowerCase(), name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(value.length / 3)) ? best.name : undefined;
}

const didYouMean = (value: string, known: Iterable<string>) => {
  const suggestion = closest(value, known);
  return suggestion ? ` (did you mean ${suggestion}?)` : "";
};

/** A comma-separated (or other delimiter) list: every item non-empty. */
export function parseList(value: string, flag: string, delimiter = ","): string[] {
  const items = value.split(delimiter).map((item) => item.trim());
  if (items.length === 0 || items.every((item) => item === "")) {
    throw usageError(`${flag} is empty: give at least one value`);
  }
  if (items.some((item) => item === "")) {
    throw usageError(
      `${flag} ${JSON.stringify(value)} has an empty item: remove the extra ${JSON.stringify(delimiter)}`,
    );
  }
  return items;
}

/** Every event type the Events API knows, from the event model. */
export const EVENT_TYPES: readonly string[] = Object.values(EVENT_GROUPINGS).flat();

/** An event type list, each checked against the model with a suggestion for a typo. */
export function parseEventTypes(value: string, flag: string, delimiter = ","): string[] {
  const types = parseList(value, flag, delimiter);
  const known = new Set(EVENT_TYPES);
  for (const type of types) {
    if (!known.has(type)) {
      throw usageError(
        `${flag}: ${JSON.stringify(type)} is not an event type${didYouMean(type, known)}; known types: ${EVENT_TYPES.join(",")}`,
      );
    }
  }
  return types;
}

/** Names among a known set (columns, credentials…), each checked with a suggestion. */
export function checkNames(names: readonly string[], known: readonly string[], flag: string, what: string): void {
  for (const name of names) {
    if (!known.includes(name)) {
      throw usageError(
        `${flag}: ${JSON.stringify(name)} is not ${what}${didYouMean(name, known)}; known: ${known.join(",")}`,
      );
    }
  }
}

/** A non-empty string option value (an empty --recipients "" would otherwise be dropped silently). */
export function checkNotEmpty(values: Record<string, unknown>, flagOf: (name: string) => string): void {
  for (const [name, value] of Object.entries(values)) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item === "string" && item.trim() === "") {
        throw usageError(`${flagOf(name)} is empty: give a value, or leave the flag out`);
      }
    }
  }
}

import { DAY_MS } from "@msgevents/schema";
import { parseTime } from "./dates.ts";
import { invalidParameter } from "./errors.ts";

const MINUTE = 60_000;

/** `from` (inclusive, default 24 hours ago) and `to` (exclusive, default 1 minute ago); no limit on the range. */
export function parseWindow(from: string | undefined, to: string | undefined, now: Date): { from: Date; to: Date } {
  const end = to === undefined ? new Date(now.getTime() - MINUTE) : parseTime(to, "to");
  const start = from === undefined ? new Date(now.getTime() - DAY_MS) : parseTime(from, "from");
  if (start.getTime() >= end.getTime()) {
    throw invalidParameter("from", "invalid date range", "'from' must be before 'to'");
  }
  return { from: start, to: end };
}

export const MAX_PER_PAGE = 10_000;

export function parsePerPage(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const perPage = Number(value);
  if (!/^\d{1,6}$/.test(value) || perPage < 1 || perPage > MAX_PER_PAGE) {
    throw invalidParameter("per_page", "invalid parameter", `'per_page' must be an integer from 1 to ${MAX_PER_PAGE}`);
  }
  return perPage;
}

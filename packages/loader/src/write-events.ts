import type { NormalizedEvent } from "@msgevents/schema";

/**
 * Orders events by primary key. Two transactions that insert overlapping keys in the same order wait for each other
 * instead of deadlocking (one holds key A and waits for B while the other holds B and waits for A).
 */
export function inKeyOrder(events: readonly NormalizedEvent[]): NormalizedEvent[] {
  return [...events].sort(
    (a, b) => compare(a.eventId, b.eventId) || compare(a.type, b.type) || a.eventTime.getTime() - b.eventTime.getTime(),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

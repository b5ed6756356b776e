/** One UTC day in milliseconds: partitions, rollups, counts and backfills all cut time at UTC midnight. */
export const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) a time falls in, which names its partition. */
export function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** UTC midnight at the start of the day a time falls in. */
export function startOfUtcDay(time: Date): Date {
  return new Date(Math.floor(time.getTime() / DAY_MS) * DAY_MS);
}

// Wall-clock time in any IANA zone, from the browser's own time zone data (Intl). A wall time is "milliseconds since
// the epoch as if the zone were UTC": flooring it to an hour, a day or a month is then plain arithmetic, and the
// Metrics API takes its `from` and `to` in exactly that form (`YYYY-MM-DDTHH:MM` in `timezone`).

const MINUTE = 60_000;
const DAY = 86_400_000;

export type BucketUnit = "1min" | "5min" | "15min" | "hour" | "day" | "week" | "month";

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, found);
  }
  return found;
}

/** Whether the browser knows the zone (an address may carry any text). */
export function isKnownZone(zone: string): boolean {
  try {
    partsFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in minutes. */
export function offsetMinutes(zone: string, instant: number): number {
  const parts: Record<string, number> = {};
  for (const part of partsFormatter(zone).formatToParts(new Date(instant))) parts[part.type] = Number(part.value);
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / MINUTE);
}

export const toWall = (zone: string, instant: number): number => instant + offsetMinutes(zone, instant) * MINUTE;

/** The instant a wall time names (in a repeated hour, its first occurrence's offset is tried first). */
export function fromWall(zone: string, wall: number): number {
  const guess = wall - offsetMinutes(zone, wall) * MINUTE;
  return wall - offsetMinutes(zone, guess) * MINUTE;
}

const FIXED: Partial<Record<BucketUnit, number>> = {
  "1min": MINUTE,
  "5min": 5 * MINUTE,
  "15min": 15 * MINUTE,
  hour: 60 * MINUTE,
  day: DAY,
};

/** The start of the bucket holding a wall time: weeks start on Monday (as at SparkPost), months on the 1st. */
export function floorWall(unit: BucketUnit, wall: number): number {
  const fixed = FIXED[unit];
  if (fixed !== undefined) return Math.floor(wall / fixed) * fixed;
  if (unit === "week") {
    // 1970-01-01 was a Thursday; its week began three days before.
    const days = Math.floor(wall / DAY) + 3;
    return (Math.floor(days / 7) * 7 - 3) * DAY;
  }
  const date = new Date(wall);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** The start of the bucket after the one starting at `bucketStart` (`steps` later). */
export function nextWall(unit: BucketUnit, bucketStart: number, steps = 1): number {
  const fixed = FIXED[unit];
  if (fixed !== undefined) return bucketStart + steps * fixed;
  if (unit === "week") return bucketStart + steps * 7 * DAY;
  const date = new Date(bucketStart);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + steps, 1);
}

/** `YYYY-MM-DDTHH:MM`, the Metrics API's and `datetime-local`'s format. */
export const formatWall = (wall: number): string => new Date(wall).toISOString().slice(0, 16);

/** A `YYYY-MM-DDTHH:MM` wall time, or undefined when it is not one. */
export function parseWall(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text)) return undefined;
  const wall = Date.parse(`${text}:00Z`);
  return Number.isNaN(wall) || formatWall(wall) !== text ? undefined : wall;
}

// Wall-clock arithmetic for the oracle, from the ICU time zone data Node.js ships (Intl), never from PostgreSQL: a
// wall time is "milliseconds since the epoch as if the zone were UTC", so flooring it to a bucket is plain arithmetic.

const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
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

/** The zone's offset from UTC at an instant, in minutes (Asia/Kathmandu: 345). */
export function offsetMinutes(zone: string, instant: number): number {
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return Math.round((wall - Math.floor(instant / 1000) * 1000) / MINUTE);
}

export const toWall = (zone: string, instant: number): number => instant + offsetMinutes(zone, instant) * MINUTE;

/** The instant a wall time names (outside the hours a clock change skips or repeats, which the oracle avoids). */
export function fromWall(zone: string, wall: number): number {
  const guess = wall - offsetMinutes(zone, wall) * MINUTE;
  return wall - offsetMinutes(zone, guess) * MINUTE;
}

/** `YYYY-MM-DDTHH:MM` (a Metrics API parameter) as a wall time. */
export const parseWall = (text: string): number => Date.parse(`${text}:00Z`);

/** `2024-06-10T00:00:00-04:00`: a bucket's wall time and its offset, as SparkPost writes `ts`. */
export function formatTs(zone: string, instant: number): string {
  const offset = offsetMinutes(zone, instant);
  const sign = offset < 0 ? "-" : "+";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${new Date(toWall(zone, instant)).toISOString().slice(0, 19)}${sign}${hours}:${minutes}`;
}

export type BucketUnit = "1min" | "5min" | "15min" | "hour" | "12hr" | "day" | "week" | "month";

const FIXED: Partial<Record<BucketUnit, number>> = {
  "1min": MINUTE,
  "5min": 5 * MINUTE,
  "15min": 15 * MINUTE,
  hour: 60 * MINUTE,
  "12hr": 12 * 60 * MINUTE,
  day: DAY,
};

/** The start of the bucket holding a wall time: weeks start on Monday, months on their first day. */
export function floorWall(unit: BucketUnit, wall: number): number {
  const fixed = FIXED[unit];
  if (fixed !== undefined) return Math.floor(wall / fixed) * fixed;
  if (unit === "week") {
    // 1970-01-01 was a Thursday: Monday is three days before it.
    const days = Math.floor(wall / DAY) + 3;
    return (Math.floor(days / 7) * 7 - 3) * DAY;
  }
  const date = new Date(wall);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** The start of the next bucket. */
export function nextWall(unit: BucketUnit, bucketStart: number): number {
  const fixed = FIXED[unit];
  if (fixed !== undefined) return bucketStart + fixed;
  if (unit === "week") return bucketStart + 7 * DAY;
  const date = new Date(bucketStart);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

import { DAY_MS } from "@msgevents/schema";
import { splitAtPendingDays } from "../backfill-coverage.ts";

/**
 * The length of the rows a segment reads (minutes): 15 and 1440 from metric_rollups, 60 and 1440 from
 * metric_unique_rollups; 1 = minutes counted from the events.
 */
export type Increment = 1 | 15 | 60 | 1440;

/** Part of a window answered at one increment. */
export interface Segment {
  increment: Increment;
  from: Date;
  to: Date;
  /**
   * Counted from the events at the query's increments instead of read from rollups: a window's unique metrics of a
   * phase or zone not stored, or days the rollups' backfill has not filled yet.
   */
  fromEvents?: boolean;
}

const floorTo = (time: number, unit: number) => Math.floor(time / unit) * unit;
const ceilTo = (time: number, unit: number) => Math.ceil(time / unit) * unit;

/**
 * Splits [from, to) into the coarsest increments that tile it: whole UTC days, then whole quarter hours, then the
 * minutes left at either edge. A window of 30 days reads about 30 day rows per value plus at most 2 × 95 quarter
 * hours, whatever the number of events.
 */
export function planSegments(from: Date, to: Date): Segment[] {
  return tile(from, to, 15);
}

/**
 * The same over the UTC hours of metric_unique_rollups (`from` and `to` on hour boundaries): whole days, then hours.
 * A window at hour precision covers whole hours of its zone, which are whole UTC hours once shifted by the zone's
 * phase (see uniqueSegments).
 */
export function planHourSegments(from: Date, to: Date): Segment[] {
  return tile(from, to, 60);
}

function tile(from: Date, to: Date, small: 15 | 60): Segment[] {
  const unit = small * 60_000;
  const start = from.getTime();
  const end = to.getTime();
  const smallStart = ceilTo(start, unit);
  const smallEnd = floorTo(end, unit);
  if (smallStart >= smallEnd) return [{ increment: 1, from, to }];
  const dayStart = ceilTo(smallStart, DAY_MS);
  const dayEnd = floorTo(smallEnd, DAY_MS);
  const cuts: Array<[Increment, number, number]> = [[1, start, smallStart]];
  if (dayStart < dayEnd) {
    cuts.push([small, smallStart, dayStart], [1440, dayStart, dayEnd], [small, dayEnd, smallEnd]);
  } else {
    cuts.push([small, smallStart, smallEnd]);
  }
  cuts.push([1, smallEnd, end]);
  return cuts
    .filter(([, a, b]) => a < b)
    .map(([increment, a, b]) => ({ increment, from: new Date(a), to: new Date(b) }));
}

/** Whether a window lies on boundaries of an increment (a time-series can then read that rollup whole). */
export function isAlignedTo(from: Date, to: Date, increment: Increment): boolean {
  const unit = increment * 60_000;
  return from.getTime() % unit === 0 && to.getTime() % unit === 0;
}

/**
 * The segments with every part that lies in a day the rollups' backfill has not filled (`pending`, UTC days) counted
 * from the events at the same increment instead: both increments lie within UTC days, so a cut at midnight splits no
 * increment, and each part counts its uniques exactly as the rollups would. A half-filled table never changes an
 * answer, only how fast it comes. `shiftMs` is the phase of segments of metric_unique_rollups' hours: their rows'
 * days (the UTC days their hours start in, shifted back by the phase) are the ones a backfill fills, and a cut there
 * splits no hour of the window's zone either.
 */
export function coverSegments(segments: readonly Segment[], pending: ReadonlySet<string>, shiftMs = 0): Segment[] {
  if (pending.size === 0) return [...segments];
  const shift = (time: Date, sign: 1 | -1) => new Date(time.getTime() + sign * shiftMs);
  return segments.flatMap((segment) =>
    segment.increment === 1 || segment.fromEvents
      ? [segment]
      : splitAtPendingDays(shift(segment.from, -1), shift(segment.to, -1), pending).map((part) => ({
          increment: segment.increment,
          from: shift(part.from, 1),
          to: shift(part.to, 1),
          ...(part.pending ? { fromEvents: true } : {}),
        })),
  );
}

import { splitAtPendingDays } from "../backfill-coverage.ts";

/** The increments a rollup row covers (minutes); 1 = a minute counted from raw events. */
export type Increment = 1 | 15 | 1440;

/** Part of a window answered at one increment. */
export interface Segment {
  increment: Increment;
  from: Date;
  to: Date;
  /** Counted from the events at this increment: the rollups' backfill has not filled these days yet. */
  fromEvents?: boolean;
}

const QUARTER_HOUR = 15 * 60_000;
const DAY = 86_400_000;

const floorTo = (time: number, unit: number) => Math.floor(time / unit) * unit;
const ceilTo = (time: number, unit: number) => Math.ceil(time / unit) * unit;

/**
 * Splits [from, to) into the coarsest increments that tile it: whole UTC days, then whole quarter hours, then the
 * minutes left at either edge. A window of 30 days reads about 30 day rows per value plus at most 2 × 95 quarter
 * hours, whatever the number of events.
 */
export function planSegments(from: Date, to: Date): Segment[] {
  const start = from.getTime();
  const end = to.getTime();
  const quarterStart = ceilTo(start, QUARTER_HOUR);
  const quarterEnd = floorTo(end, QUARTER_HOUR);
  if (quarterStart >= quarterEnd) return [{ increment: 1, from, to }];
  const dayStart = ceilTo(quarterStart, DAY);
  const dayEnd = floorTo(quarterEnd, DAY);
  const cuts: Array<[Increment, number, number]> = [[1, start, quarterStart]];
  if (dayStart < dayEnd) {
    cuts.push([15, quarterStart, dayStart], [1440, dayStart, dayEnd], [15, dayEnd, quarterEnd]);
  } else {
    cuts.push([15, quarterStart, quarterEnd]);
  }
  cuts.push([1, quarterEnd, end]);
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
 * answer, only how fast it comes.
 */
export function coverSegments(segments: readonly Segment[], pending: ReadonlySet<string>): Segment[] {
  if (pending.size === 0) return [...segments];
  return segments.flatMap((segment) =>
    segment.increment === 1
      ? [segment]
      : splitAtPendingDays(segment.from, segment.to, pending).map((part) => ({
          increment: segment.increment,
          from: part.from,
          to: part.to,
          ...(part.pending ? { fromEvents: true } : {}),
        })),
  );
}

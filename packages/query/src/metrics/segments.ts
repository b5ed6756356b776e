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
  /** Counted from the events at the query's increments instead of read from rollups. */
  fromEvents?: boolean;
}

const DAY = 86_400_000;

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
  const dayStart = ceilTo(smallStart, DAY);
  const dayEnd = floorTo(smallEnd, DAY);
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

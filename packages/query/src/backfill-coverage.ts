import { DAY_MS, utcDay } from "@msgevents/schema";
import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";

/**
 * The UTC days (YYYY-MM-DD) of [from, to) that `backfill` has not filled yet: a table it fills holds none or part of
 * those days' events, so an answer reads it only for the other days and counts these from the events (see
 * packages/schema, src/backfills). A few rows of a small table; read inside the answer's snapshot, where a day's
 * rows and its done mark were committed together.
 */
export async function pendingDays(db: NodePgDatabase, backfill: string, from: Date, to: Date): Promise<Set<string>> {
  if (from.getTime() >= to.getTime()) return new Set();
  const result = await db.execute<{ day: string }>(sql`
    SELECT day::text AS day FROM backfill_days
    WHERE backfill = ${backfill} AND done_at IS NULL
      AND day BETWEEN ${utcDay(from)}::date AND ${utcDay(new Date(to.getTime() - 1))}::date`);
  return new Set(result.rows.map((row) => row.day));
}

/** Alternating stretches of [from, to), in order, each wholly within pending days or wholly outside them. */
export function splitAtPendingDays(
  from: Date,
  to: Date,
  pending: ReadonlySet<string>,
): { from: Date; to: Date; pending: boolean }[] {
  if (from.getTime() >= to.getTime()) return [];
  if (pending.size === 0) return [{ from, to, pending: false }];
  const stretches: { from: Date; to: Date; pending: boolean }[] = [];
  for (let start = from.getTime(); start < to.getTime(); ) {
    const dayEnd = Math.min((Math.floor(start / DAY_MS) + 1) * DAY_MS, to.getTime());
    const inPending = pending.has(utcDay(new Date(start)));
    const last = stretches.at(-1);
    if (last && last.pending === inPending) last.to = new Date(dayEnd);
    else stretches.push({ from: new Date(start), to: new Date(dayEnd), pending: inPending });
    start = dayEnd;
  }
  return stretches;
}

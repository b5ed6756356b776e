import type pg from "pg";

/** Where a backfill stands, as /health and `msgevents status` show it. */
export interface BackfillProgress {
  name: string;
  /** done: every day filled; waiting: no day started yet; filling: under way; failing: a pending day's last try failed. */
  status: "done" | "waiting" | "filling" | "failing";
  daysDone: number;
  daysTotal: number;
  /** Events read by the days filled so far. */
  eventsFilled: number;
  /** Events filled per second of fill time (lock waits included); null before the first day. */
  eventsPerSecond: number | null;
  registeredAt: string;
  startedAt: string | null;
  /** When the last day was filled, once all are. */
  finishedAt: string | null;
  /** The most recent error of a day still pending. */
  lastError: string | null;
}

/** One row per registered backfill, oldest first; the state tables are small (a row per backfill and day). */
export const BACKFILL_PROGRESS_SQL = `
  SELECT b.name,
         to_char(b.registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS registered_at,
         to_char(b.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
         to_char(max(d.done_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_done_at,
         count(d.day)::int AS days_total,
         count(d.done_at)::int AS days_done,
         coalesce(sum(d.events), 0)::bigint AS events,
         coalesce(sum(d.fill_ms), 0)::bigint AS fill_ms,
         coalesce(max(d.failures) FILTER (WHERE d.done_at IS NULL), 0)::int AS failures,
         (SELECT f.last_error FROM backfill_days AS f
          WHERE f.backfill = b.name AND f.done_at IS NULL AND f.last_error IS NOT NULL
          ORDER BY f.last_attempt_at DESC LIMIT 1) AS last_error
  FROM backfills AS b LEFT JOIN backfill_days AS d ON d.backfill = b.name
  GROUP BY b.name, b.registered_at, b.started_at
  ORDER BY b.registered_at, b.name`;

export interface BackfillProgressRow {
  name: string;
  registered_at: string;
  started_at: string | null;
  last_done_at: string | null;
  days_total: number;
  days_done: number;
  events: string | number;
  fill_ms: string | number;
  failures: number;
  last_error: string | null;
}

export function toBackfillProgress(row: BackfillProgressRow): BackfillProgress {
  const events = Number(row.events);
  const fillMs = Number(row.fill_ms);
  const done = row.days_done === row.days_total;
  return {
    name: row.name,
    status: done ? "done" : row.failures > 0 ? "failing" : row.started_at ? "filling" : "waiting",
    daysDone: row.days_done,
    daysTotal: row.days_total,
    eventsFilled: events,
    eventsPerSecond: fillMs > 0 ? Math.round((events * 1000) / fillMs) : null,
    registeredAt: row.registered_at,
    startedAt: row.started_at,
    finishedAt: done ? (row.last_done_at ?? row.registered_at) : null,
    lastError: row.last_error,
  };
}

/** Every registered backfill's progress (see BACKFILL_PROGRESS_SQL). */
export async function readBackfillProgress(db: pg.Pool | pg.ClientBase): Promise<BackfillProgress[]> {
  const { rows } = await db.query<BackfillProgressRow>(BACKFILL_PROGRESS_SQL);
  return rows.map(toBackfillProgress);
}

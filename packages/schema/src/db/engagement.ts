import type pg from "pg";

/** Ended UTC days whose metric_engagement rows are kept (default): a day's rows go once it is older than this. */
const ENGAGEMENT_KEEP_DAYS = 3;

export interface EngagementPruneOptions {
  now?: Date;
  /**
   * Days before today (UTC) whose metric_engagement rows are kept (default 3): the late-arrival horizon. SparkPost
   * retries a batch for 8 hours, so only a replay or a backfill brings older events; those cost their day a recount.
   */
  keepDays?: number;
  /** No new day is started after this long (default 120 s); the next run takes the days left over. */
  budgetMs?: number;
}

export interface EngagementPruneResult {
  /** Days (YYYY-MM-DD) whose rows were pruned as they crossed the horizon, oldest first. */
  pruned: string[];
  /** Pruned days that late events had written rows for again: recounted from the events, then pruned again. */
  recounted: string[];
}

/**
 * Prunes the metric_engagement rows (which message had which unique engagement, per UTC day) of the days older than
 * the late-arrival horizon, oldest first, a day per transaction (msgevents_prune_engagement, migration 0026). The
 * rows only serve the day's later engagement events; kept forever they were the largest derived table after the
 * events (about 26 B/event at 5M events over 30 days). An engagement event loaded after its day was pruned counts as
 * its message's first; the next run recounts that day's rollups from the events, so unique metrics are exact again
 * within the hour. Safe beside loads, backfills and other runs (the day and the next are locked meanwhile). Needs
 * EXECUTE on the two functions (the maintenance role has it).
 */
export async function pruneEngagement(
  pool: pg.Pool,
  options: EngagementPruneOptions = {},
): Promise<EngagementPruneResult> {
  const { now = new Date(), keepDays = ENGAGEMENT_KEEP_DAYS, budgetMs = 120_000 } = options;
  const result: EngagementPruneResult = { pruned: [], recounted: [] };
  if (budgetMs <= 0) return result;
  if (!Number.isInteger(keepDays) || keepDays < 1) {
    throw new RangeError(`keepDays must be a whole number of at least 1, not ${keepDays}`);
  }
  const deadline = Date.now() + budgetMs;
  const { rows } = await pool.query<{ day: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day
     FROM msgevents_engagement_days_to_prune(($1::timestamptz AT TIME ZONE 'UTC')::date - $2::integer) AS day`,
    [now, keepDays],
  );
  for (const { day } of rows) {
    if (Date.now() >= deadline) break;
    const { rows: outcomes } = await pool.query<{ outcome: keyof EngagementPruneResult }>(
      "SELECT msgevents_prune_engagement($1::date) AS outcome",
      [day],
    );
    for (const { outcome } of outcomes) result[outcome].push(day);
  }
  return result;
}

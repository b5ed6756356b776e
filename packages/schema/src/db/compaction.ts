import type pg from "pg";

export interface CompactionOptions {
  now?: Date;
  /** No new day is compacted after this long (default 120 s); the next run takes the days left over. */
  budgetMs?: number;
}

/**
 * Compacts every ended UTC day that still has quarter-hour rows (or rollup arrays 0023 left in its day rows), oldest
 * first, starting none after the budget: its search counts move into one row per token of search_token_day_counts
 * (msgevents_compact_search_token_counts, migration 0022), its metric and bounce rollups' quarter hours and its reason
 * rollups' hours into a row per value and day of their compacted tables (msgevents_compact_rollups, 0023 and 0025),
 * each in a transaction of its own. The same counts at the same increments, in a fraction of the space: most tokens,
 * recipient domains and reasons have a few events a day, and a row per quarter hour or hour cost more than their
 * counts. A day is compacted once it has ended, and again when events arrive for it later. Safe beside loads (a late
 * event's counts wait for the day's move, then land in rows of their own), searches and Metrics API answers (each
 * reads one snapshot, before or after a move), erasures and backfills (they and the compaction wait for each other,
 * day by day). Needs EXECUTE on the three functions (the maintenance role has it). Returns the days compacted, as
 * YYYY-MM-DD.
 */
export async function compactEndedDays(pool: pg.Pool, options: CompactionOptions = {}): Promise<string[]> {
  const { now = new Date(), budgetMs = 120_000 } = options;
  if (budgetMs <= 0) return [];
  const deadline = Date.now() + budgetMs;
  const { rows } = await pool.query<{ day: string }>(
    "SELECT to_char(day, 'YYYY-MM-DD') AS day FROM msgevents_days_to_compact(($1::timestamptz AT TIME ZONE 'UTC')::date) AS day",
    [now],
  );
  const compacted: string[] = [];
  for (const { day } of rows) {
    if (Date.now() >= deadline) break;
    await pool.query("SELECT msgevents_compact_search_token_counts($1::date)", [day]);
    await pool.query("SELECT msgevents_compact_rollups($1::date)", [day]);
    compacted.push(day);
  }
  return compacted;
}

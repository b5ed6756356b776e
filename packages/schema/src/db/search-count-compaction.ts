import type pg from "pg";

export interface CompactionOptions {
  now?: Date;
  /** No new day is compacted after this long (default 120 s); the next run takes the days left over. */
  budgetMs?: number;
}

/**
 * Compacts the search counts of every ended UTC day that still has rows in search_token_counts, oldest first, a day
 * per transaction, starting none after the budget: the day's quarter-hour rows move into one row per token of
 * search_token_day_counts (msgevents_compact_search_token_counts, migration 0022), the same counts in about a tenth of
 * the space. A day is compacted once it has ended, and again when events arrive for it later. Safe beside loads (a
 * late event's count waits for the day's move, then lands in a row of its own), searches (each reads one snapshot,
 * before or after a day's move) and erasures (they wait for the day, and the day for them). Needs EXECUTE on the two
 * functions (the maintenance role has it). Returns the days compacted, as YYYY-MM-DD.
 */
export async function compactEndedSearchCounts(pool: pg.Pool, options: CompactionOptions = {}): Promise<string[]> {
  const { now = new Date(), budgetMs = 120_000 } = options;
  if (budgetMs <= 0) return [];
  const deadline = Date.now() + budgetMs;
  const { rows } = await pool.query<{ day: string }>(
    "SELECT to_char(day, 'YYYY-MM-DD') AS day FROM msgevents_search_count_days_to_compact(($1::timestamptz AT TIME ZONE 'UTC')::date) AS day",
    [now],
  );
  const compacted: string[] = [];
  for (const { day } of rows) {
    if (Date.now() >= deadline) break;
    await pool.query("SELECT msgevents_compact_search_token_counts($1::date)", [day]);
    compacted.push(day);
  }
  return compacted;
}

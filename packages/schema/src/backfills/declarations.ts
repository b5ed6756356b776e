/**
 * A backfill: data derived from the stored events that a migration creates but must not compute itself (a migration's
 * time must not grow with the events stored). Declared here, beside the migration that registers it:
 *
 * 1. The migration creates the derived table and the trigger that keeps it from then on, defines the day's fill as
 *    a SQL function `<fill>(day date) RETURNS bigint` (lock the day with msgevents_lock_day_for_backfill, replace the
 *    day's derived rows with a recount of the day's events, return the events read), and registers the backfill in
 *    its own transaction: `SELECT msgevents_register_backfill('<name>', true)`.
 * 2. One declaration in BACKFILLS below. runBackfills fills the registered days in the background; the migrator
 *    makes the fill function SECURITY DEFINER and lets the maintenance role execute it (roles.ts); queries read the
 *    derived table only for the days that are done (see the query package's coverage).
 */
export interface Backfill {
  /** The name the migration registered it under (backfills.name). */
  name: string;
  /** The migration that registers it. */
  migration: string;
  /** The tables it fills: a query may read them only for the days this backfill has done. */
  tables: readonly string[];
  /** The SQL function that fills one day (`(day date) RETURNS bigint`, the events read). */
  fill: string;
}

/** The Metrics API rollups, all of them and kept by their triggers. */
const METRIC_ROLLUP_TABLES = [
  "metric_rollups",
  "bounce_rollups",
  "reason_rollups",
  "metric_unique_rollups",
  "metric_engagement",
];

/**
 * The Metrics API rollups of events stored before 0008 created them. Since 0016 its fill does nothing: 0016's backfill
 * recounts every metric rollup of every day stored (queued for all of them), and answers wait for both.
 */
export const METRIC_ROLLUPS_BACKFILL: Backfill = {
  name: "metric_rollups",
  migration: "0011_backfills",
  tables: METRIC_ROLLUP_TABLES,
  fill: "msgevents_fill_metric_rollups",
};

/**
 * The Metrics API rollups of events stored before 0016, which counted uniques per 15 minutes and per day (SparkPost
 * counts them per minute, hour and day) and kept no delay or rejection reasons: each day recounted from its events.
 */
export const METRIC_ROLLUPS_0016_BACKFILL: Backfill = {
  name: "metric_rollups_0016",
  migration: "0016_sparkpost_metrics",
  tables: METRIC_ROLLUP_TABLES,
  fill: "msgevents_fill_metric_rollups_0016",
};

/** The search counts (created by 0010, kept by its trigger). */
export const SEARCH_TOKEN_COUNTS_BACKFILL: Backfill = {
  name: "search_token_counts",
  migration: "0011_backfills",
  tables: ["search_token_counts"],
  fill: "msgevents_fill_search_token_counts",
};

/** Every backfill this version knows how to run. */
export const BACKFILLS: readonly Backfill[] = [
  METRIC_ROLLUPS_BACKFILL,
  SEARCH_TOKEN_COUNTS_BACKFILL,
  METRIC_ROLLUPS_0016_BACKFILL,
];

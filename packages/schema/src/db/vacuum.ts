import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";

export interface VacuumOptions {
  now?: Date;
  /**
   * No new VACUUM starts after this long (default 120 s), so that one run stays well inside the maintenance
   * function's timeout; the next run takes the partitions left over. 0 vacuums nothing.
   */
  vacuumBudgetMs?: number;
}

/** A day partition's day (UTC), from its name (`s.relname`: events_YYYYMMDD). */
const PARTITION_DAY = "to_date(substr(s.relname, 8), 'YYYYMMDD')";
/** The UTC day of `now`, the statements' first parameter. */
const TODAY = "($1::timestamptz AT TIME ZONE 'UTC')::date";

/**
 * The day partitions (name, and schema-qualified) that meet `condition` over their statistics (`s`,
 * pg_stat_user_tables) and catalog row (`c`), oldest first.
 */
const dayPartitionsWhere = (condition: string) => `
  SELECT s.relname AS name, format('%I.%I', s.schemaname, s.relname) AS qualified
  FROM pg_stat_user_tables s
  JOIN pg_inherits i ON i.inhrelid = s.relid
  JOIN pg_class c ON c.oid = s.relid
  WHERE i.inhparent = 'events'::regclass
    AND s.relname ~ '^events_[0-9]{8}$'
    AND ${condition}
  ORDER BY s.relname`;

/**
 * The day partitions that have ended (their day is over) and had rows added or changed since they were last vacuumed
 * or analyzed, oldest first: a search reads such a partition's heap for every row (no visibility map for index-only
 * counts) with statistics that do not know its values, until autovacuum gets to it, which on a partition written
 * once may be much later (its insert threshold grows with the table). Also those whose last vacuum left pages not
 * marked all-visible: a snapshot older than their rows was open then (a long query), and the statistics, reset by that
 * vacuum, would not bring the day back.
 */
const ENDED_AND_CHANGED = dayPartitionsWhere(
  `${PARTITION_DAY} + 1 <= ${TODAY}
   AND (s.n_ins_since_vacuum > 0 OR s.n_mod_since_analyze > 0 OR c.relallvisible < c.relpages)`,
);

/**
 * Vacuums and analyzes every ended day partition that changed since or is not all-visible (see ENDED_AND_CHANGED),
 * one at a time, within the time budget, skipping one another VACUUM holds. Needs the MAINTAIN privilege on the
 * partitions (the maintenance role has it). Returns the partitions vacuumed.
 */
export async function vacuumEndedPartitions(pool: pg.Pool, options: VacuumOptions = {}): Promise<string[]> {
  const { now = new Date(), vacuumBudgetMs = 120_000 } = options;
  if (vacuumBudgetMs <= 0) return [];
  const deadline = Date.now() + vacuumBudgetMs;
  const { rows } = await pool.query<{ name: string; qualified: string }>(ENDED_AND_CHANGED, [now]);
  // INDEX_CLEANUP ON: with a few dead rows (erased events, a rolled-back load) VACUUM would otherwise skip removing
  // their index entries, and with them leave their pages unmarked, to be found again by every later run.
  return inTurn(pool, rows, deadline, "VACUUM (ANALYZE, SKIP_LOCKED, INDEX_CLEANUP ON)");
}

/**
 * The day partitions still being written (their day not over) whose rows changed since they were last analyzed by
 * at least as many as they held then, and at least `$2`: a day is analyzed as it doubles, a handful of times a day.
 * Autovacuum analyzes a growing day too, but only when it gets to it; until then the planner knows nothing of the
 * day's values (which types are rare, say) and may read every match of a type to sort them where the time index would
 * have stopped at the page's end. reltuples is -1 before the first analyze, so the first comes at `$2` rows.
 */
const OPEN_AND_GROWN = dayPartitionsWhere(
  `${PARTITION_DAY} + 1 > ${TODAY} AND s.n_mod_since_analyze >= greatest($2::bigint, c.reltuples)`,
);

export interface OpenAnalyzeOptions extends VacuumOptions {
  /** A day is first analyzed once it holds this many rows (default 1,000). */
  minRows?: number;
}

/**
 * Analyzes the day partitions still being written whose rows have doubled since their last analyze (OPEN_AND_GROWN),
 * one at a time within the budget, skipping one another ANALYZE or VACUUM holds. ANALYZE reads a sample (30,000 rows
 * at most), so a run costs a fraction of a second. Needs MAINTAIN on the partitions. Returns the partitions analyzed.
 */
export async function analyzeOpenPartitions(pool: pg.Pool, options: OpenAnalyzeOptions = {}): Promise<string[]> {
  const { now = new Date(), vacuumBudgetMs = 120_000, minRows = 1000 } = options;
  if (vacuumBudgetMs <= 0) return [];
  const deadline = Date.now() + vacuumBudgetMs;
  const { rows } = await pool.query<{ name: string; qualified: string }>(OPEN_AND_GROWN, [now, minRows]);
  return inTurn(pool, rows, deadline, "ANALYZE (SKIP_LOCKED)");
}

/**
 * Runs `command` (VACUUM or ANALYZE with its options) on the tables one at a time, starting none after `deadline` (the
 * next run takes those left over). Each runs outside a transaction, as VACUUM must. Returns the names of the tables
 * it ran on.
 */
async function inTurn(
  pool: pg.Pool,
  tables: readonly { name: string; qualified: string }[],
  deadline: number,
  command: string,
): Promise<string[]> {
  const done: string[] = [];
  for (const { name, qualified } of tables) {
    if (Date.now() >= deadline) break;
    await pool.query(`${command} ${qualified}`);
    done.push(name);
  }
  return done;
}

/**
 * The tables the events triggers keep by upsert: the search counts and the Metrics API rollups. Every load adds to the
 * rows of its quarter hours and days (about three times each at 5M events a month in 350-event batches), and each
 * update leaves the row's previous version behind until a vacuum frees its space for new rows. Autovacuum waits for
 * dead rows worth 20% of a table, so the bigger the table the longer its files grow with dead versions.
 */
export const UPSERTED_TABLES = [
  "search_token_counts",
  "metric_rollups",
  "metric_unique_rollups",
  "bounce_rollups",
  "reason_rollups",
  "metric_engagement",
] as const;

/**
 * The upserted tables whose dead row versions are at least `minDeadRows` and 1% of their live rows: fewer are not
 * worth a vacuum's fixed cost (at 5M events a month an hour of loads leaves about 0.3% in the search counts, so each
 * table is vacuumed every few hours of traffic, at most 1% of it dead in between; autovacuum waits for 20%).
 */
const UPSERTED_AND_DEAD = `
  SELECT s.relname AS name, format('%I.%I', s.schemaname, s.relname) AS qualified
  FROM pg_stat_user_tables s
  WHERE s.relid = ANY($1::regclass[]) AND s.n_dead_tup >= greatest($2::bigint, s.n_live_tup / 100)
  ORDER BY array_position($1::regclass[], s.relid)`;

export interface UpsertedVacuumOptions extends Pick<VacuumOptions, "vacuumBudgetMs"> {
  /** A table with fewer dead row versions than this is left alone (default 1,000). */
  minDeadRows?: number;
}

/**
 * Vacuums the upserted tables (UPSERTED_TABLES) with enough dead row versions (UPSERTED_AND_DEAD), one at a time,
 * starting no new one after the budget and skipping one another VACUUM holds, so that the space of the versions loads
 * left behind goes to the next rows instead of growing the files. Pages nothing changed since the last vacuum are
 * skipped (the visibility map), so a run reads about the updates since the last. Needs MAINTAIN on the tables (the
 * maintenance role has it). Returns the tables vacuumed.
 */
export async function vacuumUpsertedTables(pool: pg.Pool, options: UpsertedVacuumOptions = {}): Promise<string[]> {
  const { vacuumBudgetMs = 120_000, minDeadRows = 1000 } = options;
  if (vacuumBudgetMs <= 0) return [];
  const deadline = Date.now() + vacuumBudgetMs;
  const { rows } = await pool.query<{ name: string; qualified: string }>(UPSERTED_AND_DEAD, [
    [...UPSERTED_TABLES],
    minDeadRows,
  ]);
  return inTurn(pool, rows, deadline, "VACUUM (SKIP_LOCKED)");
}

export interface FreezeOptions {
  /** The waits before each further VACUUM while pages are left not all-visible (default 1, 2, 4, 8 and 15 s). */
  retryWaitsMs?: readonly number[];
  /** Called before each wait, with the pages still not all-visible. */
  onRetry?: (pagesLeft: number) => void | Promise<void>;
}

/**
 * VACUUM (FREEZE)s `table` (quoted as SQL wants it), which nothing else writes (a backfill's shadow copy of a day),
 * until every page is marked all-visible, so that counts read it by index-only scans and no later vacuum has to
 * write it again. A VACUUM cannot mark a page whose rows a snapshot older than them may not see: one a query or an
 * autovacuum ANALYZE took before the copy committed. Such snapshots end within seconds, and a VACUUM after them reads
 * only the pages left, so it waits and vacuums again. Resolves to whether every page is all-visible; if not, the
 * vacuum of ended days takes the rest (see ENDED_AND_CHANGED).
 */
export async function freezeAllVisible(
  client: pg.Pool | pg.ClientBase,
  table: string,
  options: FreezeOptions = {},
): Promise<boolean> {
  const { retryWaitsMs = [1000, 2000, 4000, 8000, 15_000], onRetry } = options;
  for (let attempt = 0; ; attempt++) {
    // INDEX_CLEANUP ON: a page with dead rows is marked only once their index entries are gone, as for ended days.
    await client.query(`VACUUM (FREEZE, INDEX_CLEANUP ON) ${table}`);
    const { rows } = await client.query<{ left: number }>(
      "SELECT greatest(relpages - relallvisible, 0) AS left FROM pg_class WHERE oid = $1::regclass",
      [table],
    );
    const pagesLeft = rows[0]?.left ?? 0;
    const wait = retryWaitsMs[attempt];
    if (pagesLeft === 0) return true;
    if (wait === undefined) return false;
    await onRetry?.(pagesLeft);
    await sleep(wait);
  }
}

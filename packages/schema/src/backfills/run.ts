import type pg from "pg";
import { withClient } from "../db/checkout.ts";
import {
  BACKFILLS,
  type Backfill,
  type BackfillStepResult,
  isStepBackfill,
  type StepBackfill,
} from "./declarations.ts";

export interface RunBackfillsOptions {
  /**
   * No new day starts after this long (default 120 s), so a run fits the maintenance function's timeout; the next run
   * takes the days left. `Infinity` runs until every day is done (the local stack at start).
   */
  budgetMs?: number;
  /**
   * Longest wait for a day's SHARE lock (default 5 s). While the lock is awaited, inserts into that day queue behind
   * it, so the wait is kept short: a day whose loads never pause is tried again on the next run.
   */
  lockTimeoutMs?: number;
  /** Longest a day's fill may take (its statement_timeout, default 10 minutes). */
  dayTimeoutMs?: number;
  /**
   * When every fill must have ended (epoch ms), e.g. a little before the maintenance function's own timeout: a day's
   * statement_timeout is cut to the time left, so the database never keeps filling for a process that is gone.
   */
  stopBy?: number;
  /** The backfills to run (default: all this version knows). */
  backfills?: readonly Backfill[];
  /** Stops after the day being filled (the local stack's shutdown). */
  signal?: AbortSignal;
  /** Called after each day is filled. */
  onDay?: (day: FilledDay) => void;
}

export interface FilledDay {
  backfill: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** The events the fill read. */
  events: number;
  ms: number;
}

export interface FailedDay {
  backfill: string;
  day: string;
  error: string;
  /** SQLSTATE, when the database refused. */
  code?: string;
  /** Failed attempts in a row, this one included. */
  failures: number;
  /** The fill's database session was ended under it. */
  sessionEnded?: boolean;
}

export interface BackfillRunResult {
  filled: FilledDay[];
  failed: FailedDay[];
  /** Days still to fill, of the backfills run (those of another runner and the failed ones included). */
  remaining: number;
}

/** A day failing this many times in a row raises the alarm even when each failure was only a lock timeout. */
export const ALARMING_FAILURES = 3;
/**
 * Failures that may pass by themselves: lock_not_available (the day's SHARE lock was not granted within lock_timeout:
 * loads were writing that day), deadlock_detected (a load holding that day waited for another load that waited
 * behind the fill; PostgreSQL ended one of them) and query_canceled (the fill ran out of the run's time).
 */
const TRANSIENT = new Set(["55P03", "40P01", "57014"]);

/** A backfill day failed in a way that needs attention; the run's result (days filled too) is attached. */
export class BackfillError extends Error {
  override readonly name = "BackfillError";
  constructor(readonly result: BackfillRunResult) {
    const alarming = result.failed.filter(isAlarming);
    super(
      `backfill failed for ${alarming.map((day) => `${day.backfill} ${day.day} (${day.failures} time(s) in a row: ${day.error})`).join("; ")}; ` +
        "the day is retried at every maintenance run and answers stay exact meanwhile (counted from the events); see the README, Upgrading",
    );
  }
}

/** A failure worth an alarm: anything but a transient one (TRANSIENT), or a day that keeps failing. */
export function isAlarming(day: FailedDay): boolean {
  return day.code === undefined || !TRANSIENT.has(day.code) || day.failures >= ALARMING_FAILURES;
}

/** The least time left worth starting a day with. */
const LEAST_DAY_MS = 1_000;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Fills pending backfill days, newest day first (recent days are what searches and dashboards read most, so they get
 * fast first), one day per transaction until the budget is spent:
 *
 *   claim the day's backfill_days row (FOR UPDATE SKIP LOCKED: concurrent runners take different days), run the
 *   backfill's fill function (it locks the day partition in SHARE mode, so inserts into that day wait, and replaces
 *   the day's derived rows with a recount of its events), mark the day done, commit.
 *
 * A day is filled whole or not at all, so a run stopped anywhere (timeout, crash, a killed connection) loses only the
 * day in progress, and running again is always safe. A StepBackfill's day is worked through in steps instead, each
 * committed with the day's progress (fillDayInSteps): a stop loses only the step in progress. A day that fails records
 * its error and is skipped for the rest of the run (a run whose session was ended stops there); the run then throws
 * BackfillError if any failure is alarming (isAlarming), after filling what it could.
 */
export async function runBackfills(pool: pg.Pool, options: RunBackfillsOptions = {}): Promise<BackfillRunResult> {
  const { budgetMs = 120_000, backfills = BACKFILLS } = options;
  const byName = new Map(backfills.map((backfill) => [backfill.name, backfill]));
  for (const backfill of backfills) {
    if (!isStepBackfill(backfill) && !IDENTIFIER.test(backfill.fill))
      throw new Error(`backfill ${backfill.name}: bad fill function ${backfill.fill}`);
  }
  const names = [...byName.keys()];
  const deadline = Date.now() + budgetMs;
  const result: BackfillRunResult = { filled: [], failed: [], remaining: 0 };
  const skipped: string[] = [];
  if (budgetMs > 0 && names.length > 0) {
    await pool.query(
      `UPDATE backfills AS b SET started_at = now()
       WHERE b.name = ANY($1::text[]) AND b.started_at IS NULL
         AND EXISTS (SELECT FROM backfill_days AS d WHERE d.backfill = b.name AND d.done_at IS NULL)`,
      [names],
    );
  }
  const dayOptions: DayOptions = { ...options, byName, skipped, deadline };
  while (timeLeft(dayOptions)) {
    const outcome = await fillNextDay(pool, dayOptions);
    if (!outcome) break;
    if ("stopped" in outcome) {
      // A stepped day left for later: the run's time is up, or another runner holds the day now.
      skipped.push(`${outcome.backfill} ${outcome.day}`);
      continue;
    }
    if ("error" in outcome) {
      result.failed.push(outcome);
      skipped.push(`${outcome.backfill} ${outcome.day}`);
      // The session was ended (an operator, a restart, a failover): stop here; the next run resumes.
      if (outcome.sessionEnded) break;
    } else {
      result.filled.push(outcome);
      options.onDay?.(outcome);
    }
  }
  const { rows } = await pool.query<{ remaining: number }>(
    "SELECT count(*)::int AS remaining FROM backfill_days WHERE done_at IS NULL AND backfill = ANY($1::text[])",
    [names],
  );
  result.remaining = rows[0]?.remaining ?? 0;
  if (result.failed.some(isAlarming)) throw new BackfillError(result);
  return result;
}

/** A stepped day the run stopped working on before it was done (its steps so far are committed). */
interface StoppedDay {
  backfill: string;
  day: string;
  stopped: true;
}

type DayOptions = RunBackfillsOptions & { byName: Map<string, Backfill>; skipped: string[]; deadline: number };

/** Starts a transaction with the run's timeouts (for this transaction only). */
async function begin(client: pg.ClientBase, options: RunBackfillsOptions): Promise<void> {
  const { lockTimeoutMs = 5_000 } = options;
  await client.query("BEGIN");
  // A vanished runner's session is ended by the server.
  await client.query(
    `SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true),
            set_config('idle_in_transaction_session_timeout', '60s', true),
            set_config('client_connection_check_interval', '10s', true)`,
    [`${Math.max(1, Math.round(lockTimeoutMs))}ms`, `${dayTimeout(options)}ms`],
  );
}

/** A day's statement_timeout: dayTimeoutMs (default 10 minutes), cut to the time left before stopBy. */
function dayTimeout(options: RunBackfillsOptions): number {
  const ms = Math.min(options.dayTimeoutMs ?? 600_000, (options.stopBy ?? Number.POSITIVE_INFINITY) - Date.now());
  return Math.max(1, Math.round(ms));
}

/**
 * Runs a step's afterCommit work (outside a transaction, so its limits are the session's, reset after): the same
 * statement_timeout as a step for each statement, and the server ends one if the runner vanishes.
 */
async function runAfterCommit(
  client: pg.ClientBase,
  work: NonNullable<BackfillStepResult["afterCommit"]>,
  options: RunBackfillsOptions,
): Promise<void> {
  await client.query(
    `SELECT set_config('statement_timeout', $1, false), set_config('client_connection_check_interval', '10s', false)`,
    [`${dayTimeout(options)}ms`],
  );
  try {
    await work(client);
  } finally {
    await client.query("RESET statement_timeout; RESET client_connection_check_interval");
  }
}

/** Whether the run may start another day or step. */
function timeLeft(options: DayOptions): boolean {
  const stopBy = options.stopBy ?? Number.POSITIVE_INFINITY;
  return Date.now() < options.deadline && stopBy - Date.now() >= LEAST_DAY_MS && !options.signal?.aborted;
}

/** Fills the newest pending day not skipped and not taken by another runner; undefined when there is none. */
async function fillNextDay(
  pool: pg.Pool,
  options: DayOptions,
): Promise<FilledDay | FailedDay | StoppedDay | undefined> {
  const { byName, skipped } = options;
  let claimed: { backfill: string; day: string } | undefined;
  try {
    return await withClient(pool, async (client) => {
      await begin(client, options);
      try {
        const next = await client.query<{ backfill: string; day: string }>(
          `SELECT backfill, day::text AS day FROM backfill_days
           WHERE done_at IS NULL AND backfill = ANY($1::text[]) AND NOT (backfill || ' ' || day::text = ANY($2::text[]))
           ORDER BY day DESC, backfill
           LIMIT 1
           FOR UPDATE SKIP LOCKED`,
          [[...byName.keys()], skipped],
        );
        const row = next.rows[0];
        const backfill = row && byName.get(row.backfill);
        if (!row || !backfill) {
          await client.query("ROLLBACK");
          return undefined;
        }
        claimed = row;
        if (isStepBackfill(backfill)) return await fillDayInSteps(client, backfill, row, options);
        const started = performance.now();
        const filled = await client.query<{ events: string }>(`SELECT ${backfill.fill}($1::date) AS events`, [row.day]);
        const events = Number(filled.rows[0]?.events ?? 0);
        const ms = Math.round(performance.now() - started);
        await client.query(
          `UPDATE backfill_days
           SET done_at = now(), events = $3, fill_ms = $4, attempts = attempts + 1, failures = 0, last_error = NULL,
               last_attempt_at = now()
           WHERE backfill = $1 AND day = $2::date`,
          [row.backfill, row.day, events, ms],
        );
        await client.query("COMMIT");
        return { backfill: row.backfill, day: row.day, events, ms };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  } catch (error) {
    // A failure before a day was claimed (the database is unreachable) is the run's, not a day's.
    if (!claimed) throw error;
    return recordFailure(pool, claimed, error);
  }
}

/**
 * Works through a stepped day, starting in the transaction that claimed it: each step commits with the day's progress
 * (events and time added, done when the step says so), and the next step claims the day again in a transaction of
 * its own (SKIP LOCKED: a runner that finds it taken leaves it). Stops between steps when the run's time is up.
 */
async function fillDayInSteps(
  client: pg.ClientBase,
  backfill: StepBackfill,
  day: { backfill: string; day: string },
  options: DayOptions,
): Promise<FilledDay | StoppedDay> {
  let from: string | null = null;
  let events = 0;
  let ms = 0;
  for (let first = true; ; first = false) {
    if (!first) {
      if (!timeLeft(options)) return { ...day, stopped: true };
      await begin(client, options);
      const claim = await client.query(
        `SELECT FROM backfill_days WHERE backfill = $1 AND day = $2::date AND done_at IS NULL FOR UPDATE SKIP LOCKED`,
        [day.backfill, day.day],
      );
      if (claim.rowCount === 0) {
        await client.query("ROLLBACK");
        return { ...day, stopped: true };
      }
    }
    const started = performance.now();
    const step = await backfill.step(client, day.day, from);
    if (step.abandoned) {
      await client.query("ROLLBACK");
      return { ...day, stopped: true };
    }
    const stepMs = Math.round(performance.now() - started);
    // A run's first step of a day reports the day's events so far (what earlier runs did may have been kept or
    // redone); the time is every run's.
    await client.query(
      `UPDATE backfill_days
       SET events = CASE WHEN $5 = 1 THEN 0 ELSE coalesce(events, 0) END + $3,
           fill_ms = coalesce(fill_ms, 0) + $4, attempts = attempts + $5,
           done_at = CASE WHEN $6 THEN now() END, failures = 0, last_error = NULL, last_attempt_at = now()
       WHERE backfill = $1 AND day = $2::date`,
      [day.backfill, day.day, step.events, stepMs, first ? 1 : 0, step.next === null],
    );
    await client.query("COMMIT");
    if (step.afterCommit) await runAfterCommit(client, step.afterCommit, options);
    events += step.events;
    ms += stepMs;
    if (step.next === null) return { ...day, events, ms };
    from = step.next;
  }
}

async function recordFailure(
  pool: pg.Pool,
  day: { backfill: string; day: string },
  error: unknown,
): Promise<FailedDay> {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const { rows } = await pool.query<{ failures: number }>(
    `UPDATE backfill_days
     SET attempts = attempts + 1, failures = failures + 1, last_error = $3, last_attempt_at = now()
     WHERE backfill = $1 AND day = $2::date
     RETURNING failures`,
    [day.backfill, day.day, message],
  );
  const sessionEnded =
    (typeof code === "string" && (code.startsWith("08") || /^57P0[1-3]$/.test(code))) ||
    /Connection terminated|terminating connection/i.test(message);
  return {
    ...day,
    error: message,
    ...(typeof code === "string" ? { code } : {}),
    failures: rows[0]?.failures ?? 1,
    ...(sessionEnded ? { sessionEnded } : {}),
  };
}

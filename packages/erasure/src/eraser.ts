import { type ErasureStatus, EVERY_ACCOUNT, withClient } from "@msgevents/schema";
import type pg from "pg";
import { deleteEvents, findEventsInDay, partitionDays } from "./erase-events.ts";
import { SUPPRESSION_FENCE_LOCK } from "./recipients.ts";
import { type ScrubDeps, scrubBatch } from "./scrub-batch.ts";

/** The few log calls the eraser makes; Powertools' Logger satisfies it. Never given an address. */
export interface EraserLogger {
  info(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface EraserDeps extends ScrubDeps {
  logger: EraserLogger;
}

export interface EraserOptions {
  /** Starts no new step (a day of events, a batch) after this long; the next run resumes. Default 10 minutes. */
  budgetMs?: number;
  /** Starts at most this many steps (a day of events, a batch); unset: no limit but the budget. */
  maxSteps?: number;
}

export interface EraserSummary {
  /** Another eraser holds the lock: this run did nothing. */
  busy: boolean;
  /** Batches the loader found with suppressed records, rewritten by this run. */
  scrubbed: number;
  /** Requests this run worked on, with the status they reached. */
  requests: { id: number; status: ErasureStatus }[];
  /** Requests whose step failed (recorded in their last_error); the next run retries them. */
  failed: number[];
  /** Work is left for the next run (the budget ran out). */
  more: boolean;
  /** Age in seconds of the oldest request not completed, 0 when none: what the day-long alarm watches. */
  oldestOpenSeconds: number;
}

/** One eraser at a time, across processes: a session-level advisory lock held for the run. */
const ERASER_LOCK = 727_110_024;
const DEFAULT_BUDGET_MS = 600_000;
/** Loader-found batches taken per run before the requests' own work. */
const SCRUBS_PER_RUN = 500;

interface OpenRequest {
  request_id: string;
  status: ErasureStatus;
  next_day: string | null;
  scope: number;
}

/**
 * One run of the background eraser (the eraser Lambda on a schedule; the local stack after each request and every
 * minute): rewrites the batches the loader found holding suppressed records, then advances every open request, oldest
 * first, step by step (one day of events, or one raw batch, per transaction), each step recorded in the request so a
 * run that stops anywhere (timeout, crash, deploy) is resumed by the next from the last committed step.
 */
export async function runEraser(deps: EraserDeps, options: EraserOptions = {}): Promise<EraserSummary> {
  const deadline = Date.now() + (options.budgetMs ?? DEFAULT_BUDGET_MS);
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  let steps = 0;
  const spent = () => Date.now() >= deadline || steps >= maxSteps;
  /** Asked before each step: false starts it (and counts it), true ends the run there. */
  const outOfTime = () => {
    if (spent()) return true;
    steps++;
    return false;
  };
  const summary: EraserSummary = {
    busy: false,
    scrubbed: 0,
    requests: [],
    failed: [],
    more: false,
    oldestOpenSeconds: 0,
  };
  const lockHolder = await deps.pool.connect();
  let broken = false;
  try {
    const { rows } = await lockHolder.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
      ERASER_LOCK,
    ]);
    if (!rows[0]?.locked) return { ...summary, busy: true };
    try {
      summary.scrubbed = await scrubFoundBatches(deps, outOfTime);
      const open = await deps.pool.query<OpenRequest>(
        `SELECT request_id, status, next_day::text AS next_day, scope FROM erasure_requests
         WHERE status <> 'completed' ORDER BY request_id`,
      );
      for (const request of open.rows) {
        if (spent()) break;
        const id = Number(request.request_id);
        try {
          const status = await advance(deps, request, outOfTime);
          summary.requests.push({ id, status });
        } catch (error) {
          summary.failed.push(id);
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          deps.logger.error("erasure step failed; the next run retries it", { requestId: id, error: message });
          await deps.pool
            .query("UPDATE erasure_requests SET last_error = $2, updated_at = now() WHERE request_id = $1", [
              id,
              message.slice(0, 1000),
            ])
            .catch(() => {});
        }
      }
      const left = await deps.pool.query<{ left: boolean; oldest: number }>(
        `SELECT EXISTS (SELECT FROM erasure_requests WHERE status <> 'completed')
             OR EXISTS (SELECT FROM pending_batch_scrubs) AS left,
           coalesce(floor(extract(epoch FROM now() - min(received_at))), 0)::float8 AS oldest
         FROM erasure_requests WHERE status <> 'completed'`,
      );
      summary.more = left.rows[0]?.left === true && summary.failed.length === 0;
      summary.oldestOpenSeconds = left.rows[0]?.oldest ?? 0;
    } finally {
      await lockHolder.query("SELECT pg_advisory_unlock($1)", [ERASER_LOCK]).catch(() => {
        broken = true;
      });
    }
    return summary;
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A connection in an unknown state is destroyed, which also ends its session lock.
    lockHolder.release(broken);
  }
}

async function scrubFoundBatches(deps: EraserDeps, outOfTime: () => boolean): Promise<number> {
  const { rows } = await deps.pool.query<{ object_key: string; found_at: Date }>(
    "SELECT object_key, found_at FROM pending_batch_scrubs ORDER BY found_at LIMIT $1",
    [SCRUBS_PER_RUN],
  );
  let scrubbed = 0;
  for (const row of rows) {
    if (outOfTime()) break;
    const result = await scrubBatch(deps, row.object_key);
    await inTransaction(deps.pool, async (client) => {
      await deleteEvents(client, result.eventKeys);
      // A batch the loader flagged again meanwhile keeps its (newer) row.
      await client.query("DELETE FROM pending_batch_scrubs WHERE object_key = $1 AND found_at = $2", [
        row.object_key,
        row.found_at,
      ]);
    });
    deps.logger.info("rewrote a batch that brought erased recipients back", {
      objectKey: row.object_key,
      recordsRemoved: result.recordsRemoved,
      versionsDeleted: result.versionsDeleted,
    });
    scrubbed++;
  }
  return scrubbed;
}

/** Takes a request as far as the budget allows; returns the status it reached. */
async function advance(deps: EraserDeps, request: OpenRequest, outOfTime: () => boolean): Promise<ErasureStatus> {
  const id = Number(request.request_id);
  let { status, next_day: nextDay } = request;
  if (status === "pending") {
    await fence(deps.pool);
    await deps.pool.query(
      `UPDATE erasure_requests SET status = 'events', next_day = NULL, started_at = coalesce(started_at, now()),
         updated_at = now(), last_error = NULL
       WHERE request_id = $1`,
      [id],
    );
    status = "events";
    nextDay = null;
    deps.logger.info("erasure started", { requestId: id });
  }
  if (status === "events") {
    const wanted = await requestRecipients(deps.pool, id);
    for (const day of await partitionDays(deps.pool, nextDay)) {
      if (outOfTime()) return status;
      await eraseDay(deps, { id, scope: request.scope }, day, wanted);
    }
    await inTransaction(deps.pool, async (client) => {
      // Batches holding records no events row of theirs points to (duplicates, refused records, raw_rcpt_to).
      await client.query(
        `INSERT INTO erasure_batches (request_id, object_key, batch_id)
         SELECT $1, b.object_key, b.batch_id
         FROM recipient_batches AS rb JOIN batches AS b ON b.batch_id = rb.batch_id
         WHERE rb.recipient_hash IN (SELECT recipient_hash FROM erasure_recipients WHERE request_id = $1)
         ON CONFLICT DO NOTHING`,
        [id],
      );
      await client.query(
        "UPDATE erasure_requests SET status = 'batches', next_day = NULL, updated_at = now() WHERE request_id = $1",
        [id],
      );
    });
    status = "batches";
  }
  const pending = await deps.pool.query<{ object_key: string }>(
    "SELECT object_key FROM erasure_batches WHERE request_id = $1 AND done_at IS NULL ORDER BY object_key",
    [id],
  );
  for (const { object_key: objectKey } of pending.rows) {
    if (outOfTime()) return status;
    const result = await scrubBatch(deps, objectKey);
    await inTransaction(deps.pool, async (client) => {
      const deleted = await deleteEvents(client, result.eventKeys);
      await client.query(
        "UPDATE erasure_batches SET done_at = now(), records_removed = $3 WHERE request_id = $1 AND object_key = $2",
        [id, objectKey, result.recordsRemoved],
      );
      await client.query(
        `UPDATE erasure_requests SET batches_rewritten = batches_rewritten + $2, records_removed = records_removed + $3,
           events_erased = events_erased + $4, updated_at = now()
         WHERE request_id = $1`,
        [id, result.rewritten ? 1 : 0, result.recordsRemoved, deleted],
      );
    });
  }
  await inTransaction(deps.pool, async (client) => {
    await client.query(
      `UPDATE erasure_requests SET status = 'completed', completed_at = now(), updated_at = now(), last_error = NULL
       WHERE request_id = $1`,
      [id],
    );
    // The search index's hash of each address is needed no more.
    await client.query("UPDATE erasure_recipients SET search_token = NULL WHERE request_id = $1", [id]);
  });
  deps.logger.info("erasure completed", { requestId: id });
  return "completed";
}

interface Wanted {
  hashes: Set<string>;
  tokens: number[];
}

async function requestRecipients(pool: pg.Pool, requestId: number): Promise<Wanted> {
  const { rows } = await pool.query<{ hash: string; search_token: number | null }>(
    "SELECT encode(recipient_hash, 'hex') AS hash, search_token FROM erasure_recipients WHERE request_id = $1",
    [requestId],
  );
  return {
    hashes: new Set(rows.map((row) => row.hash)),
    tokens: [...new Set(rows.flatMap((row) => (row.search_token === null ? [] : [row.search_token])))],
  };
}

/** One day of a request's events, in one transaction that also records the day as done. */
async function eraseDay(
  deps: EraserDeps,
  request: { id: number; scope: number },
  day: string,
  wanted: Wanted,
): Promise<void> {
  await inTransaction(deps.pool, async (client) => {
    const found = (await findEventsInDay(client, day, wanted.tokens)).filter(
      (event) =>
        (request.scope === EVERY_ACCOUNT || request.scope === event.subaccount) &&
        wanted.hashes.has(deps.hasher.hash(event.recipient).toString("hex")),
    );
    const deleted = await deleteEvents(client, found);
    if (found.length > 0) {
      await client.query(
        `INSERT INTO erasure_batches (request_id, object_key, batch_id)
         SELECT $1, object_key, batch_id FROM batches WHERE batch_id = ANY($2::text[])
         ON CONFLICT DO NOTHING`,
        [request.id, [...new Set(found.map((event) => event.batchId))]],
      );
    }
    await client.query(
      `UPDATE erasure_requests SET next_day = $2::date + 1, events_erased = events_erased + $3, updated_at = now()
       WHERE request_id = $1`,
      [request.id, day, deleted],
    );
  });
}

/**
 * Waits for every load transaction that began before now to end (they hold the fence shared): loads that could not
 * see a suppression saved just before have committed, so the events they stored are found.
 */
async function fence(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [SUPPRESSION_FENCE_LOCK]);
  });
}

async function inTransaction(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  await withClient(pool, async (client) => {
    await client.query("BEGIN");
    try {
      await work(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  });
}

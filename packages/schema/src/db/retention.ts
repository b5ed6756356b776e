import type pg from "pg";
import { DAY_MS } from "../model/utc-days.ts";
import { withClient } from "./checkout.ts";

export interface RetentionOptions {
  /**
   * Keep events this many days; whole daily partitions older than that are dropped. Undefined or 0 keeps everything
   * (the default). Deployables read it from `MSGEVENTS_RETENTION_DAYS`.
   */
  retentionDays?: number | undefined;
  /** The time retention is measured from; defaults to the current time. */
  now?: Date;
  /**
   * Longest wait for the brief exclusive lock on `events` that dropping a partition needs. Past it the run fails
   * (code 55P03) instead of queueing every query behind a long-running one; the next run retries.
   */
  lockTimeoutMs?: number;
}

/**
 * Drops every daily partition whose upper bound is at or before `now - retentionDays` and returns the names of the
 * partitions dropped, oldest first. Today's and future partitions are never dropped (the database refuses any cutoff
 * later than its own clock). Loaders that cache known partitions (PartitionManager) recreate a dropped day on demand
 * when a late event for it arrives.
 */
export async function dropExpiredPartitions(pool: pg.Pool, options: RetentionOptions = {}): Promise<string[]> {
  const { retentionDays, now = new Date(), lockTimeoutMs = 10_000 } = options;
  if (retentionDays === undefined || retentionDays === 0) return [];
  if (!Number.isInteger(retentionDays) || retentionDays < 0) {
    throw new RangeError(`retentionDays must be a whole number of days >= 0, got ${retentionDays}`);
  }
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  return withClient(pool, async (client) => {
    await client.query("BEGIN");
    try {
      await client.query("SELECT set_config('lock_timeout', $1, true)", [
        `${Math.max(1, Math.round(lockTimeoutMs))}ms`,
      ]);
      const result = await client.query<{ dropped: string }>(
        "SELECT msgevents_drop_partitions_before($1::timestamptz) AS dropped",
        [cutoff],
      );
      await client.query("COMMIT");
      return result.rows.map((row) => row.dropped);
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  });
}

import { type NormalizedEvent, PartitionManager } from "@msgevents/schema";
import type { TestDatabase } from "@msgevents/testkit";
import type pg from "pg";

export interface Blocker {
  /** Rolls the blocking transaction back: the blocked loader's insert of that key then goes ahead. */
  release(): Promise<void>;
}

/**
 * Holds one event's primary key in an open transaction of the test's own, so a loader inserting that key waits for
 * it mid-statement, with its transaction open and every key ordered before it already written (loaders insert in
 * key order). This is how a test freezes a loader mid-transaction without any hook in the loader's code.
 */
export async function holdEventKey(database: TestDatabase, event: NormalizedEvent): Promise<Blocker> {
  const client = database.client({ application_name: "msgevents-test-blocker" });
  await client.connect();
  const partitionsPool = database.pool({ max: 1 });
  await new PartitionManager(partitionsPool).ensureFor([event.eventTime]);
  await partitionsPool.end();
  await client.query("BEGIN");
  await client.query(
    "INSERT INTO events (event_time, type, event_id, batch_id, received_at, payload) VALUES ($1, $2, $3, 'test-blocker', now(), '{}')",
    [event.eventTime, event.type, event.eventId],
  );
  return {
    async release() {
      await client.query("ROLLBACK").catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

/** Waits until `count` sessions other than the blocker wait for a lock (a row or a transaction). */
export async function waitForLockWaiters(pool: pg.Pool, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
    );
    if ((result.rows[0]?.n ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} sessions waited for a lock within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { setTimeout as sleep } from "node:timers/promises";
import { withClient } from "@msgevents/schema";
import type pg from "pg";
import { isRetryableAtOnce } from "./errors.ts";

/**
 * Runs work in one transaction on a pooled connection; work decides whether to commit (true) or roll back. On any
 * error the connection is destroyed rather than returned (withClient): its state (mid-transaction, broken socket)
 * is unknown.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<{ commit: boolean; value: T }>,
): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query("BEGIN");
    const { commit, value } = await work(client);
    await client.query(commit ? "COMMIT" : "ROLLBACK");
    return value;
  });
}

const ATTEMPTS = 3;

/**
 * Retries an idempotent database operation after a deadlock, a serialization failure or a connection that died while
 * idle in the pool. Anything else (database down, timeouts) is left to the caller's retry (SQS redelivery).
 */
export async function retryAtOnce<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryableAtOnce(error)) throw error;
      await sleep(50 * attempt);
    }
  }
}

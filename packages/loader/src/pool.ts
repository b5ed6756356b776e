import type { Logger } from "@aws-lambda-powertools/logger";
import { type DatabaseSettings, pgConnectionOptions } from "@msgevents/runtime-config/database";
import pg from "pg";

/**
 * A small pool meant to live at module scope for the life of a Lambda instance (or a local loader process).
 * - `max` bounds the connections (and so the concurrent loads) per instance.
 * - Idle connections are closed after a while, and every connection is replaced after 15 minutes, so a connection
 *   that sat through a long freeze is seldom reused; one that was dropped meanwhile fails its first query, and
 *   loadBatch retries on a fresh connection (see transaction.ts).
 * - With IAM authentication every new connection signs a fresh token (see pgConnectionOptions), so replacing
 *   connections never meets an expired one.
 * - An error on an idle connection (server restart) is logged instead of crashing the process.
 * - Server-side timeouts end a transaction whose loader vanished (Lambda timeout, frozen instance) so it cannot
 *   hold a batch's row lock for long.
 */
export function createLoaderPool(database: DatabaseSettings, options: { max: number; logger: Logger }): pg.Pool {
  const pool = new pg.Pool({
    ...pgConnectionOptions(database),
    max: options.max,
    idleTimeoutMillis: 60_000,
    maxLifetimeSeconds: 900,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    statement_timeout: 120_000,
    idle_in_transaction_session_timeout: 60_000,
    application_name: "msgevents-loader",
  });
  pool.on("error", (error) => {
    options.logger.warn("idle database connection failed; it was removed from the pool", { error: error.message });
  });
  return pool;
}

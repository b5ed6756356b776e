import { pgConnectionOptions } from "@msgevents/runtime-config/database";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { QueryConfig } from "./env.ts";
import type { QueryLogger } from "./handler.ts";
import type { SearchDatabase } from "./search/snapshot.ts";

export interface QueryDatabase {
  pool: pg.Pool;
  db: SearchDatabase;
}

/**
 * Session settings for search connections, measured on the benchmark: parallel workers start as cold processes that
 * must load every partition's catalog entries (~50 ms before the first row, while the page and the count already run
 * side by side), and JIT compiles for 50-200 ms whenever a 30-day plan's estimated cost passes jit_above_cost.
 */
export const QUERY_SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0 -c jit=off";

/**
 * A small pool for the query API. Idle connections are closed after 30 s and TCP keepalive is on, so a Lambda thawed
 * after a long freeze rarely finds a dead socket; pg drops a client that errors, and the error listener keeps an idle
 * client's failure from crashing the process. TLS and IAM authentication follow the config (pgConnectionOptions).
 */
export function createQueryDatabase(
  config: Pick<QueryConfig, "database" | "poolMax" | "statementTimeoutMs">,
  logger?: QueryLogger,
): QueryDatabase {
  const pool = new pg.Pool({
    ...pgConnectionOptions(config.database),
    max: config.poolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: config.statementTimeoutMs,
    application_name: "msgevents-query",
    options: QUERY_SESSION_OPTIONS,
  });
  pool.on("error", (error) => logger?.error("idle database connection failed", { error: error.message }));
  return { pool, db: drizzle({ client: pool }) };
}

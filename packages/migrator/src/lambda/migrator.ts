// The migrator Lambda's entry point (bundled by build.ts, with the migrations copied beside it). Pulumi invokes it
// (aws.lambda.Invocation) on every deployment; a thrown error fails the deployment and the aliases stay where they
// were, so every function keeps running the previous version against the unchanged schema.
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { pgConnectionOptions } from "@msgevents/runtime-config/database";
import { readSecretJson } from "@msgevents/runtime-config/secrets";
import type { Context } from "aws-lambda";
import pg from "pg";
import { masterSecretArn, migratorDatabase, readMigrationLimits } from "../env.ts";
import { type MigrationResult, migrateAndGrant } from "../run.ts";

const logger = new Logger({ serviceName: "msgevents-migrator" });
const secretArn = masterSecretArn(process.env);
const limits = readMigrationLimits(process.env);
const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** The input is only logged; returns the applied migration tags and the roles. */
export async function handler(event: unknown, context: Context): Promise<MigrationResult> {
  logger.info("migrator invoked", { input: event });
  // Read per invocation, not per cold start: RDS rotates its managed master secret (every 7 days by default), and
  // the migrator runs only at deployments.
  const database = migratorDatabase(process.env, await readSecretJson(secretArn));
  const pool = new pg.Pool({
    ...pgConnectionOptions(database),
    max: 1,
    connectionTimeoutMillis: 10_000,
    application_name: "msgevents-migrator",
  });
  pool.on("error", (error) => logger.warn("idle database connection failed", { error: error.message }));
  // A statement never outlives the function: the database ends it (and its transaction's locks) while at least half
  // the function's time is left for the rollback, the roles and the report.
  const statementTimeoutMs = Math.min(limits.statementTimeoutMs, Math.floor(context.getRemainingTimeInMillis() / 2));
  try {
    const result = await migrateAndGrant(pool, { migrationsFolder, ...limits, statementTimeoutMs });
    logger.info("schema migrated and login roles ensured", { ...result });
    return result;
  } catch (error) {
    logger.error("migration failed", { error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    await pool.end();
  }
}

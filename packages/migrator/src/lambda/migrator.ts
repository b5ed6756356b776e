// The migrator Lambda's entry point (bundled by build.ts, with the migrations copied beside it). Pulumi invokes it
// (aws.lambda.Invocation) on every deployment; a thrown error fails the deployment.
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { pgConnectionOptions } from "@msgevents/runtime-config/database";
import { readSecretJson } from "@msgevents/runtime-config/secrets";
import pg from "pg";
import { masterSecretArn, migratorDatabase } from "../env.ts";
import { type MigrationResult, migrateAndGrant } from "../run.ts";

const logger = new Logger({ serviceName: "msgevents-migrator" });
const secretArn = masterSecretArn(process.env);
const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** The input is only logged; returns the applied migration tags and the roles. */
export async function handler(event: unknown): Promise<MigrationResult> {
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
  try {
    const result = await migrateAndGrant(pool, { migrationsFolder });
    logger.info("schema migrated and login roles ensured", { ...result });
    return result;
  } finally {
    await pool.end();
  }
}

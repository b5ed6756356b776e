import { type DatabaseSettings, readDatabaseEnv } from "@msgevents/runtime-config/database";
import * as z from "zod/mini";

type Env = Record<string, string | undefined>;

export class MigratorConfigError extends Error {
  override readonly name = "MigratorConfigError";
}

/**
 * The migrator's master-user secret: `MSGEVENTS_DB_MASTER_SECRET_ARN`, the RDS-managed secret (JSON
 * `{"username","password"}`), read once per cold start by the Lambda entry.
 */
export function masterSecretArn(env: Env): string {
  const arn = env.MSGEVENTS_DB_MASTER_SECRET_ARN;
  if (!arn) throw new MigratorConfigError("MSGEVENTS_DB_MASTER_SECRET_ARN is required");
  return arn;
}

/**
 * The migrator's database settings: MSGEVENTS_DB_HOST/PORT/NAME/SSL from the environment, user and password from the
 * master secret (the schema owner).
 */
export function migratorDatabase(env: Env, masterSecret: Record<string, string>): DatabaseSettings {
  if (!masterSecret.username || !masterSecret.password) {
    throw new MigratorConfigError("the master secret needs username and password");
  }
  return readDatabaseEnv({
    ...env,
    MSGEVENTS_DB_USER: masterSecret.username,
    MSGEVENTS_DB_PASSWORD: masterSecret.password,
  });
}

const migrationEnvSchema = z.object({
  /** Longest wait for a lock a migration needs before the run is tried again (3 tries), default 10 s. */
  MSGEVENTS_MIGRATION_LOCK_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(100), z.lte(60_000)), 10_000),
  /** Longest one migration statement may run, default 5 minutes: well under the function's 15. */
  MSGEVENTS_MIGRATION_STATEMENT_TIMEOUT_MS: z._default(
    z.coerce.number().check(z.int(), z.gte(1_000), z.lte(600_000)),
    300_000,
  ),
});

export interface MigrationLimits {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** The migration's lock_timeout and statement_timeout (see migrate in @msgevents/schema), from the environment. */
export function readMigrationLimits(env: Env): MigrationLimits {
  const parsed = migrationEnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new MigratorConfigError(`invalid migrator configuration: ${problems.join("; ")}`);
  }
  return {
    lockTimeoutMs: parsed.data.MSGEVENTS_MIGRATION_LOCK_TIMEOUT_MS,
    statementTimeoutMs: parsed.data.MSGEVENTS_MIGRATION_STATEMENT_TIMEOUT_MS,
  };
}

const maintenanceEnvSchema = z.object({
  /** Whole days of events to keep; unset or 0 keeps everything. */
  MSGEVENTS_RETENTION_DAYS: z.optional(z.coerce.number().check(z.int(), z.gte(0), z.lte(36_500))),
});

export interface MaintenanceConfig {
  database: DatabaseSettings;
  retentionDays: number | undefined;
}

/** The maintenance function's configuration: the shared database variables and MSGEVENTS_RETENTION_DAYS. */
export function readMaintenanceEnv(env: Env): MaintenanceConfig {
  const database = readDatabaseEnv(env);
  const parsed = maintenanceEnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new MigratorConfigError(`invalid maintenance configuration: ${problems.join("; ")}`);
  }
  return { database, retentionDays: parsed.data.MSGEVENTS_RETENTION_DAYS || undefined };
}

import {
  type BackfillRunResult,
  ensureLoginRoles,
  type LoginRole,
  type MaintenanceOptions,
  type MaintenanceResult,
  type MigrateOptions,
  maintainPartitions,
  migrate,
  runBackfills,
} from "@msgevents/schema";
import type pg from "pg";

export interface MigrationResult {
  /** Tags of the migrations this run applied, oldest first. */
  applied: string[];
  /** The login roles that now exist with their privileges. */
  roles: LoginRole[];
}

/**
 * The migrator's job, as the schema owner: apply the migrations, then create or update the least-privilege login
 * roles (their grants depend on the tables and functions the migrations made). Idempotent. Migrations are schema
 * changes only, so this takes seconds whatever the events stored; what a migration derives from the events is a
 * backfill, which the maintenance function fills afterwards (see maintain).
 */
export async function migrateAndGrant(
  pool: pg.Pool,
  options: MigrateOptions & { migrationsFolder: string },
): Promise<MigrationResult> {
  const applied = await migrate(pool, options);
  const roles = await ensureLoginRoles(pool);
  return { applied, roles };
}

export interface MaintenanceRunResult extends MaintenanceResult {
  backfills: { filled: number; events: number; failed: number; remaining: number };
}

/** How a maintenance run's time is shared out, from the time its function has left when it starts. */
export interface MaintenanceTime {
  /** Milliseconds left before the function is stopped. */
  remainingMs: number;
  /** No backfill day starts with less time left than this (a day must finish inside the run). */
  backfillReserveMs?: number;
  /** Every fill ends this long before the function is stopped. */
  safetyMs?: number;
}

/**
 * The hourly maintenance: partitions ahead, retention and vacuum (maintainPartitions), then backfill days in the time
 * left. The backfills throw BackfillError after filling what they could when a day fails in a way that needs
 * attention, which fails the invocation (the alarm on the function's errors).
 */
export async function maintain(
  pool: pg.Pool,
  options: MaintenanceOptions & MaintenanceTime,
  onBackfills: (result: BackfillRunResult) => void = () => {},
): Promise<MaintenanceRunResult> {
  const { remainingMs, backfillReserveMs = 120_000, safetyMs = 15_000, ...partitionOptions } = options;
  const started = Date.now();
  const partitions = await maintainPartitions(pool, partitionOptions);
  const left = remainingMs - (Date.now() - started);
  const backfills = await runBackfills(pool, {
    budgetMs: Math.max(0, left - backfillReserveMs),
    stopBy: Date.now() + left - safetyMs,
  });
  onBackfills(backfills);
  return {
    ...partitions,
    backfills: {
      filled: backfills.filled.length,
      events: backfills.filled.reduce((sum, day) => sum + day.events, 0),
      failed: backfills.failed.length,
      remaining: backfills.remaining,
    },
  };
}

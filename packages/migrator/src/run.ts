import { ensureLoginRoles, type LoginRole, migrate } from "@msgevents/schema";
import type pg from "pg";

export interface MigrationResult {
  /** Tags of the migrations this run applied, oldest first. */
  applied: string[];
  /** The login roles that now exist with their privileges. */
  roles: LoginRole[];
}

/**
 * The migrator's job, as the schema owner: apply the migrations, then create or update the least-privilege login
 * roles (their grants depend on the tables and functions the migrations made). Idempotent.
 */
export async function migrateAndGrant(pool: pg.Pool, options: { migrationsFolder: string }): Promise<MigrationResult> {
  const applied = await migrate(pool, options);
  const roles = await ensureLoginRoles(pool);
  return { applied, roles };
}

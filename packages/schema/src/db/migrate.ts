import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as drizzleMigrate } from "drizzle-orm/node-postgres/migrator";
import type pg from "pg";
import { withClient } from "./checkout.ts";

/** The committed drizzle-kit migrations; bundlers copy this folder beside the code that runs migrate(). */
export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

/** Serializes migrators (several Lambdas or local stacks starting at once) on one database. */
const MIGRATION_LOCK = 727_110_001;

/**
 * Brings the database to the latest schema; safe to run concurrently and repeatedly. Returns the tags of the
 * migrations this call applied (`0007_…`), oldest first; empty when the schema was already current.
 */
export async function migrate(pool: pg.Pool, options: { migrationsFolder?: string } = {}): Promise<string[]> {
  const folder = options.migrationsFolder ?? migrationsFolder;
  return withClient(pool, async (client) => {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      const before = await appliedMigrationTimes(client);
      await drizzleMigrate(drizzle({ client }), { migrationsFolder: folder });
      const after = await appliedMigrationTimes(client);
      const journal = JSON.parse(await readFile(path.join(folder, "meta", "_journal.json"), "utf8")) as {
        entries: { when: number; tag: string }[];
      };
      return journal.entries
        .filter((entry) => after.has(entry.when) && !before.has(entry.when))
        .map((entry) => entry.tag);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  });
}

/** drizzle records each applied migration by its journal time (`when`) in drizzle.__drizzle_migrations. */
async function appliedMigrationTimes(client: pg.PoolClient): Promise<Set<number>> {
  const table = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS exists",
  );
  if (!table.rows[0]?.exists) return new Set();
  const { rows } = await client.query<{ created_at: string }>(
    "SELECT created_at::text FROM drizzle.__drizzle_migrations",
  );
  return new Set(rows.map((row) => Number(row.created_at)));
}

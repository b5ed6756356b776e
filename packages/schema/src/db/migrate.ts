import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as drizzleMigrate } from "drizzle-orm/node-postgres/migrator";
import type pg from "pg";
import { withClient } from "./checkout.ts";

/** The committed drizzle-kit migrations; bundlers copy this folder beside the code that runs migrate(). */
export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

/** Serializes migrators (several Lambdas or local stacks starting at once) on one database. */
const MIGRATION_LOCK = 727_110_001;

/** Brings the database to the latest schema; safe to run concurrently and repeatedly. */
export async function migrate(pool: pg.Pool, options: { migrationsFolder?: string } = {}): Promise<void> {
  await withClient(pool, async (client) => {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await drizzleMigrate(drizzle({ client }), { migrationsFolder: options.migrationsFolder ?? migrationsFolder });
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  });
}

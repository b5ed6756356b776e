import { readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as drizzleMigrate } from "drizzle-orm/node-postgres/migrator";
import type pg from "pg";
import { withClient } from "./checkout.ts";

/** The committed drizzle-kit migrations; bundlers copy this folder beside the code that runs migrate(). */
export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

interface Journal {
  entries: { when: number; tag: string }[];
}

async function readJournal(folder: string): Promise<Journal> {
  return JSON.parse(await readFile(path.join(folder, "meta", "_journal.json"), "utf8")) as Journal;
}

/** The tags of the migrations in `folder` (`0007_…`), oldest first; from `first` on when given. */
export async function migrationTags(options: { folder?: string; first?: string } = {}): Promise<string[]> {
  const tags = (await readJournal(options.folder ?? migrationsFolder)).entries.map((entry) => entry.tag);
  const start = options.first === undefined ? 0 : tags.findIndex((tag) => tag.startsWith(options.first ?? ""));
  if (start < 0) throw new Error(`no migration ${options.first} in the journal`);
  return tags.slice(start);
}

/** Serializes migrators (several Lambdas or local stacks starting at once) on one database. */
const MIGRATION_LOCK = 727_110_001;

export interface MigrateOptions {
  migrationsFolder?: string;
  /**
   * Longest wait for any lock a migration statement needs (default 10 s). A DDL lock being waited for makes every
   * later load and search of that table wait behind it, so the wait is kept short and the whole run tried again.
   */
  lockTimeoutMs?: number;
  /**
   * Tries when a lock was not granted in time, or the database broke a deadlock between the migration and a load by
   * ending the migration (default 3), a second apart.
   */
  lockAttempts?: number;
  /**
   * Longest any one statement may run (default 5 minutes), the wait for another migrator included: well under the
   * migrator Lambda's 15 minutes, so the database ends a runaway migration before the Lambda is killed mid-way.
   */
  statementTimeoutMs?: number;
}

/** Why migrate() failed, in words for whoever runs the deployment; `cause` is the database's error. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    message: string,
    /** The migrations that were to be applied (none was: they share one transaction, rolled back). */
    readonly pending: string[],
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

const LOCK_NOT_AVAILABLE = "55P03";
const DEADLOCK_DETECTED = "40P01";
/** Failures over locks that a later run, once the other session's transaction has ended, does not meet again. */
const LOCK_CONFLICTS = [LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED];
const QUERY_CANCELED = "57014";
const CONNECTION_ENDED = ["57P01", "57P02", "57P03", "08006", "08003"];

/**
 * Brings the database to the latest schema; safe to run concurrently and repeatedly. Returns the tags of the
 * migrations this call applied (`0007_…`), oldest first; empty when the schema was already current.
 *
 * Every pending migration runs in one transaction (drizzle's migrator), so a failure applies none of them. The
 * session is bounded: statement_timeout and lock_timeout (see MigrateOptions), idle_in_transaction_session_timeout,
 * and client_connection_check_interval so that a migrator that vanished mid-statement (a Lambda killed at its timeout)
 * has its transaction ended, and its locks released, within seconds instead of whenever the socket times out.
 * Failures are thrown as MigrationError, saying what happened and what to do.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions = {}): Promise<string[]> {
  const {
    migrationsFolder: folder = migrationsFolder,
    lockTimeoutMs = 10_000,
    lockAttempts = 3,
    statementTimeoutMs = 300_000,
  } = options;
  const journal = await readJournal(folder);
  for (let attempt = 1; ; attempt++) {
    let pending: string[] = [];
    try {
      return await withClient(pool, async (client) => {
        await client.query(
          `SELECT set_config('statement_timeout', $1, false), set_config('idle_in_transaction_session_timeout', '60s', false),
                  set_config('client_connection_check_interval', '10s', false)`,
          [`${Math.max(1, Math.round(statementTimeoutMs))}ms`],
        );
        await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
        let failed = false;
        try {
          await client.query("SELECT set_config('lock_timeout', $1, false)", [
            `${Math.max(1, Math.round(lockTimeoutMs))}ms`,
          ]);
          const before = await appliedMigrationTimes(client);
          pending = journal.entries.filter((entry) => !before.has(entry.when)).map((entry) => entry.tag);
          await drizzleMigrate(drizzle({ client }), { migrationsFolder: folder });
          const after = await appliedMigrationTimes(client);
          return journal.entries
            .filter((entry) => after.has(entry.when) && !before.has(entry.when))
            .map((entry) => entry.tag);
        } catch (error) {
          failed = true;
          throw error;
        } finally {
          // After a failure the session may be gone; the failure is thrown either way, and withClient then closes
          // the session rather than pooling it, which releases the advisory lock in any case.
          const release = async () => {
            await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
            await client.query(
              "RESET lock_timeout; RESET statement_timeout; RESET idle_in_transaction_session_timeout; " +
                "RESET client_connection_check_interval",
            );
          };
          await release().catch((error: unknown) => {
            if (!failed) throw error;
          });
        }
      });
    } catch (error) {
      const code = databaseCode(error);
      if (code !== undefined && LOCK_CONFLICTS.includes(code) && attempt < lockAttempts) {
        await sleep(1_000);
        continue;
      }
      throw describeFailure(error, code, pending, { lockTimeoutMs, lockAttempts, statementTimeoutMs });
    }
  }
}

function databaseCode(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

function describeFailure(
  error: unknown,
  code: string | undefined,
  pending: string[],
  limits: { lockTimeoutMs: number; lockAttempts: number; statementTimeoutMs: number },
): MigrationError {
  const which = pending.length > 0 ? `migrating to ${pending.at(-1)} (${pending.length} pending)` : "migrating";
  // The database's own words: drizzle wraps them in "Failed query: <the whole migration>".
  let root = error;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const reason = root instanceof Error ? root.message : String(root);
  const sessionEnded =
    (code !== undefined && CONNECTION_ENDED.includes(code)) ||
    /Connection terminated|connection.*(closed|ended)/i.test(reason);
  const happened =
    code === LOCK_NOT_AVAILABLE
      ? `another session held a lock the migration needs for more than ${limits.lockTimeoutMs} ms, ${limits.lockAttempts} times ` +
        "(a long search or load on the events table, or a stuck session: see pg_stat_activity)"
      : code === DEADLOCK_DETECTED
        ? `the database ended it to break a deadlock with another session's locks, ${limits.lockAttempts} times ` +
          "(loads creating partitions while the migration changes the events table)"
        : code === QUERY_CANCELED
          ? `a statement ran longer than the migration's statement_timeout of ${limits.statementTimeoutMs} ms`
          : sessionEnded
            ? "the migration's database session was ended"
            : "the database refused a statement";
  return new MigrationError(
    `${which} failed: ${happened} (${reason}). Nothing was applied: the pending migrations run in one transaction, ` +
      "which was rolled back, and no lock is left behind; the deployed functions stay on the previous version. " +
      "Run the deployment again (pulumi up, or restart the local stack); if it fails the same way, see Upgrading in the README.",
    pending,
    { cause: error },
  );
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

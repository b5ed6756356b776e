import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { earlierMigrations, startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MigrationError, migrate, migrationsFolder, migrationTags } from "../src/index.ts";

// The migrator must never hold the database hostage: a migration that waits too long for a lock, runs too long, or
// loses its session is rolled back whole, leaves no lock behind, and says what happened; the next run succeeds.

let database: TestDatabase;
let pool: pg.Pool;
let admin: pg.Pool;
let holder: pg.Client;

beforeEach(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 1, application_name: "migrator-under-test" });
  admin = database.pool({ max: 1 });
  holder = database.client();
  await holder.connect();
  // A database as a deployment from before 0008 left it: 0008 must lock events to create its trigger.
  const earlier = await earlierMigrations({ before: "0008" });
  try {
    await migrate(admin, { migrationsFolder: earlier.folder });
  } finally {
    await earlier.remove();
  }
  await admin.query("SELECT msgevents_ensure_partitions('2024-06-01', '2024-06-01')");
});

afterEach(async () => {
  await holder?.end();
  await pool?.end();
  await admin?.end();
  await database?.close();
});

async function appliedMigrations(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
  return rows[0]?.n ?? 0;
}

/** Locks held in this database by sessions other than the holder and the admin connection, advisory ones included. */
async function otherLocks(): Promise<unknown[]> {
  const { rows } = await admin.query(
    `SELECT l.pid, l.locktype, l.mode, l.relation::regclass::text AS relation FROM pg_locks l
     WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.pid NOT IN ($1, pg_backend_pid())`,
    [(holder as unknown as { processID: number }).processID],
  );
  return rows;
}

/** An open load transaction on events, which the DDL of 0008 must wait for. */
async function holdEventsLikeALoad(): Promise<void> {
  await holder.query("BEGIN; LOCK TABLE events IN ROW EXCLUSIVE MODE");
}

/** The current migrations and one more, `tag` running `sql`, in a folder of their own for `use`. */
async function withExtraMigration(tag: string, sql: string, use: (folder: string) => Promise<void>): Promise<void> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "msgevents-extra-migration-"));
  try {
    await cp(migrationsFolder, folder, { recursive: true });
    const journalPath = path.join(folder, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { when: number; tag: string }[] };
    const last = journal.entries.at(-1);
    journal.entries.push({ ...last, when: (last?.when ?? 0) + 1, tag } as { when: number; tag: string });
    await writeFile(journalPath, JSON.stringify(journal));
    await writeFile(path.join(folder, `${tag}.sql`), sql);
    await use(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

describe("migrate", () => {
  test("a lock not granted within lock_timeout fails the run, which says so, applies nothing and leaves no lock; the next run succeeds", async () => {
    await holdEventsLikeALoad();
    const applied = await appliedMigrations();
    const error = await migrate(pool, { lockTimeoutMs: 50, lockAttempts: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    const pending = await migrationTags({ first: "0008" });
    expect((error as MigrationError).pending).toEqual(pending);
    expect((error as Error).message).toMatch(
      /^migrating to \S+ \(\d+ pending\) failed: another session held a lock the migration needs for more than 50 ms, 2 times .*Nothing was applied.*Run the deployment again/,
    );
    expect(await appliedMigrations()).toBe(applied);
    expect(await otherLocks()).toEqual([]);

    await holder.query("ROLLBACK");
    expect(await migrate(pool)).toEqual(await migrationTags({ first: "0008" }));
  });

  test("a migration whose session is ended while it waits mid-way leaves no lock, and the next run succeeds", async () => {
    await holdEventsLikeALoad();
    const applied = await appliedMigrations();
    const running = migrate(pool, { lockTimeoutMs: 120_000 }).catch((caught: unknown) => caught);
    // The migration has created 0008's tables and now waits for events, as a Lambda cut off at its timeout would.
    let pid: number | undefined;
    while (pid === undefined) {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
         WHERE application_name = 'migrator-under-test' AND wait_event_type = 'Lock' AND state = 'active'`,
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await sleep(20);
    }
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    const error = await running;
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(
      /failed: the migration's database session was ended .*Nothing was applied/,
    );
    expect(await appliedMigrations()).toBe(applied);
    expect(await otherLocks()).toEqual([]);
    const tables = await admin.query("SELECT to_regclass('metric_rollups') IS NULL AS rolled_back");
    expect(tables.rows[0]).toEqual({ rolled_back: true });

    await holder.query("ROLLBACK");
    expect(await migrate(pool)).toEqual(await migrationTags({ first: "0008" }));
  });

  test("a migration the database ends to break a deadlock with a load is run again and applied once the load is done", async () => {
    await migrate(admin);
    // A migration that locks two tables in turn, as 0013 altered events after 0008 had locked it; a load holding the
    // second and then asking for the first closes the cycle. The database ends whichever session's deadlock check
    // (after its deadlock_timeout of waiting) finds the cycle first: the migration's, after 10 s, when the load is
    // surely waiting too however loaded the machine; the load's only after 5 minutes.
    const twoLocks =
      "LOCK TABLE backfill_days IN ACCESS EXCLUSIVE MODE;\n--> statement-breakpoint\nLOCK TABLE events IN ACCESS EXCLUSIVE MODE;";
    const migrator = database.pool({
      max: 1,
      application_name: "migrator-under-test",
      options: "-c deadlock_timeout=10s",
    });
    await holder.query("SET deadlock_timeout = '300s'");
    await withExtraMigration("9999_two_locks", twoLocks, async (folder) => {
      await holdEventsLikeALoad();
      const running = migrate(migrator, { migrationsFolder: folder, lockTimeoutMs: 120_000 });
      while (true) {
        const { rows } = await admin.query(
          `SELECT 1 FROM pg_stat_activity
           WHERE application_name = 'migrator-under-test' AND wait_event_type = 'Lock' AND state = 'active'`,
        );
        if (rows.length > 0) break;
        await sleep(20);
      }
      // Granted once the database has ended the migration's transaction; the load then finishes.
      await holder.query("LOCK TABLE backfill_days IN ROW EXCLUSIVE MODE");
      await holder.query("COMMIT");

      expect(await running).toEqual(["9999_two_locks"]);
      expect(await otherLocks()).toEqual([]);
    });
    await migrator.end();
  });

  test("a statement longer than statement_timeout fails the run with that reason, and the session's limits are reset after every run", async () => {
    await withExtraMigration("9999_slow", "SELECT pg_sleep(600);", async (folder) => {
      const applied = await appliedMigrations();

      const error = await migrate(pool, { migrationsFolder: folder, statementTimeoutMs: 100 }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(
        /^migrating to 9999_slow \(\d+ pending\) failed: a statement ran longer than the migration's statement_timeout of 100 ms/,
      );
      expect(await appliedMigrations()).toBe(applied);
      expect(await otherLocks()).toEqual([]);
    });
    expect(await migrate(pool)).toEqual(await migrationTags({ first: "0008" }));
    const settings = await pool.query(
      `SELECT current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock,
              current_setting('idle_in_transaction_session_timeout') AS idle`,
    );
    expect(settings.rows[0]).toEqual({ statement: "0", lock: "0", idle: "0" });
  });
});

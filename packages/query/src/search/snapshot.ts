import { withClient } from "@msgevents/schema";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";

/** The query API's database: drizzle over its pool (what `drizzle({ client: pool })` returns). */
export type SearchDatabase = NodePgDatabase & { $client: pg.Pool };

/** One statement of an answer, run on whichever connection of the snapshot is free. */
export type SnapshotTask<T> = (db: NodePgDatabase) => Promise<T>;

/** The database as one state: every statement run through it sees the same committed transactions. */
export interface Snapshot {
  /** The connection that holds the snapshot, for statements the others depend on. */
  db: NodePgDatabase;
  /**
   * Runs independent statements side by side: on this connection and, when the pool has one to spare, on a second
   * connection that imports this snapshot. Results in the order of the tasks.
   */
  all<T extends readonly unknown[]>(tasks: { [K in keyof T]: SnapshotTask<T[K]> }): Promise<T>;
}

// Read only: the query role may only SELECT, and a read-only REPEATABLE READ transaction takes no locks of its own.
const BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+-[0-9]+$/i;

/**
 * Runs `work` in one REPEATABLE READ snapshot, so that everything an answer holds (a page, its total count, the
 * values a filter resolved to) describes one state of the database even while loaders commit. Statements that
 * `Snapshot.all` runs side by side share the snapshot through pg_export_snapshot / SET TRANSACTION SNAPSHOT.
 *
 * A second connection is taken only when the pool can hand one over at once (idle, or room for a new one, and no
 * search waiting): otherwise (a pool of one, or other searches hold them) everything runs on the first, one statement
 * after the other, so concurrent searches on a small pool never wait for each other's connections and cannot
 * deadlock. If the second arrives after the first ran out of work, it does nothing.
 */
export async function withSnapshot<T>(pool: pg.Pool, work: (snapshot: Snapshot) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    // Exported in the same round trip as BEGIN whenever a second connection may join (a small file on the server,
    // removed at COMMIT): the first statements then need not wait for an export of their own.
    let snapshotId: string | undefined;
    if (canSpareConnection(pool)) {
      const results = (await client.query(
        `${BEGIN}; SELECT pg_export_snapshot() AS id`,
      )) as unknown as pg.QueryResult[];
      snapshotId = (results[1]?.rows[0] as { id?: string } | undefined)?.id;
    } else {
      await client.query(BEGIN);
    }
    const db = drizzle({ client });
    const value = await work({
      db,
      all: (tasks) => runSideBySide(pool, db, snapshotId, tasks),
    });
    await client.query("COMMIT");
    return value;
  });
}

function canSpareConnection(pool: pg.Pool): boolean {
  return pool.waitingCount === 0 && (pool.idleCount > 0 || pool.totalCount < (pool.options.max ?? 10));
}

async function runSideBySide<T extends readonly unknown[]>(
  pool: pg.Pool,
  db: NodePgDatabase,
  snapshotId: string | undefined,
  tasks: { [K in keyof T]: SnapshotTask<T[K]> },
): Promise<T> {
  const results: unknown[] = new Array(tasks.length);
  let next = 0;
  const drain = async (on: NodePgDatabase) => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as SnapshotTask<unknown>)(on);
    }
  };
  if (tasks.length < 2 || snapshotId === undefined || !canSpareConnection(pool)) {
    await drain(db);
    return results as unknown as T;
  }

  // The second connection joins only while work remains. The first keeps its transaction open until the second is
  // done (the snapshot can only be imported while the exporting transaction lives), and the answer returns only once
  // the second has committed and gone back to the pool: no transaction of a search outlives it (a Lambda frozen
  // right after answering would otherwise hold a snapshot open, and with it vacuum's horizon).
  let state = "connecting" as "connecting" | "joined" | "abandoned";
  const second = withClient(pool, async (client) => {
    if (state === "abandoned" || next >= tasks.length) return;
    state = "joined";
    if (!SNAPSHOT_ID.test(snapshotId)) throw new Error(`unexpected snapshot id ${JSON.stringify(snapshotId)}`);
    await client.query(`${BEGIN}; SET TRANSACTION SNAPSHOT '${snapshotId}'`);
    await drain(drizzle({ client }));
    await client.query("COMMIT");
  });
  // A connection that could not be had is no error (the first connection did the work); a failure after joining is
  // the search's.
  const secondFailure = second.then(
    () => undefined,
    (error: unknown) => (state === "joined" ? { error } : undefined),
  );
  let firstFailure: { error: unknown } | undefined;
  try {
    await drain(db);
  } catch (error) {
    firstFailure = { error };
    next = tasks.length;
  } finally {
    if (state === "connecting") state = "abandoned";
  }
  const afterSecond = await secondFailure;
  const failure = firstFailure ?? afterSecond;
  if (failure) throw failure.error;
  return results as unknown as T;
}

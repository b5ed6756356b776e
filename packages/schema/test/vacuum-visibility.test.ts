import { createEventGenerator } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freezeAllVisible, normalizeBatch, PartitionManager, vacuumEndedPartitions } from "../src/index.ts";
import { type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// A VACUUM cannot mark all-visible the pages whose rows a snapshot older than them may not see (a query, or an
// autovacuum ANALYZE, that started before they were committed). Counts read the days by index-only scans, which read
// the heap for every page left unmarked: the vacuums that exist to mark them try again once such snapshots are gone.

const NOW = new Date("2024-06-02T06:00:00Z");
const YESTERDAY = "events_20240601";

let db: MigratedDatabase;
/** One connection, so that the statistics of what it stored can be flushed before they are read. */
let single: pg.Pool;

beforeAll(async () => {
  db = await startMigratedDatabase();
  single = db.database.pool({ max: 1 });
  await new PartitionManager(single).ensureAround(NOW, { daysBack: 1, daysAhead: 1 });
  // Autovacuum vacuuming the day on its own would take the visibility map out of the test's hands.
  await single.query(`ALTER TABLE ${YESTERDAY} SET (autovacuum_enabled = false)`);
});
afterAll(async () => {
  await single?.end();
  await db?.close();
});

/** A transaction holding a snapshot taken now, as a long search would, until end() is called. */
async function openSnapshot(): Promise<{ end: () => Promise<void> }> {
  const holder = db.database.client();
  await holder.connect();
  await holder.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
  await holder.query("SELECT 1");
  let ended = false;
  return {
    end: async () => {
      if (ended) return;
      ended = true;
      await holder.query("COMMIT");
      await holder.end();
    },
  };
}

/** Runs `check` on a table `copied` of 5,000 rows inserted while a snapshot older than them is open; drops it after. */
async function withCopyUnderSnapshot(check: (snapshot: { end: () => Promise<void> }) => Promise<void>): Promise<void> {
  await single.query("CREATE TABLE copied (n int, filler text)");
  const snapshot = await openSnapshot();
  try {
    await single.query("INSERT INTO copied SELECT n, repeat('x', 200) FROM generate_series(1, 5000) AS n");
    await check(snapshot);
  } finally {
    await snapshot.end();
    await single.query("DROP TABLE copied");
  }
}

async function pagesNotAllVisible(table: string): Promise<number> {
  const { rows } = await single.query<{ left: number }>(
    "SELECT relpages - relallvisible AS left FROM pg_class WHERE oid = $1::regclass",
    [table],
  );
  return rows[0]?.left ?? -1;
}

describe("marking pages all-visible despite older snapshots", () => {
  test("an ended day vacuumed while an older snapshot was open is vacuumed again by a later run, once it has ended", async () => {
    const snapshot = await openSnapshot();
    try {
      const records = createEventGenerator({
        seed: 5,
        total: 3000,
        from: new Date("2024-06-01T00:00:00Z"),
        to: new Date("2024-06-01T23:00:00Z"),
      }).take(3000);
      await storeEvents(single, normalizeBatch(records).events);
      await single.query("SELECT pg_stat_force_next_flush()");
      expect(await vacuumEndedPartitions(single, { now: NOW })).toContain(YESTERDAY);
      expect(await pagesNotAllVisible(YESTERDAY)).toBeGreaterThan(0);
      // The vacuum reset the day's count of inserts: only its visibility map says it is not done.
      await single.query("SELECT pg_stat_force_next_flush()");
      const { rows } = await single.query<{ inserted: number }>(
        "SELECT n_ins_since_vacuum::int AS inserted FROM pg_stat_user_tables WHERE relname = $1",
        [YESTERDAY],
      );
      expect(rows[0]?.inserted).toBe(0);
      expect(await vacuumEndedPartitions(single, { now: NOW })).toContain(YESTERDAY);
      expect(await pagesNotAllVisible(YESTERDAY)).toBeGreaterThan(0);
    } finally {
      await snapshot.end();
    }
    expect(await vacuumEndedPartitions(single, { now: NOW })).toContain(YESTERDAY);
    expect(await pagesNotAllVisible(YESTERDAY)).toBe(0);
    await single.query("SELECT pg_stat_force_next_flush()");
    expect(await vacuumEndedPartitions(single, { now: NOW })).not.toContain(YESTERDAY);
  });

  test("an ended day with a few events erased is all-visible after one vacuum (their index entries removed then)", async () => {
    await single.query(
      `DELETE FROM ${YESTERDAY} WHERE ctid IN (SELECT ctid FROM ${YESTERDAY} ORDER BY ctid DESC LIMIT 3)`,
    );
    await single.query("SELECT pg_stat_force_next_flush()");
    expect(await vacuumEndedPartitions(single, { now: NOW })).toContain(YESTERDAY);
    expect(await pagesNotAllVisible(YESTERDAY)).toBe(0);
  });

  test("a copy is frozen whole: vacuumed again after a wait while an older snapshot keeps pages unmarked", async () => {
    await withCopyUnderSnapshot(async (snapshot) => {
      const waits: number[] = [];
      const frozen = await freezeAllVisible(single, "copied", {
        retryWaitsMs: [10, 10, 10],
        onRetry: async (pagesLeft) => {
          waits.push(pagesLeft);
          await snapshot.end();
        },
      });
      expect(frozen).toBe(true);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThan(0);
      expect(await pagesNotAllVisible("copied")).toBe(0);
    });
  });

  test("a copy left unmarked after every wait is reported so, for the vacuum of ended days to finish", async () => {
    await withCopyUnderSnapshot(async () => {
      const waits: number[] = [];
      const frozen = await freezeAllVisible(single, '"copied"', {
        retryWaitsMs: [10, 10],
        onRetry: (pagesLeft) => {
          waits.push(pagesLeft);
        },
      });
      expect(frozen).toBe(false);
      expect(waits).toHaveLength(2);
      expect(await pagesNotAllVisible("copied")).toBeGreaterThan(0);
    });
  });
});

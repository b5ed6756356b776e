import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { withSnapshot } from "../src/search/snapshot.ts";

let database: TestDatabase;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  database = await startTestDatabase();
  const pool = newPool(1);
  await pool.query("CREATE TABLE counter (n int NOT NULL)");
  await pool.query("INSERT INTO counter VALUES (0)");
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => {})));
  await database?.close();
});

function newPool(max: number): pg.Pool {
  const pool = database.pool({ max });
  pools.push(pool);
  return pool;
}

/** The backend that ran the statement and the counter it saw; bumps the counter from another session in between. */
async function readAndBump(db: NodePgDatabase, writer: pg.Pool): Promise<{ pid: number; n: number }> {
  const result = await db.execute<{ pid: number; n: number }>(sql`SELECT pg_backend_pid() AS pid, n FROM counter`);
  await writer.query("UPDATE counter SET n = n + 1");
  const row = result.rows[0];
  if (!row) throw new Error("no counter row");
  return row;
}

describe("withSnapshot", () => {
  test("runs side-by-side statements on two connections that see the same state, when the pool has two", async () => {
    const pool = newPool(2);
    const writer = newPool(1);
    // Open both connections first, so that the second one is idle and available at once.
    await Promise.all([pool.query("SELECT 1"), pool.query("SELECT 1")]);
    const before = Number((await writer.query("SELECT n FROM counter")).rows[0].n);

    const seen = await withSnapshot(pool, async (snapshot) => {
      const first = await readAndBump(snapshot.db, writer);
      const [a, b] = await snapshot.all([
        async (db) => {
          const row = await readAndBump(db, writer);
          // Holds this connection until the other task ran, so the two cannot run on one connection in turn.
          await new Promise((resolve) => setTimeout(resolve, 200));
          return row;
        },
        (db) => readAndBump(db, writer),
      ]);
      return [first, a, b];
    });

    expect(seen.map((row) => Number(row.n))).toEqual([before, before, before]);
    expect(new Set(seen.map((row) => row.pid)).size).toBe(2);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  test("runs every statement on its one connection, in one snapshot, with a pool of one", async () => {
    const pool = newPool(1);
    const writer = newPool(1);
    const seen = await withSnapshot(pool, async (snapshot) => {
      const first = await readAndBump(snapshot.db, writer);
      const rest = await snapshot.all([(db) => readAndBump(db, writer), (db) => readAndBump(db, writer)]);
      return [first, ...rest];
    });
    expect(new Set(seen.map((row) => row.pid)).size).toBe(1);
    expect(new Set(seen.map((row) => row.n)).size).toBe(1);
  });

  test("does not wait for a second connection that other work holds", async () => {
    const pool = newPool(2);
    const held = await pool.connect();
    try {
      const count = await withSnapshot(pool, (snapshot) =>
        snapshot.all([
          async (db) => (await db.execute(sql`SELECT 1`)).rows.length,
          async (db) => (await db.execute(sql`SELECT 2`)).rows.length,
        ]),
      );
      expect(count).toEqual([1, 1]);
    } finally {
      held.release();
    }
  });

  test("many searches at once on a pool of two all finish, each in its own snapshot", async () => {
    const pool = newPool(2);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        withSnapshot(pool, (snapshot) =>
          snapshot.all([
            async (db) => (await db.execute<{ n: number }>(sql`SELECT n FROM counter`)).rows[0]?.n,
            async (db) => (await db.execute<{ n: number }>(sql`SELECT n FROM counter`)).rows[0]?.n,
          ]),
        ),
      ),
    );
    for (const [a, b] of answers) expect(a).toBe(b);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  test("fails with a statement's error and gives every connection back", async () => {
    const pool = newPool(2);
    await Promise.all([pool.query("SELECT 1"), pool.query("SELECT 1")]);
    const search = withSnapshot(pool, (snapshot) =>
      snapshot.all([
        async (db) => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return (await db.execute(sql`SELECT 1`)).rows;
        },
        async (db) => (await db.execute(sql`SELECT 1/0`)).rows,
      ]),
    );
    // drizzle wraps PostgreSQL's error (division_by_zero) as the cause.
    await expect(search).rejects.toMatchObject({ cause: { code: "22012" } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pool.totalCount - pool.idleCount).toBe(0);
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });
});

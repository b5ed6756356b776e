import type pg from "pg";
import { describe, expect, test } from "vitest";
import { startTestDatabase } from "../src/postgres.ts";

/** Leaves `count` connections idle in the pool, each having run a query. */
async function holdIdle(pool: pg.Pool, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  await Promise.all(clients.map((client) => client.query("SELECT 1")));
  for (const client of clients) client.release();
  expect(pool.idleCount).toBe(count);
}

describe("a test database", () => {
  test("dropped while a pool holds idle connections, ends them first: the drop terminates no session", async () => {
    const database = await startTestDatabase();
    const pool = database.pool({ max: 4 });
    await holdIdle(pool, 4);
    const client = database.client();
    await client.connect();
    await client.query("SELECT 1");

    expect(await database.close()).toEqual({ terminatedSessions: 0 });
    expect(pool.ended).toBe(true);
    expect(database.connectionErrors).toEqual([]);
  });

  test("records an idle connection's termination (what a forced drop does) instead of throwing it", async () => {
    const database = await startTestDatabase();
    try {
      const pool = database.pool({ max: 2, application_name: "msgevents-terminated" });
      await holdIdle(pool, 2);
      const admin = database.client();
      await admin.connect();
      let seen = 0;
      const bothTerminated = new Promise<void>((resolve) => {
        pool.on("error", () => {
          seen += 1;
          if (seen === 2) resolve();
        });
      });
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'msgevents-terminated'",
      );
      await bothTerminated;
      expect(pool.totalCount).toBe(0);
      // The pool dropped the broken connection and serves the next query on a new one.
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      expect(database.connectionErrors).toHaveLength(2);
      expect(database.connectionErrors.every((error) => (error as { code?: string }).code === "57P01")).toBe(true);
    } finally {
      await database.close();
    }
  });

  test("accepts pools and clients the test ended itself, and clients that never connected", async () => {
    const database = await startTestDatabase();
    const pool = database.pool();
    await holdIdle(pool, 1);
    await pool.end();
    const connected = database.client();
    await connected.connect();
    await connected.end();
    database.client();
    expect(await database.close()).toEqual({ terminatedSessions: 0 });
  });
});

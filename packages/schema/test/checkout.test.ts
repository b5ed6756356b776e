import { setTimeout as sleep } from "node:timers/promises";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { withClient } from "../src/index.ts";

let database: TestDatabase;
let admin: pg.Pool;

beforeAll(async () => {
  database = await startTestDatabase();
  admin = database.pool({ max: 1 });
});
afterAll(async () => {
  await admin?.end();
  await database?.close();
});

async function backendPid(client: pg.ClientBase): Promise<number | undefined> {
  return (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
}

function newPool(): pg.Pool {
  const pool = database.pool({ max: 1 });
  return pool;
}

async function waitForBackendGone(pid: number): Promise<void> {
  for (let polls = 0; polls < 200; polls++) {
    const alive = await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid]);
    if (alive.rowCount === 0) return;
    await sleep(25);
  }
  throw new Error(`backend ${pid} did not end`);
}

test("a connection terminated between queries of checked-out work fails that work instead of crashing the process", async () => {
  const pool = newPool();
  const work = withClient(pool, async (client) => {
    const pid = (await backendPid(client)) ?? 0;
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await waitForBackendGone(pid);
    // The server's FATAL message reaches the client while no query runs: pg emits it as an 'error' event.
    await sleep(100);
    await client.query("SELECT 1");
  });

  await expect(work).rejects.toThrow();
  expect(pool.totalCount).toBe(0);
  expect((await pool.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
  await pool.end();
});

test("a client whose work succeeded goes back to the pool for reuse", async () => {
  const pool = newPool();
  const first = await withClient(pool, backendPid);
  const second = await withClient(pool, backendPid);

  expect(second).toEqual(first);
  expect(pool.idleCount).toBe(1);
  await pool.end();
});

test("a client whose work failed is destroyed, not reused", async () => {
  const pool = newPool();
  const first = await withClient(pool, backendPid);
  await expect(
    withClient(pool, async (client) => {
      await client.query("BEGIN");
      throw new Error("work failed mid-transaction");
    }),
  ).rejects.toThrow("work failed mid-transaction");
  const afterFailure = await withClient(pool, backendPid);

  expect(afterFailure).not.toEqual(first);
  await pool.end();
});

import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migrate, PartitionManager } from "../src/index.ts";
import { migrateBefore } from "./support.ts";

// Migration 0027: the B-tree indexes of every day partition fill their leaf pages (fillfactor 100), on the days that
// existed before it and on those created after; the GIN keeps its short pending list (0007) and nothing else.

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await database?.close();
});

/** Each index of the day partitions, by name: its access method and storage parameters (none: []). */
async function dayIndexes(): Promise<Record<string, { method: string; options: string[] }>> {
  const { rows } = await pool.query<{ name: string; method: string; options: string[] | null }>(
    `SELECT ic.relname AS name, am.amname AS method, ic.reloptions AS options
     FROM pg_inherits p JOIN pg_index i ON i.indrelid = p.inhrelid JOIN pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_am am ON am.oid = ic.relam
     WHERE p.inhparent = 'events'::regclass ORDER BY ic.relname`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, { method: row.method, options: row.options ?? [] }]));
}

describe("migration 0027", () => {
  test("sets fillfactor 100 on every B-tree of every day, those before it and those created after", async () => {
    await migrateBefore(pool, "0027");
    await new PartitionManager(pool).ensureFor([new Date("2024-03-01T10:00:00Z")]);
    const before = await dayIndexes();
    expect(before.events_20240301_pkey).toEqual({ method: "btree", options: [] });

    await migrate(pool);
    await new PartitionManager(pool).ensureFor([new Date("2024-03-05T10:00:00Z")]);

    const indexes = await dayIndexes();
    // The day created after migrations 0030 and 0032 has their text-refs GIN and payload-refs B-tree too (their
    // backfills build the older day's).
    for (const [day, btrees, gins] of [
      ["20240301", [], ["gin"]],
      ["20240305", ["btree"], ["gin", "gin"]],
    ] as const) {
      const ofDay = Object.entries(indexes).filter(([name]) => name.startsWith(`events_${day}_`));
      expect(ofDay.map(([, index]) => index.method).sort()).toEqual([
        "btree",
        "btree",
        "btree",
        "btree",
        "btree",
        ...btrees,
        ...gins,
      ]);
      for (const [name, { method, options }] of ofDay) {
        expect(options, name).toEqual(method === "gin" ? ["gin_pending_list_limit=256"] : ["fillfactor=100"]);
      }
    }
  });
});

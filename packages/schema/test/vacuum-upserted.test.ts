import { createEventGenerator } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { maintainPartitions, normalizeBatch, UPSERTED_TABLES, vacuumUpsertedTables } from "../src/index.ts";
import { rewriteEveryRow } from "../src/testing/index.ts";
import { type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// Loads update the search counts and rollups of their quarter hours again and again; the hourly maintenance vacuums
// those tables so that the space of the versions updates leave behind is reused instead of growing the files.

const FROM = new Date("2024-06-01T00:00:00Z");
const TO = new Date("2024-06-01T06:00:00Z");

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
  // An autovacuum holding one of the tables would make the maintenance's VACUUM (SKIP_LOCKED) pass it by.
  for (const table of UPSERTED_TABLES) await db.pool.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
  // Small batches over the same hours: each one adds to rows the ones before it wrote.
  const generated = createEventGenerator({ seed: 21, total: 2000, from: FROM, to: TO }).take(2000);
  const stored = normalizeBatch(generated).events;
  for (let start = 0; start < stored.length; start += 100) {
    await storeEvents(db.pool, stored.slice(start, start + 100));
  }
});
afterAll(() => db?.close());

/**
 * How many times each upserted table was vacuumed by a VACUUM command (autovacuum's runs are counted apart), which
 * the vacuuming backend reports as it ends, unlike the row counts loads report up to a second later.
 */
async function vacuumCounts(): Promise<Map<string, number>> {
  const { rows } = await db.pool.query<{ relname: string; vacuums: number }>(
    "SELECT relname, vacuum_count::int AS vacuums FROM pg_stat_user_tables WHERE relname = ANY($1::text[])",
    [[...UPSERTED_TABLES]],
  );
  return new Map(rows.map((row) => [row.relname, row.vacuums]));
}

/** Leaves in each upserted table as many dead versions as it has rows, as its statistics show. */
async function killEveryRowVersion(): Promise<void> {
  const client = await db.pool.connect();
  try {
    await rewriteEveryRow(client, UPSERTED_TABLES);
  } finally {
    client.release();
  }
}

describe("vacuuming the tables loads upsert", () => {
  test("a budget of 0 vacuums none of them", async () => {
    await killEveryRowVersion();
    const before = await vacuumCounts();
    expect(await vacuumUpsertedTables(db.pool, { vacuumBudgetMs: 0, minDeadRows: 1 })).toEqual([]);
    expect(await vacuumCounts()).toEqual(before);
  });

  test("a table with fewer dead versions than the threshold is left alone", async () => {
    await killEveryRowVersion();
    const before = await vacuumCounts();
    expect(await vacuumUpsertedTables(db.pool, { minDeadRows: 1_000_000_000 })).toEqual([]);
    expect(await vacuumCounts()).toEqual(before);
  });

  test("the hourly maintenance vacuums every one of them that has enough dead versions", async () => {
    await killEveryRowVersion();
    const before = await vacuumCounts();

    const result = await maintainPartitions(db.pool, { now: new Date("2024-06-02T01:00:00Z"), minDeadRows: 1 });

    expect(result.vacuumedTables).toEqual([...UPSERTED_TABLES]);
    const after = await vacuumCounts();
    for (const table of UPSERTED_TABLES) expect(after.get(table), table).toBe((before.get(table) ?? -1) + 1);
  });
});

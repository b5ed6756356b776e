import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { migrate, migrationsFolder, PartitionManager } from "@msgevents/schema";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { deriveCursorKey } from "../src/env.ts";
import { handleQuery } from "../src/handler.ts";
import { API_KEY, insertLegacyRecords, webhookEvent } from "./support.ts";

// Migration 0007 keeps every daily partition's search-token GIN pending list short: days that existed before it and
// days created after it. Checked on a database that held events before the migration.
let database: TestDatabase;
let pool: pg.Pool;
let before0007: string;

beforeAll(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 2 });
  before0007 = await mkdtemp(path.join(os.tmpdir(), "msgevents-migrations-"));
  await cp(migrationsFolder, before0007, { recursive: true });
  const journalPath = path.join(before0007, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag < "0007");
  await writeFile(journalPath, JSON.stringify(journal));
});

afterAll(async () => {
  await pool?.end();
  await database?.close();
  if (before0007) await rm(before0007, { recursive: true, force: true });
});

/** gin_pending_list_limit of each partition's index, by index name (null: the server default). */
async function pendingListLimits(): Promise<Record<string, string | null>> {
  const { rows } = await pool.query<{ name: string; limit: string | null }>(`
    SELECT ic.relname AS name,
           (SELECT split_part(option, '=', 2) FROM unnest(ic.reloptions) AS option
            WHERE option LIKE 'gin_pending_list_limit=%') AS limit
    FROM pg_inherits p JOIN pg_index i ON i.indrelid = p.inhrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE p.inhparent = 'events'::regclass
    ORDER BY ic.relname`);
  return Object.fromEntries(rows.map((row) => [row.name, row.limit]));
}

async function insert(records: unknown[]): Promise<void> {
  await insertLegacyRecords({ pool }, records);
}

describe("migration 0007", () => {
  test("sets a 256 kB pending list on the search index of every day, before and after it, and leaves data searchable", async () => {
    await migrate(pool, { migrationsFolder: before0007 });
    await insert([
      webhookEvent({ event_id: "8001", timestamp: "2024-03-01T10:00:00.000Z", subject: "Spring deals inside" }),
      webhookEvent({ event_id: "8002", timestamp: "2024-03-02T10:00:00.000Z", subject: "Spring deals inside" }),
    ]);
    const old = await pendingListLimits();
    expect(Object.keys(old)).toContain("events_20240301_msgevents_search_hashes_idx");
    expect(Object.values(old).every((limit) => limit === null)).toBe(true);

    expect((await migrate(pool))[0]).toBe("0007_gin_pending_list_limit");
    await new PartitionManager(pool).ensureFor([new Date("2024-03-05T10:00:00.000Z")]);

    const limits = await pendingListLimits();
    for (const day of ["20240301", "20240302", "20240305"]) {
      expect(limits[`events_${day}_msgevents_search_hashes_idx`]).toBe("256");
      // Only the GIN index carries it.
      expect(limits[`events_${day}_event_time_type_idx`]).toBeNull();
    }

    const response = await handleQuery(
      {
        method: "GET",
        path: "/api/v1/events/message",
        rawQuery: "from=2024-03-01T00:00:00Z&to=2024-03-06T00:00:00Z&subjects=deals",
        headers: { authorization: API_KEY },
        body: new Uint8Array(),
      },
      { db: drizzle({ client: pool }), apiKey: API_KEY, cursorKey: deriveCursorKey(API_KEY) },
    );
    expect(JSON.parse(response.body).total_count).toBe(2);
  });
});

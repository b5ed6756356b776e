import { readFileSync } from "node:fs";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { getTableName } from "drizzle-orm";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  erasureBatches,
  erasureRecipients,
  erasureRequests,
  pendingBatchScrubs,
  recipientBatches,
  suppressedRecipients,
} from "../src/db/erasure-tables.ts";
import {
  backfillDays,
  backfills,
  batches,
  bounceRollups,
  events,
  metricEngagement,
  metricRollups,
  metricUniqueRollups,
  reasonRollups,
  searchTokenCounts,
  searchValues,
} from "../src/db/tables.ts";
import { migrate, migrationsFolder } from "../src/index.ts";
import { describeDrizzleTable, describeLiveTable } from "./catalog.ts";

const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as {
  entries: { tag: string }[];
};

async function appliedMigrations(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ count: number }>("SELECT count(*)::int AS count FROM drizzle.__drizzle_migrations");
  return result.rows[0]?.count ?? 0;
}

async function catalogFingerprint(pool: pg.Pool): Promise<unknown> {
  const result = await pool.query(`
    SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname IN ('public', 'drizzle')
    ORDER BY 1, 3`);
  const functions = await pool.query(`
    SELECT p.proname, md5(p.prosrc) AS source FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' ORDER BY 1, 2`);
  return { relations: result.rows, functions: functions.rows };
}

describe("migrate", () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await startTestDatabase();
    pool = database.pool();
  });
  afterAll(async () => {
    await pool.end();
    await database.close();
  });

  test("migrating an empty database creates both tables, the partition functions and records every migration", async () => {
    await migrate(pool);
    const tables = await pool.query<{ relname: string; relkind: string }>(
      "SELECT relname, relkind FROM pg_class WHERE relname IN ('events', 'batches') ORDER BY relname",
    );
    expect(tables.rows).toEqual([
      { relname: "batches", relkind: "r" },
      { relname: "events", relkind: "p" },
    ]);
    const functions = await pool.query<{ proname: string }>(
      "SELECT proname FROM pg_proc WHERE proname LIKE 'msgevents\\_%partition%' ORDER BY proname",
    );
    expect(functions.rows.map((row) => row.proname)).toEqual([
      "msgevents_day_partition",
      "msgevents_drop_partitions_before",
      "msgevents_ensure_partitions",
      "msgevents_missing_partition_days",
      "msgevents_partition_name",
    ]);
    expect(await appliedMigrations(pool)).toBe(journal.entries.length);
  });

  test("events has no DEFAULT partition and no partitions until they are asked for", async () => {
    const partitions = await pool.query("SELECT inhrelid FROM pg_inherits WHERE inhparent = 'events'::regclass");
    expect(partitions.rows).toEqual([]);
  });

  test("migrating again changes nothing", async () => {
    const before = await catalogFingerprint(pool);
    await migrate(pool);
    expect(await appliedMigrations(pool)).toBe(journal.entries.length);
    expect(await catalogFingerprint(pool)).toEqual(before);
  });

  test("the migrated catalog matches what the drizzle tables declare", async () => {
    expect(await describeLiveTable(pool, "events")).toEqual(describeDrizzleTable(events));
    expect(await describeLiveTable(pool, "batches")).toEqual(describeDrizzleTable(batches));
    expect(await describeLiveTable(pool, "search_values")).toEqual(describeDrizzleTable(searchValues));
    expect(await describeLiveTable(pool, "metric_rollups")).toEqual(describeDrizzleTable(metricRollups));
    expect(await describeLiveTable(pool, "bounce_rollups")).toEqual(describeDrizzleTable(bounceRollups));
    expect(await describeLiveTable(pool, "reason_rollups")).toEqual(describeDrizzleTable(reasonRollups));
    expect(await describeLiveTable(pool, "metric_unique_rollups")).toEqual(describeDrizzleTable(metricUniqueRollups));
    expect(await describeLiveTable(pool, "metric_engagement")).toEqual(describeDrizzleTable(metricEngagement));
    expect(await describeLiveTable(pool, "search_token_counts")).toEqual(describeDrizzleTable(searchTokenCounts));
    expect(await describeLiveTable(pool, "backfills")).toEqual(describeDrizzleTable(backfills));
    expect(await describeLiveTable(pool, "backfill_days")).toEqual(describeDrizzleTable(backfillDays));
  });

  test("an empty database registers every backfill with nothing to fill: its derived tables start complete", async () => {
    const { rows } = await pool.query(
      "SELECT b.name, count(d.day)::int AS days FROM backfills b LEFT JOIN backfill_days d ON d.backfill = b.name GROUP BY 1 ORDER BY 1",
    );
    expect(rows).toEqual([
      { name: "event_bodies_0018", days: 0 },
      { name: "metric_rollups", days: 0 },
      { name: "metric_rollups_0016", days: 0 },
      { name: "payload_refs_index_0032", days: 0 },
      { name: "payloads_by_id_0032", days: 0 },
      { name: "rare_type_index_0021", days: 0 },
      { name: "search_token_counts", days: 0 },
      { name: "text_refs_index_0030", days: 0 },
      { name: "texts_by_id_0031", days: 0 },
    ]);
    for (const table of [
      erasureRequests,
      erasureRecipients,
      suppressedRecipients,
      erasureBatches,
      recipientBatches,
      pendingBatchScrubs,
    ]) {
      expect(await describeLiveTable(pool, getTableName(table))).toEqual(describeDrizzleTable(table));
    }
  });
});

test("several migrators starting at once on an empty database all succeed and apply each migration once", async () => {
  const database = await startTestDatabase();
  const pools = [1, 2, 3].map(() => database.pool());
  try {
    await Promise.all(pools.map((pool) => migrate(pool)));
    const [first] = pools;
    if (!first) throw new Error("no pool");
    expect(await appliedMigrations(first)).toBe(journal.entries.length);
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await database.close();
  }
});

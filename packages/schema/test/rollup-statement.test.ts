import { createEventGenerator } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { normalizeBatch } from "../src/index.ts";
import {
  createReadersBefore0028,
  functionDefinition,
  type MigratedDatabase,
  runInSchema,
  startMigratedDatabase,
  storeEvents,
  tablesAsCounted,
} from "./support.ts";

// Migrations 0019 and 0033 restructured msgevents_rollup_statement (the statement the rollup trigger and the rollup
// backfills run) for speed. Rollups already stored, and those of loads to come, must be the same whichever version counted
// them: this test creates 0016's version beside the current one, runs each over the same events, and compares every
// table the statement writes (as what the rows count: since 0020 a zero counter is written as NULL).

const WRITTEN_TABLES = ["metric_rollups", "bounce_rollups", "metric_unique_rollups", "metric_engagement"];
const FROM = new Date("2024-06-01T00:00:00Z");
const TO = new Date("2024-06-04T00:00:00Z");
/** Splits the corpus in two loads, so that the second one adds to rows (and engagement) the first one wrote. */
const MIDDLE = "2024-06-02T11:53:00Z";

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
  const definition = await functionDefinition("0016_sparkpost_metrics", "msgevents_rollup_statement");
  await db.pool.query("CREATE SCHEMA before_0019");
  await db.pool.query(
    definition.replace("FUNCTION msgevents_rollup_statement(", "FUNCTION before_0019.msgevents_rollup_statement("),
  );
  // 0016's statement reads a delivery's metric fields from payload, as events were stored before migration 0028.
  await createReadersBefore0028(db.pool, "before_0019");

  // Opens, clicks, bounces and deliveries of the same messages over three days, stored through the triggers in
  // batches.
  const generated = createEventGenerator({ seed: 19, total: 6000, from: FROM, to: TO }).take(6000);
  const stored = normalizeBatch(generated).events;
  for (let start = 0; start < stored.length; start += 500) {
    await storeEvents(db.pool, stored.slice(start, start + 500));
  }
  await db.pool.query("CREATE TABLE stored_by_trigger AS SELECT * FROM metric_rollups");
});
afterAll(() => db?.close());

/** Every row of the tables the statement writes, as sorted text of what they count. */
const writtenRows = () => tablesAsCounted(db.pool, WRITTEN_TABLES);

/** Empties the written tables and counts the stored events again with one version of the statement, in two loads. */
async function recount(version: "before_0019" | "public", fillDay?: string): Promise<Record<string, string[]>> {
  await db.pool.query(`TRUNCATE ${WRITTEN_TABLES.join(", ")}`);
  for (const part of [`event_time < '${MIDDLE}'`, `event_time >= '${MIDDLE}'`]) {
    const source = version === "public" ? "events" : "before_0019.events_as_stored";
    const statement = await db.pool.query<{ sql: string }>(
      `SELECT ${version}.msgevents_rollup_statement($1, $2::date) AS sql`,
      [`(SELECT * FROM ${source} WHERE ${part})`, fillDay ?? null],
    );
    await runInSchema(db.pool, version, statement.rows[0]?.sql ?? "");
  }
  return writtenRows();
}

describe("msgevents_rollup_statement after migrations 0019 and 0033", () => {
  test("writes what 0016's statement writes, row for row, in every table, loaded in two parts", async () => {
    const before = await recount("before_0019");
    const after = await recount("public");

    for (const table of WRITTEN_TABLES) expect(before[table]?.length, table).toBeGreaterThan(100);
    expect(after).toEqual(before);
  });

  test("writes what 0016's statement writes when it fills one day (the backfills' form)", async () => {
    const before = await recount("before_0019", "2024-06-02");
    const after = await recount("public", "2024-06-02");

    expect(before.metric_rollups?.length).toBeGreaterThan(100);
    expect(after).toEqual(before);
  });

  test("a recount in one statement writes the rollups the trigger wrote while the events were stored", async () => {
    await db.pool.query(`TRUNCATE ${WRITTEN_TABLES.join(", ")}`);
    const statement = await db.pool.query<{ sql: string }>("SELECT msgevents_rollup_statement('events') AS sql");
    await db.pool.query(statement.rows[0]?.sql ?? "");

    const differing = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ((TABLE stored_by_trigger EXCEPT ALL TABLE metric_rollups)
        UNION ALL (TABLE metric_rollups EXCEPT ALL TABLE stored_by_trigger)) AS d`,
    );
    expect(differing.rows[0]?.n).toBe(0);
  });
});

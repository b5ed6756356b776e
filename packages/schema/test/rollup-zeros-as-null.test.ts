import { createEventGenerator } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { normalizeBatch } from "../src/index.ts";
import {
  createReadersBefore0028,
  functionDefinition,
  type MigratedDatabase,
  rowsAsCounted,
  runInSchema,
  startMigratedDatabase,
  storeEvents,
  tableColumns,
  tablesAsCounted,
} from "./support.ts";

// Migration 0020 writes a rollup counter that is zero as NULL, to keep rows small. Rows stored before it keep their
// zeros and loads go on adding to them, so whatever mix of versions counted a row, it must count what the statements
// before 0020 would have counted. This test creates those statements beside the current ones (schema before_0020)
// and compares every table they write, as what the rows count.

const COUNTER_TABLES = ["metric_rollups", "metric_unique_rollups", "reason_rollups"];
const WRITTEN_TABLES = [...COUNTER_TABLES, "bounce_rollups", "metric_engagement"];
const REPLACED: [migration: string, name: string][] = [
  ["0019_faster_load_triggers", "msgevents_rollup_statement"],
  ["0016_sparkpost_metrics", "msgevents_reason_rollup_statement"],
  ["0016_sparkpost_metrics", "msgevents_recount_hours_into"],
];
const FROM = new Date("2024-06-01T00:00:00Z");
const TO = new Date("2024-06-04T00:00:00Z");
/** Splits the corpus in two loads, so that the second one adds to rows (and engagement) the first one wrote. */
const MIDDLE = "2024-06-02T11:53:00Z";
type Version = "before_0020" | "public";

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
  await db.pool.query("CREATE SCHEMA before_0020");
  for (const [migration, name] of REPLACED) {
    const definition = await functionDefinition(migration, name);
    await db.pool.query(definition.replace(`FUNCTION ${name}(`, `FUNCTION before_0020.${name}(`));
  }
  // The statements before 0020 read a delivery's metric fields from payload, as events were stored before 0028.
  await createReadersBefore0028(db.pool, "before_0020");
  // Deliveries, delays, bounces, rejections, opens and clicks of the same messages over three days.
  const generated = createEventGenerator({ seed: 20, total: 6000, from: FROM, to: TO }).take(6000);
  const stored = normalizeBatch(generated).events;
  for (let start = 0; start < stored.length; start += 500) {
    await storeEvents(db.pool, stored.slice(start, start + 500));
  }
});
afterAll(() => db?.close());

const writtenRows = () => tablesAsCounted(db.pool, WRITTEN_TABLES);

async function runStatement(version: Version, statement: string, args: unknown[]): Promise<void> {
  const built = await db.pool.query<{ sql: string }>(`SELECT ${version}.${statement} AS sql`, args);
  await runInSchema(db.pool, version, built.rows[0]?.sql ?? "");
}

/**
 * Empties the written tables and counts the stored events again in two loads, the first by `first`'s statements and
 * the second by `second`'s (with `fillDay`, in the backfills' form).
 */
async function recount(first: Version, second: Version, fillDay?: string): Promise<void> {
  await db.pool.query(`TRUNCATE ${WRITTEN_TABLES.join(", ")}`);
  const parts: [Version, string][] = [
    [first, `event_time < '${MIDDLE}'`],
    [second, `event_time >= '${MIDDLE}'`],
  ];
  for (const [version, part] of parts) {
    const source = `(SELECT * FROM ${version === "public" ? "events" : "before_0020.events_as_stored"} WHERE ${part})`;
    await runStatement(version, "msgevents_rollup_statement($1, $2::date)", [source, fillDay ?? null]);
    await runStatement(version, "msgevents_reason_rollup_statement($1)", [source]);
  }
}

/** How many rows of a table hold a counter (see tableColumns) that is zero, and one that is NULL. */
async function zerosAndNulls(table: string): Promise<{ counters: number; zeros: number; nulls: number }> {
  const counters = (await tableColumns(db.pool, table))
    .filter((column) => column.counts)
    .map((column) => `"${column.name}"`);
  const found = await db.pool.query<{ zeros: number; nulls: number }>(
    `SELECT count(*) FILTER (WHERE ${counters.map((column) => `${column} = 0`).join(" OR ")})::int AS zeros,
            count(*) FILTER (WHERE ${counters.map((column) => `${column} IS NULL`).join(" OR ")})::int AS nulls
     FROM ${table}`,
  );
  return { counters: counters.length, zeros: found.rows[0]?.zeros ?? -1, nulls: found.rows[0]?.nulls ?? -1 };
}

describe("rollup counters after migration 0020", () => {
  test("count what the statements before 0020 counted, row for row, in every table they write", async () => {
    await recount("before_0020", "before_0020");
    const before = await writtenRows();
    await recount("public", "public");
    const after = await writtenRows();

    for (const table of WRITTEN_TABLES) expect(before[table]?.length, table).toBeGreaterThan(20);
    expect(after).toEqual(before);
  });

  test("add to rows stored with zeros before 0020 as the statements before it did", async () => {
    await recount("before_0020", "before_0020");
    const before = await writtenRows();
    await recount("before_0020", "public");

    expect(await writtenRows()).toEqual(before);
  });

  test("count what the statements before 0020 counted when they fill one day (the backfills' form)", async () => {
    await recount("before_0020", "before_0020", "2024-06-02");
    const before = await writtenRows();
    await recount("public", "public", "2024-06-02");

    expect(before.metric_rollups?.length).toBeGreaterThan(20);
    expect(await writtenRows()).toEqual(before);
  });

  test("are never written as zero: a counter with nothing counted is NULL", async () => {
    await recount("public", "public");

    for (const table of COUNTER_TABLES) {
      const found = await zerosAndNulls(table);
      expect(found.counters, table).toBeGreaterThanOrEqual(5);
      expect(found.zeros, table).toBe(0);
      expect(found.nulls, table).toBeGreaterThan(0);
    }
  });

  test("retention's recount of the hours running into a day adds what it added before 0020", async () => {
    const recountHoursInto = async (version: Version) => {
      for (const day of ["2024-06-02", "2024-06-03"]) {
        await db.pool.query(`SELECT ${version}.msgevents_recount_hours_into($1::timestamptz)`, [`${day}T00:00:00Z`]);
      }
    };
    await recount("before_0020", "before_0020");
    const unrecounted = await rowsAsCounted(db.pool, "metric_unique_rollups");
    await recountHoursInto("before_0020");
    const before = await rowsAsCounted(db.pool, "metric_unique_rollups");
    expect(before).not.toEqual(unrecounted);

    await recount("before_0020", "before_0020");
    await recountHoursInto("public");
    expect(await rowsAsCounted(db.pool, "metric_unique_rollups")).toEqual(before);

    await recount("public", "public");
    await recountHoursInto("public");
    expect(await rowsAsCounted(db.pool, "metric_unique_rollups")).toEqual(before);
    expect((await zerosAndNulls("metric_unique_rollups")).zeros).toBe(0);
  });
});

import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  encodeBodies,
  insertEvents,
  maintainPartitions,
  migrate,
  type NormalizedEvent,
  runBackfills,
  TEXT_REFS,
  TEXT_REFS_INDEX_BACKFILL,
} from "../src/index.ts";
import {
  migrateBefore,
  renderedEvents,
  storeAsLoader,
  storeEvents,
  tablesAsCounted,
  textStorage,
  twoDaysOfEvents,
  waitForLockWait,
} from "./support.ts";

// Migration 0030: a subject, friendly_from and transmission_id are stored as ids into event_texts (TEXT_REFS) once
// every stored day has the ids' index; rows stored before keep their texts, and both read and count the same.

let database: TestDatabase;
let pool: pg.Pool;

beforeEach(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 4 });
});

afterEach(async () => {
  await pool?.end();
  await database?.close();
});

describe("texts named by id (migration 0030)", () => {
  test("a load names each subject, sender and transmission by id, and a page renders them byte for byte as texts", async () => {
    await migrate(pool);
    const rows = twoDaysOfEvents(1_500, 61);
    await storeAsLoader(pool, rows);
    const stored = await textStorage(pool);
    for (const { column } of TEXT_REFS) {
      expect(stored[column]?.text, column).toBe(0);
      expect(stored[column]?.id, column).toBe(rows.filter((row) => row[keyOf(column)] != null).length);
    }
    // The same events stored with their texts in the rows, as before the migration.
    const other = await startTestDatabase();
    const otherPool = other.pool({ max: 2 });
    try {
      await migrate(otherPool);
      await storeEvents(otherPool, rows);
      expect(await textStorage(otherPool)).toMatchObject({ subject: { id: 0 } });
      expect(await renderedEvents(pool)).toEqual(await renderedEvents(otherPool));
    } finally {
      await otherPool.end();
      await other.close();
    }
  });

  test("the search counts count a text named by id as the text, when stored and when erased", async () => {
    await migrate(pool);
    const rows = [...twoDaysOfEvents(2_000, 62), ...twoDaysOfEvents(1_000, 63, "lean")];
    await storeAsLoader(pool, rows);
    const other = await startTestDatabase();
    const otherPool = other.pool({ max: 2 });
    try {
      await migrate(otherPool);
      await storeEvents(otherPool, rows);
      const tables = ["search_token_counts"];
      const counted = await tablesAsCounted(pool, tables);
      expect(counted.search_token_counts?.some((row) => row.includes("su:"))).toBe(true);
      expect(counted).toEqual(await tablesAsCounted(otherPool, tables));
      // The eraser's DELETE lowers them by what the rows named, in both forms.
      const erase = "DELETE FROM events WHERE rcpt_to < 'm'";
      await pool.query(erase);
      await otherPool.query(erase);
      expect(await tablesAsCounted(pool, tables)).toEqual(await tablesAsCounted(otherPool, tables));
    } finally {
      await otherPool.end();
      await other.close();
    }
  });

  test("after an upgrade, loads keep texts in rows until every stored day has the ids' index, then name them by id", async () => {
    await migrateBefore(pool, "0030");
    await storeEvents(pool, twoDaysOfEvents(300, 64));
    await migrate(pool);
    await storeAsLoader(pool, twoDaysOfEvents(300, 65));
    expect(await textStorage(pool)).toMatchObject({ subject: { id: 0 }, transmission_id: { id: 0 } });
    expect(await pool.query("SELECT * FROM event_texts")).toMatchObject({ rowCount: 0 });

    const run = await runBackfills(pool, { backfills: [TEXT_REFS_INDEX_BACKFILL] });
    expect(run.filled.map((day) => day.day)).toEqual(["2024-06-02", "2024-06-01"]);
    const later = twoDaysOfEvents(300, 66);
    await storeAsLoader(pool, later);
    expect(await textStorage(pool)).toMatchObject({
      subject: { id: later.filter((row) => row.subject != null).length },
    });
    // Both days' copies were built, and searched through, with a short pending list.
    const { rows } = await pool.query<{ options: string[] }>(
      `SELECT c.reloptions AS options FROM pg_inherits ih JOIN pg_class c ON c.oid = ih.inhrelid
       WHERE ih.inhparent = 'events_text_refs_idx'::regclass`,
    );
    expect(rows.map((row) => row.options)).toEqual([["gin_pending_list_limit=256"], ["gin_pending_list_limit=256"]]);
  });

  test("past about 100,000 texts, new texts stay in the rows and known ones are still named by id", async () => {
    await migrate(pool);
    const [first, second] = [twoDaysOfEvents(200, 67), twoDaysOfEvents(200, 68)];
    await storeAsLoader(pool, first);
    // As ANALYZE would leave it on a table that has grown to the cap.
    await pool.query("UPDATE pg_class SET reltuples = 100000 WHERE oid = 'event_texts'::regclass");
    const known = new Set(
      (await pool.query<{ value: string }>("SELECT value FROM event_texts")).rows.map((r) => r.value),
    );
    const fresh = second.map((row) => ({ ...row, subject: `${row.subject ?? ""} (new)` }));
    await storeAsLoader(pool, [...second, ...fresh]);
    const { rows } = await pool.query<{ named: number; kept: number }>(
      "SELECT count(subject_ref)::int AS named, count(subject)::int AS kept FROM events WHERE event_id = ANY($1)",
      [[...second, ...fresh].map((row) => row.eventId)],
    );
    expect(rows[0]).toEqual({
      named: second.filter((row) => row.subject != null && known.has(row.subject)).length,
      kept: fresh.length,
    });
  });
});

describe("msgevents_collect_event_texts", () => {
  const textId = async (value: string) =>
    (await pool.query<{ id: number }>("SELECT id FROM event_texts WHERE value = $1", [value])).rows[0]?.id;

  test("after retention drops days, the maintenance removes the texts only those days named", async () => {
    await migrate(pool);
    const rows = twoDaysOfEvents(40, 72);
    const firstDay = rows.filter((row) => row.eventTime < new Date("2024-06-02T00:00:00Z")).slice(0, 2);
    const secondDay = rows.filter((row) => row.eventTime >= new Date("2024-06-02T00:00:00Z")).slice(0, 1);
    const [onlyFirst, bothFirst] = firstDay;
    const [bothSecond] = secondDay;
    const shared = { friendlyFrom: "news@shop.example", transmissionId: "tx-shared" };
    await storeAsLoader(pool, [
      { ...(onlyFirst as NormalizedEvent), ...shared, subject: "only the first day" },
      { ...(bothFirst as NormalizedEvent), ...shared, subject: "both days" },
      { ...(bothSecond as NormalizedEvent), ...shared, subject: "both days" },
    ]);
    const result = await maintainPartitions(pool, { retentionDays: 2, now: new Date("2024-06-04T12:00:00Z") });
    expect(result).toMatchObject({ dropped: ["events_20240601"], textsRemoved: 1 });
    expect(await textId("only the first day")).toBeUndefined();
    expect(await textId("both days")).toBeDefined();
  });

  /**
   * A migrated database whose event_texts holds `subject`, which its one event named before it was deleted; `next`
   * loads another event with that subject through `client`.
   */
  async function textNamedByNoEvent(subject: string, seed: number) {
    await migrate(pool);
    const [first, second] = twoDaysOfEvents(20, seed)
      .slice(0, 2)
      .map((row) => ({ ...row, subject }) as NormalizedEvent);
    await storeAsLoader(pool, [first as NormalizedEvent]);
    const id = await textId(subject);
    await pool.query("DELETE FROM events");
    const next = async (client: pg.PoolClient) =>
      insertEvents(client, 1, [second as NormalizedEvent], await encodeBodies([(second as NormalizedEvent).body]));
    return { id, next };
  }

  test("removes the texts no stored event names, and keeps the others", async () => {
    await migrate(pool);
    const [a, b, c] = twoDaysOfEvents(20, 69)
      .slice(0, 3)
      .map((row, index) => ({ ...row, subject: ["shared", "shared", "alone"][index] }));
    await storeAsLoader(pool, [a, b, c] as NormalizedEvent[]);
    const [shared, alone] = [await textId("shared"), await textId("alone")];
    await pool.query("DELETE FROM events WHERE event_id IN ($1, $2)", [a?.eventId, c?.eventId]);
    const { rows } = await pool.query("SELECT msgevents_collect_event_texts($1::integer[]) AS removed", [
      [shared, alone],
    ]);
    expect(rows[0]).toEqual({ removed: 1 });
    expect(await textId("shared")).toBe(shared);
    expect(await textId("alone")).toBeUndefined();
  });

  test("waits for a load that names a text it is about to remove, then keeps the text that load stored", async () => {
    const { id, next } = await textNamedByNoEvent("contested", 70);
    const loader = await pool.connect();
    const collector = await pool.connect();
    try {
      await loader.query("BEGIN");
      await next(loader);
      const collected = collector.query("SELECT msgevents_collect_event_texts($1::integer[]) AS removed", [[id]]);
      await waitForLockWait(pool, collector);
      await loader.query("COMMIT");
      expect((await collected).rows[0]).toEqual({ removed: 0 });
      expect(await textId("contested")).toBe(id);
      expect(await pool.query("SELECT subject_ref FROM events")).toMatchObject({ rows: [{ subject_ref: id }] });
    } finally {
      loader.release();
      collector.release();
    }
  });

  test("a load that comes for a text being removed waits, then names the text anew", async () => {
    const { id, next } = await textNamedByNoEvent("going", 71);
    const collector = await pool.connect();
    const loader = await pool.connect();
    try {
      await collector.query("BEGIN");
      expect(
        (await collector.query("SELECT msgevents_collect_event_texts($1::integer[]) AS removed", [[id]])).rows,
      ).toEqual([{ removed: 1 }]);
      const loaded = next(loader);
      await waitForLockWait(pool, loader);
      await collector.query("COMMIT");
      expect(await loaded).toBe(1);
      const again = await textId("going");
      expect(again).toBeGreaterThan(id ?? 0);
      const { rows } = await pool.query("SELECT subject, subject_ref FROM events");
      expect(rows).toEqual([{ subject: null, subject_ref: again }]);
    } finally {
      collector.release();
      loader.release();
    }
  });
});

/** Resolves once `client`'s backend waits for a lock. */
function keyOf(column: (typeof TEXT_REFS)[number]["column"]): "subject" | "friendlyFrom" | "transmissionId" {
  return TEXT_REFS.find((ref) => ref.column === column)?.key ?? "subject";
}

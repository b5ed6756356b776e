import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  collectUnnamedPayloads,
  collectUnnamedTexts,
  EVENT_BODIES_BACKFILL,
  migrate,
  type NormalizedEvent,
  PAYLOAD_REFS_INDEX_BACKFILL,
  runBackfills,
  type StepBackfill,
  TEXT_REFS,
  TEXT_REFS_INDEX_BACKFILL,
  TEXTS_BY_ID_BACKFILL,
  textsByIdBackfill,
} from "../src/index.ts";
import {
  migrateBefore,
  renderedEvents,
  storeAsLoader,
  storeEvents,
  storeLegacyEvents,
  TABLES_KEPT_BY_TRIGGERS,
  tablesAsCounted,
  textStorage,
  twoDaysOfEvents,
} from "./support.ts";

// The texts-by-id backfill (migration 0031): rows holding a subject, friendly_from or transmission_id as text get them
// as ids into event_texts, as loads store them since 0030, with every answer and derived count as it was, whatever
// loads and erasures do meanwhile.

const NAME = TEXTS_BY_ID_BACKFILL.name;

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

/** The days of this backfill still queued. */
async function queuedDays(): Promise<string[]> {
  const { rows } = await pool.query<{ day: string }>(
    "SELECT day::text AS day FROM backfill_days WHERE backfill = $1 AND done_at IS NULL ORDER BY day",
    [NAME],
  );
  return rows.map((row) => row.day);
}

/** Each day partition's table (its oid): a day copied and swapped in is another table. */
async function dayTables(): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ name: string; oid: number }>(
    `SELECT c.relname AS name, c.oid::int AS oid FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.oid]));
}

/** Rows whose id names no text of event_texts (there must be none). */
async function danglingIds(): Promise<number> {
  const missing = TEXT_REFS.map(
    ({ ref }) => `(e.${ref} IS NOT NULL AND NOT EXISTS (SELECT FROM event_texts AS t WHERE t.id = e.${ref}))`,
  );
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events AS e WHERE ${missing.join(" OR ")}`,
  );
  return rows[0]?.n ?? 0;
}

/** Whether loads name texts by id (the ids' index is valid). */
async function textsNamed(): Promise<boolean> {
  const { rows } = await pool.query<{ enabled: boolean }>("SELECT msgevents_text_refs_enabled() AS enabled");
  return rows[0]?.enabled ?? false;
}

/** How many rows hold each field at all (as a text or an id). */
function fieldsHeld(rows: readonly NormalizedEvent[]): Record<string, number> {
  return Object.fromEntries(
    TEXT_REFS.map(({ column, key }) => [column, rows.filter((row) => row[key] != null).length]),
  );
}

/** A database upgraded from before 0030 holding `rows` as that version stored them (texts in the rows). */
async function upgradedHolding(rows: NormalizedEvent[]): Promise<void> {
  await migrateBefore(pool, "0030");
  await storeEvents(pool, rows);
  await migrate(pool);
}

describe("the texts-by-id backfill (migration 0031)", () => {
  test("gives every row of an upgraded database its texts as ids, with every answer, search count and rollup as before", async () => {
    const rows = [...twoDaysOfEvents(1_500, 81), ...twoDaysOfEvents(500, 82, "lean")];
    await upgradedHolding(rows);
    const answers = await renderedEvents(pool);
    const derived = await tablesAsCounted(pool, TABLES_KEPT_BY_TRIGGERS);
    const held = fieldsHeld(rows);
    expect(held.subject).toBeGreaterThan(1_000);

    const run = await runBackfills(pool, { budgetMs: Number.POSITIVE_INFINITY });
    expect(run).toMatchObject({ failed: [], remaining: 0 });
    const converted = run.filled.filter((day) => day.backfill === NAME && day.events > 0);
    expect(converted.map((day) => day.day)).toEqual(["2024-06-02", "2024-06-01"]);
    expect(converted.reduce((sum, day) => sum + day.events, 0)).toBe(rows.length);

    expect(await textStorage(pool)).toEqual(
      Object.fromEntries(Object.entries(held).map(([column, count]) => [column, { text: 0, id: count }])),
    );
    expect(await danglingIds()).toBe(0);
    expect(await renderedEvents(pool)).toEqual(answers);
    expect(await tablesAsCounted(pool, TABLES_KEPT_BY_TRIGGERS)).toEqual(derived);
    const shadows = await pool.query("SELECT FROM pg_class WHERE relname LIKE 'events\\_%\\_shadow'");
    expect(shadows.rowCount).toBe(0);
  });

  test("queues its days once every stored day has the ids' index, those created since the upgrade included", async () => {
    await upgradedHolding(twoDaysOfEvents(200, 83).filter((row) => row.eventTime < new Date("2024-06-02")));
    // A day created after the upgrade, loaded while loads still keep texts in rows.
    const later = twoDaysOfEvents(200, 84).filter((row) => row.eventTime >= new Date("2024-06-02"));
    await storeAsLoader(pool, later);
    expect(await textStorage(pool)).toMatchObject({ subject: { id: 0 } });
    expect(await queuedDays()).toEqual([]);

    await runBackfills(pool, { backfills: [TEXT_REFS_INDEX_BACKFILL] });
    expect(await queuedDays()).toEqual(["2024-06-01", "2024-06-02"]);
    await runBackfills(pool, { backfills: [TEXTS_BY_ID_BACKFILL] });
    expect(await textStorage(pool)).toMatchObject({ subject: { text: 0 }, transmission_id: { text: 0 } });
  });

  test("on a database whose loads name texts already, queues every day at the migration, and does them without a copy", async () => {
    await migrateBefore(pool, "0031");
    await storeAsLoader(pool, twoDaysOfEvents(300, 85), 350, { before0032: true });
    const tables = await dayTables();
    await migrate(pool);
    expect(await queuedDays()).toEqual(["2024-06-01", "2024-06-02"]);

    const run = await runBackfills(pool, { backfills: [TEXTS_BY_ID_BACKFILL] });
    expect(run.filled.map(({ day, events }) => ({ day, events }))).toEqual([
      { day: "2024-06-02", events: 0 },
      { day: "2024-06-01", events: 0 },
    ]);
    expect(await dayTables()).toEqual(tables);
  });

  test("past event_texts' cap, copies only the days holding texts it names already", async () => {
    await migrate(pool);
    const rows = twoDaysOfEvents(400, 86);
    const firstDay = rows.filter((row) => row.eventTime < new Date("2024-06-02"));
    const secondDay = rows.filter((row) => row.eventTime >= new Date("2024-06-02"));
    // Named by the loader on the first day, then stored as texts: the first day's again, the second's under new texts.
    await storeAsLoader(pool, firstDay.slice(0, 50));
    await storeEvents(pool, firstDay.slice(50));
    await storeEvents(
      pool,
      secondDay.map((row) => ({ ...row, subject: "never named", friendlyFrom: null, transmissionId: null })),
    );
    await pool.query("UPDATE pg_class SET reltuples = 100000 WHERE oid = 'event_texts'::regclass");
    await pool.query("SELECT msgevents_register_backfill($1, true)", [NAME]);
    const tables = await dayTables();

    await runBackfills(pool, { backfills: [TEXTS_BY_ID_BACKFILL] });
    const after = await dayTables();
    expect(after.events_20240601).not.toBe(tables.events_20240601);
    expect(after.events_20240602).toBe(tables.events_20240602);
    const { rows: kept } = await pool.query<{ day: string; texts: number }>(
      "SELECT event_time::date::text AS day, count(subject)::int AS texts FROM events GROUP BY 1 ORDER BY 1",
    );
    // The first day's subjects are all among the 50 events' the loader named (the generator's few subjects).
    expect(kept).toEqual([
      { day: "2024-06-01", texts: 0 },
      { day: "2024-06-02", texts: secondDay.length },
    ]);
  });

  test("after an upgrade from before event bodies, the days the event-bodies backfill swapped in still let loads name texts", async () => {
    await migrateBefore(pool, "0018");
    await storeLegacyEvents(pool, twoDaysOfEvents(300, 89));
    await migrate(pool);
    // Each day is swapped in (its copy of the ids' index attached by the swap) before its text-refs index fill.
    const run = await runBackfills(pool, { budgetMs: Number.POSITIVE_INFINITY });
    expect(run).toMatchObject({ failed: [], remaining: 0 });
    expect(await textsNamed()).toBe(true);
    expect(await textStorage(pool)).toMatchObject({ subject: { text: 0 }, transmission_id: { text: 0 } });
  });

  test("leaves a day the event-bodies backfill has yet to do to it, then converts the day it swapped in", async () => {
    await migrateBefore(pool, "0018");
    await storeLegacyEvents(pool, twoDaysOfEvents(300, 91));
    await migrate(pool);
    await runBackfills(pool, { backfills: [TEXT_REFS_INDEX_BACKFILL] });
    expect(await queuedDays()).toEqual(["2024-06-01", "2024-06-02"]);

    const alone = await runBackfills(pool, { backfills: [TEXTS_BY_ID_BACKFILL] });
    expect(alone).toMatchObject({ filled: [], failed: [], remaining: 2 });
    await runBackfills(pool, { backfills: [EVENT_BODIES_BACKFILL, TEXTS_BY_ID_BACKFILL] });
    expect(await queuedDays()).toEqual([]);
    expect(await textStorage(pool)).toMatchObject({ subject: { text: 0 }, transmission_id: { text: 0 } });
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE body IS NULL");
    expect(rows[0]?.n).toBe(0);
  });

  test("repairs a database where 0030's backfills left the ids' index invalid, and queues its days", async () => {
    await migrateBefore(pool, "0018");
    await storeLegacyEvents(pool, twoDaysOfEvents(300, 90));
    await migrateBefore(pool, "0031");
    // This version's copy of a day writes every column of events, 0032's payload_ref too: there for the run alone.
    await pool.query("ALTER TABLE events ADD COLUMN payload_ref integer");
    await runBackfills(pool, { budgetMs: Number.POSITIVE_INFINITY });
    await pool.query("ALTER TABLE events DROP COLUMN payload_ref");
    // As 0030 left it: every day holds its copy, and loads still keep texts in rows.
    expect(await textsNamed()).toBe(false);

    await migrate(pool);
    expect(await textsNamed()).toBe(true);
    expect(await queuedDays()).toEqual(["2024-06-01", "2024-06-02"]);
  });

  test("loads, erasures and the maintenance's removal of texts during a conversion lose, double and leave behind nothing", async () => {
    const rows = twoDaysOfEvents(1_200, 87).sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
    // The first event of the day converted first (the newest): in the shadow after the first step.
    const at = rows.findIndex((row) => row.eventTime >= new Date("2024-06-02"));
    const victim = {
      ...(rows[at] as NormalizedEvent),
      subject: "Your receipt, victim@example.com",
      payload: { rcpt_meta: { email: "victim@example.com" }, rcpt_tags: [] },
    };
    rows[at] = victim;
    await upgradedHolding(rows);
    // Loads name texts and recipient payloads, and the copy names both.
    await runBackfills(pool, { backfills: [TEXT_REFS_INDEX_BACKFILL, PAYLOAD_REFS_INDEX_BACKFILL] });
    const fresh = twoDaysOfEvents(200, 88).map((row, index) => ({ ...row, eventId: `fresh-${index}` }));

    // 100 rows a step: several steps a day, with loads, an erasure and a removal of unnamed texts between them.
    const steps = textsByIdBackfill({ batchRows: 100 });
    let between = 0;
    const busy: StepBackfill = {
      ...steps,
      step: async (client, day, from) => {
        if (from !== null) {
          between += 1;
          // A retried batch (stored already; never the victim's, which the eraser suppresses) and new events, as the
          // loader stores them now.
          await storeAsLoader(pool, [
            ...rows.slice(between * 20, between * 20 + 20).filter((row) => row !== victim),
            ...fresh.slice(between * 10, between * 10 + 10),
          ]);
          // The eraser's statement for the victim, once its row is in the shadow, then the texts its rows named.
          if (between === 3) {
            const erased = await pool.query<{ ids: number[]; payload: number | null }>(
              `DELETE FROM events WHERE event_id = $1
               RETURNING array_remove(ARRAY[subject_ref, friendly_from_ref, transmission_ref], NULL) AS ids,
                         payload_ref AS payload`,
              [victim.eventId],
            );
            expect(erased.rowCount).toBe(1);
            await pool.query("SELECT msgevents_collect_event_texts($1::integer[])", [erased.rows[0]?.ids]);
            await pool.query("SELECT msgevents_collect_event_payloads($1::integer[])", [
              [erased.rows[0]?.payload].filter((id) => id != null),
            ]);
          }
          // As after retention dropped a day: every text and payload checked, the shadow's kept. Only until the
          // erasure: what the erased row named in the shadow goes with the swap's own removal.
          if (between <= 3) {
            await collectUnnamedTexts(pool);
            await collectUnnamedPayloads(pool);
          }
        }
        return steps.step(client, day, from);
      },
    };
    const run = await runBackfills(pool, { backfills: [busy] });
    expect(run).toMatchObject({ failed: [], remaining: 0 });
    expect(between).toBeGreaterThan(3);

    const loaded = fresh.slice(10, (between + 1) * 10);
    const { rows: counted } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events");
    expect(counted[0]?.n).toBe(rows.length - 1 + loaded.length);
    expect(await textStorage(pool)).toMatchObject({ subject: { text: 0 }, transmission_id: { text: 0 } });
    expect(await danglingIds()).toBe(0);
    const { rows: left } = await pool.query("SELECT id FROM event_texts WHERE value LIKE '%victim@example.com%'");
    expect(left).toEqual([]);
    // The recipient payloads the same: every row's by id, each id naming one, none about the victim left.
    const { rows: payloads } = await pool.query(
      `SELECT count(*) FILTER (WHERE payload ? 'rcpt_meta')::int AS inline,
              count(*) FILTER (WHERE payload_ref IS NOT NULL
                AND NOT EXISTS (SELECT FROM event_payloads AS p WHERE p.id = payload_ref))::int AS dangling,
              (SELECT count(*)::int FROM event_payloads WHERE value::text LIKE '%victim@example.com%') AS victim
       FROM events`,
    );
    expect(payloads).toEqual([{ inline: 0, dangling: 0, victim: 0 }]);
  });
});

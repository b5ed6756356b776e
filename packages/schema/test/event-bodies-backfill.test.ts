import { setTimeout as sleep } from "node:timers/promises";
import { generateEvents } from "@msgevents/testkit";
import { getTableColumns } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { events } from "../src/db/tables.ts";
import {
  type Backfill,
  BackfillError,
  dropExpiredPartitions,
  EVENT_BODIES_BACKFILL,
  ensureLoginRoles,
  eventBodiesBackfill,
  eventSearchHashes,
  METRIC_COLUMNS,
  type NormalizedEvent,
  normalizeBatch,
  readBackfillProgress,
  runBackfills,
  type StepBackfill,
  type StoredEvent,
  toEventRows,
  toEventsApiEvents,
  vacuumEndedPartitions,
} from "../src/index.ts";
import { encodingCorpus } from "./encoding-corpus.ts";
import {
  type MigratedDatabase,
  RECEIVED_AT,
  startMigratedDatabase,
  storeEvents,
  storeLegacyEvents,
  TABLES_KEPT_BY_TRIGGERS,
} from "./support.ts";

// The event-bodies backfill (migration 0018) on events stored as the loader stored them before event bodies (0013)
// and batch numbers (0014): each row must end as today's loader stores the same event, with the same Events API answer,
// the same search tokens and counts, whatever runs beside it and wherever a run is cut off.

const NAME = EVENT_BODIES_BACKFILL.name;
/** Batches the legacy rows name: the first two have a batches row (so a number), the third none. */
const BATCH_IDS = ["legacy-a", "legacy-b", "legacy-c"] as const;
const SEARCH_HASHES = new PgDialect().sqlToQuery(eventSearchHashes).sql;
const SELECTED = Object.entries(getTableColumns(events))
  .map(([key, column]) => `"${column.name}" AS "${key}"`)
  .join(", ");
const COLUMN_NAMES = Object.values(getTableColumns(events))
  .map((column) => `"${column.name}"`)
  .join(", ");

let db: MigratedDatabase;
let pool: pg.Pool;
let corpus: NormalizedEvent[];
let batchNumbers: Map<string, number>;

const keyOf = (event: { eventId: string; type: string; eventTime: Date }) =>
  `${event.eventId}|${event.type}|${event.eventTime.toISOString()}`;

/** Every stored row in key order, as drizzle names its columns. */
async function storedRows(): Promise<(StoredEvent & { batchId: string | null; batchNumber: number | null })[]> {
  const { rows } = await pool.query(`SELECT ${SELECTED} FROM events ORDER BY event_id, type, event_time`);
  return rows;
}

/** The Events API answer of every stored event, in key order, as the bytes the API would send. */
async function answers(): Promise<string[]> {
  return (await toEventsApiEvents(await storedRows())).map((event) => JSON.stringify(event));
}

/** Each row's search tokens and the search counts: what searches read besides the rows. */
async function searchState(): Promise<unknown> {
  const hashes = await pool.query(
    `SELECT event_id, type, event_time, ${SEARCH_HASHES} AS hashes FROM events ORDER BY event_id, type, event_time`,
  );
  const counts = await pool.query("SELECT to_jsonb(c) AS row FROM search_token_counts AS c ORDER BY 1");
  return { hashes: hashes.rows, counts: counts.rows };
}

/** Rows still stored as before 0013, of one day (YYYY-MM-DD) or all. */
async function legacyRowCount(day?: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM events WHERE body IS NULL AND ($1::date IS NULL OR event_time::date = $1::date)",
    [day ?? null],
  );
  return rows[0]?.n ?? 0;
}

/** The day (YYYY-MM-DD) with the most events, and how many. */
async function busiestDay(): Promise<{ day: string; n: number }> {
  const { rows } = await pool.query<{ day: string; n: number }>(
    "SELECT event_time::date::text AS day, count(*)::int AS n FROM events GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
  );
  return rows[0] as { day: string; n: number };
}

const shadowOf = (day: string) => `events_${day.replaceAll("-", "")}_shadow`;
const partitionOf = (day: string) => `events_${day.replaceAll("-", "")}`;

/** The shadow tables there are, with their rows. */
async function shadows(): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ name: string }>(
    "SELECT relname AS name FROM pg_class WHERE relname LIKE 'events\\_%\\_shadow' AND relkind = 'r' ORDER BY 1",
  );
  const found: Record<string, number> = {};
  for (const { name } of rows) {
    const counted = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`);
    found[name] = counted.rows[0]?.n ?? 0;
  }
  return found;
}

/** Every row of the tables the events' statement triggers keep (search values, rollups, search counts). */
async function derivedRows(): Promise<Record<string, unknown[]>> {
  const derived: Record<string, unknown[]> = {};
  for (const table of TABLES_KEPT_BY_TRIGGERS) {
    const { rows } = await pool.query(`SELECT to_jsonb(t) AS row FROM ${table} AS t ORDER BY 1`);
    derived[table] = rows.map((row) => row.row);
  }
  return derived;
}

/** An event of `day` (YYYY-MM-DD) as SQL for INSERT INTO events: a stored event of the day under another id. */
function insertCopyOf(day: string, eventId: string): string {
  return `INSERT INTO events (${COLUMN_NAMES})
    SELECT ${COLUMN_NAMES.replace('"event_id"', `'${eventId}'`)} FROM events
    WHERE event_time >= '${day}' AND event_time < '${day}'::date + 1 ORDER BY event_id LIMIT 1`;
}

/** Who waits, not granted, for a lock on `relation`: the sessions of `application`. */
async function waitsForLock(application: string, relation: string): Promise<boolean> {
  const { rows } = await pool.query(
    `SELECT FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE a.application_name = $1 AND NOT l.granted AND l.relation = to_regclass($2)`,
    [application, relation],
  );
  return rows.length > 0;
}

/** The corpus stored as before 0013 in three batches, with this backfill's days queued as migration 0018 queues them. */
async function storeCorpusAsBefore0013(): Promise<void> {
  for (const name of Object.keys(await shadows())) await pool.query(`DROP TABLE "${name}"`);
  await pool.query("TRUNCATE events, batches");
  await pool.query("DELETE FROM backfill_days WHERE backfill = $1", [NAME]);
  await pool.query("UPDATE backfills SET started_at = NULL WHERE name = $1", [NAME]);
  batchNumbers = new Map();
  for (const batchId of BATCH_IDS.slice(0, 2)) {
    const { rows } = await pool.query<{ batch_number: number }>(
      `INSERT INTO batches (batch_id, object_key, received_at, status) VALUES ($1, $2, $3, 'loaded')
       RETURNING batch_number`,
      [batchId, `batches/${batchId}.json`, RECEIVED_AT],
    );
    batchNumbers.set(batchId, rows[0]?.batch_number as number);
  }
  for (const [index, batchId] of BATCH_IDS.entries()) {
    await storeLegacyEvents(
      pool,
      corpus.filter((_, position) => position % BATCH_IDS.length === index),
      batchId,
    );
  }
  await pool.query("SELECT msgevents_register_backfill($1, true)", [NAME]);
}

beforeAll(async () => {
  db = await startMigratedDatabase();
  pool = db.pool;
  const batch = normalizeBatch(encodingCorpus());
  expect(batch.rejected).toEqual([]);
  corpus = batch.events;
}, 120_000);

afterAll(async () => {
  await db?.close();
});

beforeEach(async () => {
  await storeCorpusAsBefore0013();
  expect(await legacyRowCount()).toBe(corpus.length);
});

describe("the event-bodies backfill", () => {
  test("rewrites every event stored before event bodies exactly as the loader stores it now", async () => {
    const result = await runBackfills(pool, { backfills: [eventBodiesBackfill({ batchRows: 100 })] });
    expect(result.failed).toEqual([]);
    expect(result.remaining).toBe(0);
    expect(await legacyRowCount()).toBe(0);

    const expected = new Map(corpus.map((event) => [keyOf(event), event]));
    const rows = await storedRows();
    expect(rows).toHaveLength(corpus.length);
    for (const row of rows) {
      const event = expected.get(keyOf(row as { eventId: string; type: string; eventTime: Date })) as NormalizedEvent;
      const [loaderRow] = await toEventRows([event], { batchNumber: 1 });
      expect(row.payload, keyOf(event)).toEqual(loaderRow?.payload ?? null);
      // The same bytes the loader writes: the codec is deterministic.
      expect(row.body, keyOf(event)).toEqual(loaderRow?.body);
      for (const { column } of Object.values(METRIC_COLUMNS)) {
        expect(row[column] ?? null, `${keyOf(event)} ${column}`).toEqual(loaderRow?.[column] ?? null);
      }
    }
  });

  test("names each event's batch by its number, and keeps the id of a batch that has no row", async () => {
    await runBackfills(pool, { backfills: [EVENT_BODIES_BACKFILL] });
    const { rows } = await pool.query(
      `SELECT batch_id, batch_number, received_at IS NOT NULL AS has_received_at, count(*)::int AS n
       FROM events GROUP BY 1, 2, 3 ORDER BY 2, 1`,
    );
    const per = (index: number) => corpus.filter((_, position) => position % BATCH_IDS.length === index).length;
    expect(rows).toEqual([
      { batch_id: null, batch_number: batchNumbers.get("legacy-a"), has_received_at: false, n: per(0) },
      { batch_id: null, batch_number: batchNumbers.get("legacy-b"), has_received_at: false, n: per(1) },
      { batch_id: "legacy-c", batch_number: null, has_received_at: true, n: per(2) },
    ]);
  });

  test("changes no Events API answer, search token, search count, search value or rollup", async () => {
    const before = { answers: await answers(), search: await searchState(), derived: await derivedRows() };
    await runBackfills(pool, { backfills: [eventBodiesBackfill({ batchRows: 100 })] });
    expect(await legacyRowCount()).toBe(0);
    expect(await answers()).toEqual(before.answers);
    expect(await searchState()).toEqual(before.search);
    // No statement trigger of events saw the copy: the shadow is a plain table until the swap.
    expect(await derivedRows()).toEqual(before.derived);
  });

  test("a run cut off mid-day (its connection killed in a step) changes nothing of the day, and the next run goes on from the steps committed", async () => {
    const before = await answers();
    const { day, n } = await busiestDay();
    expect(n).toBeGreaterThan(100);
    const steps = eventBodiesBackfill({ batchRows: 20 });
    let calls = 0;
    const cutOff: StepBackfill = {
      ...steps,
      step: async (client, stepDay, from) => {
        const done = await steps.step(client, stepDay, from);
        // The third step's rows are copied but not committed when its session is ended.
        if (++calls === 3) await client.query("SELECT pg_terminate_backend(pg_backend_pid())");
        return done;
      },
    };
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    const cut = await runBackfills(pool, { backfills: [cutOff] }).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(BackfillError);
    expect((cut as BackfillError).result.failed).toMatchObject([{ backfill: NAME, day, sessionEnded: true }]);
    // The day itself is untouched until the swap; the two steps committed are in the shadow left behind.
    expect(await legacyRowCount(day)).toBe(n);
    expect(await shadows()).toEqual({ [shadowOf(day)]: 40 });
    const [progress] = (await readBackfillProgress(pool)).filter((entry) => entry.name === NAME);
    expect(progress).toMatchObject({ status: "failing", eventsFilled: 40 });
    expect(progress?.lastError).toMatch(/terminat/);
    expect(await answers()).toEqual(before);

    const after = await runBackfills(pool, { backfills: [steps] });
    expect(after.filled).toMatchObject([{ backfill: NAME, day, events: n }]);
    expect(await legacyRowCount(day)).toBe(0);
    expect(await shadows()).toEqual({});
    expect(await answers()).toEqual(before);
    const [done] = (await readBackfillProgress(pool)).filter((entry) => entry.name === NAME);
    expect(done).toMatchObject({ status: "done", eventsFilled: n, lastError: null });
  });

  test("a run out of time stops between steps, and the next run goes on", async () => {
    const controller = new AbortController();
    const steps = eventBodiesBackfill({ batchRows: 50 });
    const stopping: Backfill = {
      ...steps,
      step: async (client, day, from) => {
        controller.abort();
        return steps.step(client, day, from);
      },
    };
    const first = await runBackfills(pool, { backfills: [stopping], signal: controller.signal });
    expect(first.filled).toEqual([]);
    expect(first.remaining).toBeGreaterThan(0);
    expect(await legacyRowCount()).toBe(corpus.length);
    expect(Object.values(await shadows())).toEqual([50]);
    const second = await runBackfills(pool, { backfills: [steps] });
    expect(second.remaining).toBe(0);
    expect(await legacyRowCount()).toBe(0);
    expect(await shadows()).toEqual({});
  });

  test("a run that finds its day taken over by another run between its steps leaves the day to that run", async () => {
    const { day } = await busiestDay();
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    const steps = eventBodiesBackfill({ batchRows: 20 });
    let calls = 0;
    const overtaken: StepBackfill = {
      ...steps,
      step: async (client, stepDay, from) => {
        // Before the second step, another run's first step (the day is not held between steps): it resumes the
        // shadow with a mark of its own.
        if (++calls === 2) await pool.query("SELECT msgevents_start_event_shadow($1::date)", [day]);
        return steps.step(client, stepDay, from);
      },
    };
    expect(await runBackfills(pool, { backfills: [overtaken] })).toEqual({ filled: [], failed: [], remaining: 1 });
    expect(calls).toBe(2);
    // This run's first step, and nothing after.
    expect(await shadows()).toEqual({ [shadowOf(day)]: 20 });
    expect((await runBackfills(pool, { backfills: [steps] })).remaining).toBe(0);
    expect(await legacyRowCount(day)).toBe(0);
  });

  test("a day larger than one run's time is converted over several runs, each going on where the last stopped", async () => {
    const before = await answers();
    const { day, n } = await busiestDay();
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    const steps = eventBodiesBackfill({ batchRows: 20 });
    const held: number[] = [];
    for (let runs = 0; ; runs++) {
      expect(runs).toBeLessThan(n);
      // Each run has time for three steps.
      const controller = new AbortController();
      let calls = 0;
      const short: StepBackfill = {
        ...steps,
        step: async (client, stepDay, from) => {
          if (++calls === 3) controller.abort();
          return steps.step(client, stepDay, from);
        },
      };
      const run = await runBackfills(pool, { backfills: [short], signal: controller.signal });
      if (run.remaining === 0) break;
      held.push((await shadows())[shadowOf(day)] ?? 0);
    }
    // The copy grew by three steps a run (the first of each run resumes), to the day's rows; then came the index and
    // the swap.
    expect(held.slice(0, 3)).toEqual([60, 120, 180]);
    expect(held.at(-1)).toBe(n);
    expect(await legacyRowCount(day)).toBe(0);
    expect(await answers()).toEqual(before);
    const [done] = (await readBackfillProgress(pool)).filter((entry) => entry.name === NAME);
    expect(done).toMatchObject({ status: "done", eventsFilled: n });
  });

  test("a day retention drops during its conversion is done, its shadow dropped, and no other day is touched", async () => {
    const days = await pool.query<{ day: string }>(
      "SELECT DISTINCT event_time::date::text AS day FROM events ORDER BY 1",
    );
    const oldest = days.rows[0]?.day as string;
    const inOldest = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE event_time::date = $1::date",
      [oldest],
    );
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [
      NAME,
      oldest,
    ]);
    const controller = new AbortController();
    const steps = eventBodiesBackfill({ batchRows: 20 });
    const stopping: StepBackfill = {
      ...steps,
      step: async (client, day, from) => {
        controller.abort();
        return steps.step(client, day, from);
      },
    };
    await runBackfills(pool, { backfills: [stopping], signal: controller.signal });
    expect(await shadows()).toEqual({ [shadowOf(oldest)]: 20 });
    const dayAfter = new Date(Date.parse(`${oldest}T00:00:00Z`) + 86_400_000);
    expect(
      await dropExpiredPartitions(pool, { retentionDays: 1, now: new Date(dayAfter.getTime() + 86_400_000) }),
    ).toEqual([partitionOf(oldest)]);
    // The shadow is no partition: retention leaves it to the backfill.
    expect(await shadows()).toEqual({ [shadowOf(oldest)]: 20 });
    const after = await runBackfills(pool, { backfills: [steps] });
    expect(after.filled).toMatchObject([{ backfill: NAME, day: oldest, events: 0 }]);
    expect(await shadows()).toEqual({});
    expect(await legacyRowCount()).toBe(corpus.length - (inOldest.rows[0]?.n ?? 0));
  });

  test("loads into a day being converted are neither lost nor doubled, and answers stay exact meanwhile", async () => {
    const fresh = normalizeBatch(
      corpus.slice(0, 200).map((event, index) => ({
        type: event.type,
        event_id: `fresh-${index}`,
        timestamp: event.eventTime.toISOString(),
        rcpt_to: `fresh${index}@example.org`,
      })),
    ).events;
    const expectedAnswers = new Map(
      (await toEventsApiEvents(await storedRows())).map((event) => [keyOfAnswer(event), JSON.stringify(event)]),
    );
    // 100 rows per step: 44 steps over the corpus's days, each checking every answer (a whole-corpus read each).
    const steps = eventBodiesBackfill({ batchRows: 100 });
    let loaded = 0;
    const withLoads: StepBackfill = {
      ...steps,
      step: async (client, day, from) => {
        // Between two steps of the day: load again events already stored (a retried batch: legacy rows, some already
        // rewritten) and new events into the same days, and search.
        const retried = corpus.slice(loaded * 40, loaded * 40 + 40);
        const added = fresh.slice(loaded * 10, loaded * 10 + 10);
        expect(await storeEvents(pool, [...retried, ...added], "batch-during")).toBe(added.length);
        for (const event of await toEventsApiEvents(await storedRows())) {
          const key = keyOfAnswer(event);
          const known = expectedAnswers.get(key);
          if (known === undefined) expectedAnswers.set(key, JSON.stringify(event));
          else expect(JSON.stringify(event)).toBe(known);
        }
        loaded += 1;
        return steps.step(client, day, from);
      },
    };
    await runBackfills(pool, { backfills: [withLoads] });
    expect(loaded).toBeGreaterThan(5);
    const addedCount = Math.min(fresh.length, loaded * 10);
    expect((await storedRows()).length).toBe(corpus.length + addedCount);
    expect(await legacyRowCount()).toBe(0);
    const final = await toEventsApiEvents(await storedRows());
    expect(new Map(final.map((event) => [keyOfAnswer(event), JSON.stringify(event)]))).toEqual(expectedAnswers);
  });

  test("a row today's normalizer would store otherwise is left as it is, readable as before", async () => {
    // As an older loader might have left it: the sending domain not derived from friendly_from.
    await pool.query(
      `UPDATE events SET sending_domain = NULL
       WHERE (event_id, type, event_time) IN (SELECT event_id, type, event_time FROM events
                                              WHERE friendly_from LIKE '%@%' ORDER BY 1, 2, 3 LIMIT 1)`,
    );
    const before = await answers();
    await runBackfills(pool, { backfills: [EVENT_BODIES_BACKFILL] });
    expect(await legacyRowCount()).toBe(1);
    expect(await answers()).toEqual(before);
  });

  test("events erased from a day while it is copied do not come back, and the counts stay those the erasure left", async () => {
    const { day, n } = await busiestDay();
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    const steps = eventBodiesBackfill({ batchRows: 20 });
    let calls = 0;
    let erased: string[] = [];
    let afterErasure: Record<string, unknown[]> = {};
    const withErasure: StepBackfill = {
      ...steps,
      step: async (client, stepDay, from) => {
        const done = await steps.step(client, stepDay, from);
        if (++calls === 3) {
          // As the eraser deletes (its DELETE trigger subtracts the search counts): the day's first event, copied
          // already, and its last, not copied yet.
          const deleted = await pool.query<{ event_id: string }>(
            `DELETE FROM events WHERE (event_id, type, event_time) IN (
               (SELECT event_id, type, event_time FROM events WHERE event_time::date = $1::date
                ORDER BY event_time, type, event_id LIMIT 1)
               UNION ALL
               (SELECT event_id, type, event_time FROM events WHERE event_time::date = $1::date
                ORDER BY event_time DESC, type DESC, event_id DESC LIMIT 1))
             RETURNING event_id`,
            [day],
          );
          erased = deleted.rows.map((row) => row.event_id);
          afterErasure = await derivedRows();
        }
        return done;
      },
    };
    const before = await answers();
    const result = await runBackfills(pool, { backfills: [withErasure] });
    expect(result.filled).toMatchObject([{ backfill: NAME, day }]);
    expect(erased).toHaveLength(2);
    const left = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE event_time::date = $1::date AND event_id = ANY($2::text[])",
      [day, erased],
    );
    expect(left.rows[0]?.n).toBe(0);
    expect(await legacyRowCount(day)).toBe(0);
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE event_time::date = $1::date",
      [day],
    );
    expect(rows[0]?.n).toBe(n - 2);
    expect(await derivedRows()).toEqual(afterErasure);
    expect(await answers()).toEqual(
      before.filter((answer) => !erased.some((id) => answer.includes(`"event_id":"${id}"`))),
    );
  });

  test("a swap that cannot lock the day in time changes nothing and fails with the lock timeout; a later run swaps the day in, with the indexes it has then", async () => {
    const { day, n } = await busiestDay();
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    const before = { answers: await answers(), derived: await derivedRows() };
    const holder = db.database.client();
    await holder.connect();
    try {
      // A load writing the day that does not end while the swap tries.
      await holder.query(`BEGIN; LOCK TABLE ${partitionOf(day)} IN ROW EXCLUSIVE MODE`);
      const result = await runBackfills(pool, {
        backfills: [eventBodiesBackfill({ swapAttempts: 2, swapPauseMs: 10 })],
      });
      expect(result.failed).toMatchObject([{ backfill: NAME, day, code: "55P03", failures: 1 }]);
      expect(result.remaining).toBe(1);
      expect(await legacyRowCount(day)).toBe(n);
      expect(await answers()).toEqual(before.answers);
      expect(await shadows()).toEqual({ [shadowOf(day)]: n });
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    // Meanwhile the day got an index (as a later migration might give it): the next run builds it on the shadow.
    const added = `${partitionOf(day)}_message_id_idx`;
    await pool.query(`CREATE INDEX ${added} ON ${partitionOf(day)} (message_id)`);
    const later = await runBackfills(pool, { backfills: [EVENT_BODIES_BACKFILL] });
    expect(later.filled).toMatchObject([{ backfill: NAME, day, events: n }]);
    expect(await legacyRowCount(day)).toBe(0);
    expect(await shadows()).toEqual({});
    const indexes = await pool.query("SELECT FROM pg_indexes WHERE tablename = $1 AND indexname = $2", [
      partitionOf(day),
      added,
    ]);
    expect(indexes.rows).toHaveLength(1);
    await pool.query(`DROP INDEX ${added}`);
    expect(await answers()).toEqual(before.answers);
    expect(await derivedRows()).toEqual(before.derived);
  });

  test("a load that writes the day while the swap waits for it goes through (the swap gives way first), and its event is in the converted day once", async () => {
    const { day, n } = await busiestDay();
    const other = await pool.query<{ day: string }>(
      "SELECT min(event_time::date)::text AS day FROM events WHERE event_time::date <> $1::date",
      [day],
    );
    const otherDay = other.rows[0]?.day as string;
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    const loader = db.database.client();
    await loader.connect();
    const runnerPool = db.database.pool({ max: 2, application_name: "swap-under-test" });
    try {
      // A load that has written another day holds events (ROW EXCLUSIVE) when the swap wants it.
      await loader.query("BEGIN");
      await loader.query(insertCopyOf(otherDay, "loaded-before-swap"));
      const run = runBackfills(runnerPool, { backfills: [EVENT_BODIES_BACKFILL] });
      while (!(await waitsForLock("swap-under-test", "events"))) await sleep(10);
      // The swap holds the day against writes and waits for events; the load now writes the day and waits for the
      // swap: a deadlock, which the swap's lock timeout (under deadlock_timeout) breaks in the load's favour.
      await loader.query(insertCopyOf(day, "loaded-during-swap"));
      await loader.query("COMMIT");
      const result = await run;
      expect(result.failed).toEqual([]);
      expect(result.filled).toMatchObject([{ backfill: NAME, day, events: n + 1 }]);
    } finally {
      await loader.end();
      await runnerPool.end();
    }
    const { rows } = await pool.query<{ n: number; loaded: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE event_id = 'loaded-during-swap')::int AS loaded
       FROM events WHERE event_time::date = $1::date`,
      [day],
    );
    expect(rows[0]).toEqual({ n: n + 1, loaded: 1 });
    // It copied a row stored before 0013 and so was stored as one; the swap converted it with the rest.
    expect(await legacyRowCount(day)).toBe(0);
  });

  test("the converted day takes less space than before (pg_total_relation_size of its partition)", async () => {
    const day = "2024-07-01";
    const records = generateEvents(3_000, {
      seed: 31,
      from: new Date(`${day}T00:00:00Z`),
      to: new Date(`${day}T23:59:00Z`),
    });
    expect(await storeLegacyEvents(pool, normalizeBatch(records).events, "legacy-a")).toBe(3_000);
    await pool.query("SELECT msgevents_register_backfill($1, true)", [NAME]);
    await pool.query(`VACUUM ANALYZE ${partitionOf(day)}`);
    const size = async () => {
      const { rows } = await pool.query<{ bytes: string }>("SELECT pg_total_relation_size($1::regclass) AS bytes", [
        partitionOf(day),
      ]);
      return Number(rows[0]?.bytes);
    };
    const before = await size();
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    expect((await runBackfills(pool, { backfills: [EVENT_BODIES_BACKFILL] })).filled).toHaveLength(1);
    expect(await legacyRowCount(day)).toBe(0);
    const after = await size();
    expect(after).toBeLessThan(before * 0.8);
    await pool.query(`DROP TABLE ${partitionOf(day)}`);
  });

  test("the swapped-in table is the day partition as it was (name, bounds, indexes, storage, privileges), vacuumed, and retention and the vacuum of ended days find it", async () => {
    await ensureLoginRoles(pool);
    const { day } = await busiestDay();
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    // Grants and storage parameters of its own, to see them kept.
    await pool.query(`GRANT SELECT ON ${partitionOf(day)} TO msgevents_alerts`);
    await pool.query(`ALTER TABLE ${partitionOf(day)} SET (fillfactor = 95)`);
    const before = await dayCatalog(day);
    expect(before.indexes).toHaveLength(8);
    // MAINTAIN for the maintenance role (VACUUM and ANALYZE of ended days), SELECT for the query role, among them.
    expect(before.acl).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^msgevents_maintenance=m\//),
        expect.stringMatching(/^msgevents_query=r\//),
      ]),
    );
    // One connection, so that its statistics (rows inserted) can be flushed before the vacuum reads them.
    const single = db.database.pool({ max: 1 });
    try {
      expect((await runBackfills(single, { backfills: [EVENT_BODIES_BACKFILL] })).filled).toHaveLength(1);
      expect(await legacyRowCount(day)).toBe(0);
      const after = await dayCatalog(day);
      expect(after.oid).not.toBe(before.oid);
      expect({ ...after, oid: 0 }).toEqual({ ...before, oid: 0 });
      // Vacuumed before the swap: its visibility map is set (counts read it by index-only scans) and nothing is left
      // for the vacuum of ended days, until a late event comes.
      const visible = await single.query<{ pages: number; visible: number }>(
        "SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE oid = $1::regclass",
        [partitionOf(day)],
      );
      expect(visible.rows[0]?.pages).toBeGreaterThan(0);
      expect(visible.rows[0]?.visible).toBe(visible.rows[0]?.pages);
      await single.query("SELECT pg_stat_force_next_flush()");
      const dayAfter = new Date(Date.parse(`${day}T00:00:00Z`) + 2 * 86_400_000);
      expect(await vacuumEndedPartitions(single, { now: dayAfter })).not.toContain(partitionOf(day));
      await single.query(insertCopyOf(day, "late-event"));
      await single.query("SELECT pg_stat_force_next_flush()");
      expect(await vacuumEndedPartitions(single, { now: dayAfter })).toContain(partitionOf(day));
      expect(await dropExpiredPartitions(single, { retentionDays: 1, now: dayAfter })).toContain(partitionOf(day));
    } finally {
      await single.end();
    }
  });
});

function keyOfAnswer(event: Record<string, unknown>): string {
  return `${event.event_id}|${event.type}|${event.timestamp}`;
}

/** What the catalog says of a day partition, but for its contents. */
async function dayCatalog(day: string): Promise<Record<string, unknown>> {
  const { rows } = await pool.query(
    `SELECT c.oid::bigint AS oid, c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound, c.reloptions,
            c.relacl::text[] AS acl, c.relowner::regrole::text AS owner, c.relpersistence, c.relkind,
            (SELECT array_agg(ic.relname || ' ' || regexp_replace(pg_get_indexdef(i.indexrelid), ' ON \\S+', ' ON day')
                              || ' of ' || coalesce(pi.inhparent::regclass::text, '-') ORDER BY ic.relname)
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
             LEFT JOIN pg_inherits pi ON pi.inhrelid = i.indexrelid
             WHERE i.indrelid = c.oid) AS indexes,
            (SELECT array_agg(con.conname || ' ' || pg_get_constraintdef(con.oid) ORDER BY con.conname)
             FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype <> 'n') AS constraints,
            (SELECT array_agg(a.attname || ' ' || a.attstorage::text || ' ' || a.attcompression::text || ' ' || a.attnotnull::text
                              || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') ORDER BY a.attname)
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT count(*)::int FROM pg_trigger t WHERE t.tgrelid = c.oid) AS triggers,
            obj_description(c.oid, 'pg_class') AS comment
     FROM pg_class c WHERE c.oid = $1::regclass`,
    [partitionOf(day)],
  );
  return rows[0];
}

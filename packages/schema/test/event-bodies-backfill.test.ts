import { getTableColumns } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { events } from "../src/db/tables.ts";
import {
  type Backfill,
  BackfillError,
  EVENT_BODIES_BACKFILL,
  eventBodiesBackfill,
  eventSearchHashes,
  type NormalizedEvent,
  normalizeBatch,
  readBackfillProgress,
  runBackfills,
  type StepBackfill,
  type StoredEvent,
  toEventRows,
  toEventsApiEvents,
} from "../src/index.ts";
import { encodingCorpus } from "./encoding-corpus.ts";
import {
  type MigratedDatabase,
  RECEIVED_AT,
  startMigratedDatabase,
  storeEvents,
  storeLegacyEvents,
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

/** The corpus stored as before 0013 in three batches, with this backfill's days queued as migration 0018 queues them. */
async function storeCorpusAsBefore0013(): Promise<void> {
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
    const result = await runBackfills(pool, { backfills: [eventBodiesBackfill(100)] });
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

  test("changes no Events API answer, search token or search count", async () => {
    const before = { answers: await answers(), search: await searchState() };
    await runBackfills(pool, { backfills: [eventBodiesBackfill(100)] });
    expect(await legacyRowCount()).toBe(0);
    expect(await answers()).toEqual(before.answers);
    expect(await searchState()).toEqual(before.search);
  });

  test("a run cut off mid-day (its connection killed in a step) keeps the steps done and the next run finishes", async () => {
    const before = await answers();
    const busiest = await pool.query<{ day: string; n: number }>(
      "SELECT event_time::date::text AS day, count(*)::int AS n FROM events GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
    );
    const { day, n } = busiest.rows[0] as { day: string; n: number };
    expect(n).toBeGreaterThan(100);
    const steps = eventBodiesBackfill(20);
    let calls = 0;
    const cutOff: StepBackfill = {
      ...steps,
      step: async (client, stepDay, from) => {
        const done = await steps.step(client, stepDay, from);
        // The third step's rows are rewritten but not committed when its session is ended.
        if (++calls === 3) await client.query("SELECT pg_terminate_backend(pg_backend_pid())");
        return done;
      },
    };
    await pool.query("UPDATE backfill_days SET done_at = now() WHERE backfill = $1 AND day <> $2::date", [NAME, day]);
    const cut = await runBackfills(pool, { backfills: [cutOff] }).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(BackfillError);
    expect((cut as BackfillError).result.failed).toMatchObject([{ backfill: NAME, day, sessionEnded: true }]);
    expect(await legacyRowCount(day)).toBe(n - 40);
    const [progress] = (await readBackfillProgress(pool)).filter((entry) => entry.name === NAME);
    expect(progress).toMatchObject({ status: "failing", eventsFilled: 40 });
    expect(progress?.lastError).toMatch(/terminat/);
    // Half-converted, every answer is the same.
    expect(await answers()).toEqual(before);

    const after = await runBackfills(pool, { backfills: [steps] });
    expect(after.filled).toMatchObject([{ backfill: NAME, day }]);
    expect(await legacyRowCount(day)).toBe(0);
    expect(await answers()).toEqual(before);
    const [done] = (await readBackfillProgress(pool)).filter((entry) => entry.name === NAME);
    expect(done).toMatchObject({ status: "done", eventsFilled: n, lastError: null });
  });

  test("a run out of time stops between steps and the next run goes on", async () => {
    const controller = new AbortController();
    const steps = eventBodiesBackfill(50);
    const stopping: Backfill = {
      ...steps,
      step: async (client, day, from) => {
        controller.abort();
        return steps.step(client, day, from);
      },
    };
    const first = await runBackfills(pool, { backfills: [stopping], signal: controller.signal });
    expect(first.filled.length).toBeLessThanOrEqual(1);
    expect(first.remaining).toBeGreaterThan(0);
    expect(await legacyRowCount()).toBeLessThan(corpus.length);
    expect(await legacyRowCount()).toBeGreaterThan(0);
    const second = await runBackfills(pool, { backfills: [steps] });
    expect(second.remaining).toBe(0);
    expect(await legacyRowCount()).toBe(0);
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
    const steps = eventBodiesBackfill(25);
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
});

function keyOfAnswer(event: Record<string, unknown>): string {
  return `${event.event_id}|${event.type}|${event.timestamp}`;
}

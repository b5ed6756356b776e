import { parseWebhookBatch } from "@msgevents/schema";
import { parseBatchKey } from "@msgevents/storage";
import { generateEvents } from "@msgevents/testkit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { BatchFailedError, loadBatches, MAX_BATCHES_PER_LOAD, NotABatchKeyError } from "../src/index.ts";
import {
  batchRow,
  expectedEventKeys,
  type LoaderFixture,
  startLoaderFixture,
  storeBatch,
  storedEventKeys,
} from "./support/fixture.ts";

let fixture: LoaderFixture;
beforeAll(async () => {
  fixture = await startLoaderFixture();
});
afterAll(async () => {
  await fixture?.close();
});
beforeEach(async () => {
  await fixture.pool.query("TRUNCATE events, batches");
});
afterEach(async () => {
  await fixture.pool.query("DROP TRIGGER IF EXISTS refuse_poison ON events");
  await fixture.pool.query("DROP FUNCTION IF EXISTS refuse_poison()");
});

const batchIdOf = (key: string) => parseBatchKey(key)?.batchId ?? "";

/** The transactions that last wrote the batches' rows: rows committed together share one. */
async function writingTransactions(keys: readonly string[]): Promise<Set<string>> {
  const { rows } = await fixture.pool.query<{ xmin: string }>(
    "SELECT xmin::text AS xmin FROM batches WHERE batch_id = ANY($1)",
    [keys.map(batchIdOf)],
  );
  return new Set(rows.map((row) => row.xmin));
}

/** Makes PostgreSQL refuse any event whose event_id is `eventId`, as it refuses content (a data exception). */
async function refuseEvent(eventId: string): Promise<void> {
  await fixture.pool.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.event_id = '${eventId}' THEN
        RAISE EXCEPTION 'poison event' USING ERRCODE = '22023';
      END IF;
      RETURN NEW;
    END $$`);
  await fixture.pool.query(
    "CREATE TRIGGER refuse_poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
  );
}

describe("loadBatches", () => {
  test("loads several batches in one transaction, each with its own row and counts, an event in two of them once", async () => {
    const all = generateEvents(600, { seed: 51 });
    const slices = [all.slice(0, 200), all.slice(200, 400), all.slice(300, 600)];
    const keys = await Promise.all(slices.map((records) => storeBatch(fixture.store, records)));

    const outcomes = await loadBatches(
      keys.map((objectKey) => ({ objectKey })),
      fixture.loaderDeps(),
    );

    expect(outcomes.map((outcome) => outcome.ok && outcome.result)).toEqual([
      expect.objectContaining({ objectKey: keys[0], outcome: "loaded", eventsLoaded: 200, eventsDuplicate: 0 }),
      expect.objectContaining({ objectKey: keys[1], outcome: "loaded", eventsLoaded: 200, eventsDuplicate: 0 }),
      expect.objectContaining({ objectKey: keys[2], outcome: "loaded", eventsLoaded: 200, eventsDuplicate: 100 }),
    ]);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(all));
    expect(await writingTransactions(keys)).toHaveProperty("size", 1);
    for (const [index, key] of keys.entries()) {
      const stored = await fixture.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM events JOIN batches USING (batch_number) WHERE batches.batch_id = $1",
        [batchIdOf(key)],
      );
      expect(stored.rows[0]?.n, key).toBe(index === 2 ? 200 : slices[index]?.length);
      expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({ status: "loaded", attempts: 1 });
    }
  });

  test(`takes at most ${MAX_BATCHES_PER_LOAD} batches a transaction`, async () => {
    const all = generateEvents(60, { seed: 52 });
    const keys: string[] = [];
    for (let start = 0; start < 60; start += 10)
      keys.push(await storeBatch(fixture.store, all.slice(start, start + 10)));

    const outcomes = await loadBatches(
      keys.map((objectKey) => ({ objectKey })),
      fixture.loaderDeps(),
    );

    expect(outcomes.every((outcome) => outcome.ok && outcome.result.eventsLoaded === 10)).toBe(true);
    expect(await writingTransactions(keys.slice(0, MAX_BATCHES_PER_LOAD))).toHaveProperty("size", 1);
    expect(await writingTransactions(keys)).toHaveProperty("size", 2);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(all));
  });

  test("a batch PostgreSQL refuses fails alone, recorded as failed; the others of its transaction load", async () => {
    const all = generateEvents(90, { seed: 53 });
    const slices = [all.slice(0, 30), all.slice(30, 60), all.slice(60, 90)];
    const keys = await Promise.all(slices.map((records) => storeBatch(fixture.store, records)));
    const poison = parseWebhookBatch(JSON.stringify(slices[1])).events[0]?.eventId ?? "";
    await refuseEvent(poison);

    const outcomes = await loadBatches(
      keys.map((objectKey) => ({ objectKey })),
      fixture.loaderDeps(),
    );

    expect(outcomes[0]).toMatchObject({ ok: true, result: { outcome: "loaded", eventsLoaded: 30 } });
    expect(outcomes[1]).toMatchObject({ ok: false, error: expect.any(BatchFailedError) });
    expect(outcomes[2]).toMatchObject({ ok: true, result: { outcome: "loaded", eventsLoaded: 30 } });
    expect(await batchRow(fixture.pool, batchIdOf(keys[1] ?? ""))).toMatchObject({
      status: "failed",
      last_error: expect.stringContaining("PostgreSQL refused the batch (SQLSTATE 22023)"),
    });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(slices[0] ?? [], slices[2] ?? []));
  });

  test("a batch already loaded, a missing object and a key outside the layout get their own outcomes beside loads", async () => {
    const all = generateEvents(40, { seed: 54 });
    const loadedBefore = await storeBatch(fixture.store, all.slice(0, 20));
    const fresh = await storeBatch(fixture.store, all.slice(20, 40));
    await loadBatches([{ objectKey: loadedBefore }], fixture.loaderDeps());
    const missing = "batches/2024/06/01/neverstored.json";

    const outcomes = await loadBatches(
      [loadedBefore, missing, "uploads/report.csv", fresh].map((objectKey) => ({ objectKey })),
      fixture.loaderDeps(),
    );

    expect(outcomes.map((outcome) => outcome.objectKey)).toEqual([loadedBefore, missing, "uploads/report.csv", fresh]);
    expect(outcomes[0]).toMatchObject({ ok: true, result: { outcome: "already-loaded", eventsLoaded: 0 } });
    expect(outcomes[1]).toMatchObject({ ok: false, error: expect.any(BatchFailedError) });
    expect(outcomes[2]).toMatchObject({ ok: false, error: expect.any(NotABatchKeyError) });
    expect(outcomes[3]).toMatchObject({ ok: true, result: { outcome: "loaded", eventsLoaded: 20 } });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(all));
  });

  test("the same batch given twice is loaded once", async () => {
    const records = generateEvents(20, { seed: 55 });
    const key = await storeBatch(fixture.store, records);

    const outcomes = await loadBatches([{ objectKey: key }, { objectKey: key }], fixture.loaderDeps());

    expect(outcomes.map((outcome) => outcome.ok && outcome.result.outcome)).toEqual(["loaded", "already-loaded"]);
    expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({ status: "loaded", events_loaded: 20 });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(records));
  });
});

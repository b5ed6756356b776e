import { decodeBody, parseWebhookBatch, TEXT_REFS, toEventsApiEvent, toWebhookRecord } from "@msgevents/schema";
import { parseBatchKey } from "@msgevents/storage";
import { generateEvents, sampleBatch } from "@msgevents/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { BatchFailedError, loadBatch, NotABatchKeyError } from "../src/index.ts";
import { inKeyOrder } from "../src/write-events.ts";
import { holdEventKey, waitForLockWaiters } from "./support/blocker.ts";
import {
  batchRow,
  countEvents,
  expectedEventKeys,
  type LoaderFixture,
  snapshot,
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

function jsonParseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the text is valid JSON");
}

const batchIdOf = (key: string) => parseBatchKey(key)?.batchId ?? "";

describe("loadBatch", () => {
  test("loads every event of a stored batch once and records the batch as loaded with its counts", async () => {
    const records = generateEvents(350, { seed: 11 });
    const key = await storeBatch(fixture.store, records);
    const receivedAt = new Date("2024-06-01T10:00:01.234Z");

    const result = await loadBatch(key, fixture.loaderDeps(), { receivedAt });

    expect(result).toMatchObject({ outcome: "loaded", eventsLoaded: 350, eventsDuplicate: 0, recordsRejected: 0 });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(records));
    const row = await batchRow(fixture.pool, batchIdOf(key));
    expect(row).toMatchObject({
      object_key: key,
      status: "loaded",
      received_at: receivedAt,
      events_loaded: 350,
      events_duplicate: 0,
      records_rejected: 0,
      rejections: null,
      attempts: 1,
      last_error: null,
      bytes: JSON.stringify(records).length,
    });
    expect(row.loaded_at).toBeInstanceOf(Date);
    const received = await fixture.pool.query(
      "SELECT DISTINCT b.batch_id, b.received_at, e.batch_id AS legacy_id FROM events e JOIN batches b USING (batch_number)",
    );
    expect(received.rows).toEqual([{ batch_id: batchIdOf(key), received_at: receivedAt, legacy_id: null }]);
  });

  test("a late event for a day that retention dropped after this loader cached it is loaded into a recreated partition", async () => {
    const deps = fixture.loaderDeps();
    const first = generateEvents(20, { seed: 41 });
    await loadBatch(await storeBatch(fixture.store, first), deps);
    const day = parseWebhookBatch(JSON.stringify(first)).events[0]?.eventTime.toISOString().slice(0, 10) ?? "";
    await fixture.pool.query(`DROP TABLE events_${day.replaceAll("-", "")}`);
    const late = generateEvents(20, { seed: 42 });

    const result = await loadBatch(await storeBatch(fixture.store, [...first, ...late]), deps);

    expect(result.outcome).toBe("loaded");
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(first, late));
  });

  test("the same batch loaded twice changes nothing the second time", async () => {
    const records = generateEvents(200, { seed: 12 });
    const key = await storeBatch(fixture.store, records);
    const deps = fixture.loaderDeps();
    await loadBatch(key, deps, { receivedAt: new Date("2024-06-01T10:00:00Z") });
    const before = await snapshot(fixture.pool);

    const again = await loadBatch(key, deps, { receivedAt: new Date("2024-06-01T11:00:00Z") });

    expect(again).toMatchObject({ outcome: "already-loaded", eventsLoaded: 0, eventsDuplicate: 0 });
    expect(await snapshot(fixture.pool)).toEqual(before);
    expect(await countEvents(fixture.pool)).toBe(200);
  });

  test("loaded again with force (a replay after a fix), a batch adds only what is missing, idempotently", async () => {
    const records = generateEvents(205, { seed: 13 }) as { msys: Record<string, Record<string, unknown>> }[];
    const broken = records.map((record, index) =>
      index < 5 ? { msys: { message_event: { ...Object.values(record.msys)[0], timestamp: "not a time" } } } : record,
    );
    const key = await storeBatch(fixture.store, broken);
    const deps = fixture.loaderDeps();
    const first = await loadBatch(key, deps);
    expect(first).toMatchObject({ outcome: "loaded", eventsLoaded: 200, recordsRejected: 5 });
    // The fix: the five records now load (here the stored batch is corrected; in life, the normalizer).
    await fixture.store.put(key, new TextEncoder().encode(JSON.stringify(records)));
    expect(await loadBatch(key, deps)).toMatchObject({ outcome: "already-loaded", eventsLoaded: 0 });

    const forced = await loadBatch(key, deps, { force: true });
    expect(forced).toMatchObject({ outcome: "reloaded", eventsLoaded: 5, eventsDuplicate: 200, recordsRejected: 0 });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(records));
    expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({
      status: "loaded",
      events_loaded: 205,
      events_duplicate: 0,
      records_rejected: 0,
      rejections: null,
    });

    const again = await loadBatch(key, deps, { force: true });
    expect(again).toMatchObject({ outcome: "reloaded", eventsLoaded: 0, eventsDuplicate: 205 });
    expect(await countEvents(fixture.pool)).toBe(205);
    expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({ events_loaded: 205, events_duplicate: 0 });
  });

  test("an event in two different batches is stored once and counted as a duplicate by the second", async () => {
    const all = generateEvents(300, { seed: 13 });
    const first = all.slice(0, 200);
    const second = all.slice(100, 300);
    const firstKey = await storeBatch(fixture.store, first);
    const secondKey = await storeBatch(fixture.store, second);

    const one = await loadBatch(firstKey, fixture.loaderDeps());
    const two = await loadBatch(secondKey, fixture.loaderDeps());

    expect(one).toMatchObject({ outcome: "loaded", eventsLoaded: 200, eventsDuplicate: 0 });
    expect(two).toMatchObject({ outcome: "loaded", eventsLoaded: 100, eventsDuplicate: 100 });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(all));
    expect(await batchRow(fixture.pool, batchIdOf(secondKey))).toMatchObject({
      events_loaded: 100,
      events_duplicate: 100,
    });
  });

  test("batches sharing events loaded concurrently store each event once", async () => {
    const all = generateEvents(1000, { seed: 14 });
    const slices = [all.slice(0, 600), all.slice(200, 800), all.slice(400, 1000), all.slice(0, 1000)];
    const keys = await Promise.all(slices.map((records) => storeBatch(fixture.store, records)));

    const results = await Promise.all(keys.map((key) => loadBatch(key, fixture.loaderDeps())));

    expect(results.reduce((sum, result) => sum + result.eventsLoaded, 0)).toBe(1000);
    expect(results.reduce((sum, result) => sum + result.eventsLoaded + result.eventsDuplicate, 0)).toBe(2800);
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(all));
  });

  test("two loaders racing on one batch: one loads it, the other waits for its commit and finds it loaded", async () => {
    const records = generateEvents(350, { seed: 15 });
    const key = await storeBatch(fixture.store, records);
    const lastInKeyOrder = inKeyOrder(parseWebhookBatch(JSON.stringify(records)).events).at(-1);
    if (!lastInKeyOrder) throw new Error("no events");
    // The first loader stops on the batch's last event with its transaction open; the second then queues behind it.
    const blocker = await holdEventKey(fixture.db, lastInKeyOrder);
    const first = loadBatch(key, fixture.loaderDeps());
    await waitForLockWaiters(fixture.pool, 1);
    const second = loadBatch(key, fixture.loaderDeps());
    await waitForLockWaiters(fixture.pool, 2);
    expect(await countEvents(fixture.pool)).toBe(0);

    await blocker.release();
    const outcomes = await Promise.all([first, second]);

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(["loaded", "already-loaded"]);
    expect(outcomes[0]).toMatchObject({ eventsLoaded: 350, eventsDuplicate: 0 });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(records));
    expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({
      status: "loaded",
      events_loaded: 350,
      attempts: 1,
    });
  });

  test("SparkPost's sample events, which share one event_id, stay apart and are all stored", async () => {
    const records = sampleBatch("batch-all-types");
    const key = await storeBatch(fixture.store, records);

    const result = await loadBatch(key, fixture.loaderDeps());

    expect(result).toMatchObject({ outcome: "loaded", eventsLoaded: 27, eventsDuplicate: 0, recordsRejected: 0 });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(records));
  });

  test("an event without event_id (sms_status) is stored under its derived id, and once when delivered again", async () => {
    const records = sampleBatch("sms_status");
    const deps = fixture.loaderDeps();
    const first = await loadBatch(await storeBatch(fixture.store, records), deps);
    const reordered = records.map((record) => {
      const event = (record as { msys: { message_event: Record<string, unknown> } }).msys.message_event;
      return { msys: { message_event: Object.fromEntries(Object.entries(event).reverse()) } };
    });
    const again = await loadBatch(await storeBatch(fixture.store, reordered), deps);

    expect(first).toMatchObject({ outcome: "loaded", eventsLoaded: 1, eventsDuplicate: 0, recordsRejected: 0 });
    expect(again).toMatchObject({ outcome: "loaded", eventsLoaded: 0, eventsDuplicate: 1, recordsRejected: 0 });
    const stored = await fixture.pool.query("SELECT event_id, type, rcpt_to, ip_pool, reason, body FROM events");
    expect(stored.rows.map(({ body, ...columns }) => ({ ...columns, body: decodeBody(body) }))).toEqual([
      expect.objectContaining({
        event_id: "msgevents:sha256:3c1f749b205a922a23d8dc5c68285aba03759bbd024c66692b55880787ec7eee",
        type: "sms_status",
        ip_pool: "example-ip-pool",
        reason: "MAIL REFUSED - IP (a.b.c.d) is in black list",
        body: expect.objectContaining({ stat_state: "Delivered", sms_dst: "7876712656" }),
      }),
    ]);
  });

  test("an event backfilled from the Events API, flattened with ISO times, is a duplicate of its webhook twin", async () => {
    const deps = fixture.loaderDeps();
    const webhook = sampleBatch("click");
    const [row] = parseWebhookBatch(JSON.stringify(webhook)).events;
    if (!row) throw new Error("the click sample holds no event");
    const apiEvent = toEventsApiEvent(row);
    expect(apiEvent.timestamp).toBe("2016-04-18T14:25:07.000+00:00");

    await loadBatch(await storeBatch(fixture.store, webhook), deps);
    const backfill = await loadBatch(await storeBatch(fixture.store, [toWebhookRecord(apiEvent)]), deps);

    expect(backfill).toMatchObject({ outcome: "loaded", eventsLoaded: 0, eventsDuplicate: 1, recordsRejected: 0 });
    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(webhook));
  });

  test("the ping batch loads as a batch with no events", async () => {
    const key = await storeBatch(fixture.store, [{ msys: {} }]);

    const result = await loadBatch(key, fixture.loaderDeps());

    expect(result).toMatchObject({ outcome: "loaded", eventsLoaded: 0, eventsDuplicate: 0, recordsRejected: 0 });
    expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({ status: "loaded", events_loaded: 0 });
  });

  test("events years apart get their daily partitions created outside the load transaction", async () => {
    const old = generateEvents(5, {
      seed: 16,
      from: new Date("2016-02-02T00:00:00Z"),
      to: new Date("2016-02-03T00:00:00Z"),
    });
    const recent = generateEvents(5, { seed: 17, from: new Date("2031-01-01T00:00:00Z") });
    const key = await storeBatch(fixture.store, [...old, ...recent]);

    await loadBatch(key, fixture.loaderDeps());

    expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(old, recent));
  });

  test("without a receipt time, the start of the key's receipt day is recorded", async () => {
    const key = await storeBatch(fixture.store, generateEvents(3, { seed: 18 }), {
      receivedAt: new Date("2024-06-03T17:45:00Z"),
    });

    await loadBatch(key, fixture.loaderDeps());

    expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({
      received_at: new Date("2024-06-03T00:00:00Z"),
    });
  });

  test("a batch that is not JSON is recorded as failed with its error, keeps its object, and fails the same way again", async () => {
    const body = '[{"msys": {';
    const key = await storeBatch(fixture.store, body);
    const deps = fixture.loaderDeps();
    // V8 words JSON errors differently across Node versions.
    const jsonError = `batch is not valid JSON: ${jsonParseError(body)}`;

    const failure = await loadBatch(key, deps).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BatchFailedError);
    expect((failure as Error).message).toBe(`batch ${key} cannot be loaded: ${jsonError}`);
    await expect(loadBatch(key, deps)).rejects.toBeInstanceOf(BatchFailedError);
    expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({
      status: "failed",
      attempts: 2,
      bytes: 11,
      events_loaded: 0,
      last_error: jsonError,
      loaded_at: null,
    });
    expect(await fixture.store.exists(key)).toBe(true);
    expect(await countEvents(fixture.pool)).toBe(0);
  });

  test("a batch that is JSON but not an array is recorded as failed", async () => {
    const key = await storeBatch(fixture.store, '{"msys": {}}');

    await expect(loadBatch(key, fixture.loaderDeps())).rejects.toThrow(
      `batch ${key} cannot be loaded: batch is not a JSON array`,
    );
    expect(await batchRow(fixture.pool, batchIdOf(key))).toMatchObject({
      status: "failed",
      last_error: "batch is not a JSON array",
    });
  });

  test("a batch whose object does not exist is recorded as failed", async () => {
    const key = "batches/2024/06/01/neverstored.json";

    await expect(loadBatch(key, fixture.loaderDeps())).rejects.toThrow(
      `batch ${key} cannot be loaded: the stored object does not exist`,
    );
    expect(await batchRow(fixture.pool, "neverstored")).toMatchObject({
      status: "failed",
      bytes: null,
      last_error: "the stored object does not exist",
    });
  });

  test("a key outside the batch layout is refused without touching the database", async () => {
    await expect(loadBatch("uploads/report.csv", fixture.loaderDeps())).rejects.toBeInstanceOf(NotABatchKeyError);
    expect((await fixture.pool.query("SELECT count(*)::int AS n FROM batches")).rows[0].n).toBe(0);
  });

  test("the loader writes every column of the events table (the texts' and recipient payloads' ids too) but those of events stored before 0014", async () => {
    const { EVENT_COLUMNS, BATCH_LEVEL_COLUMNS, BODY_COLUMN, LEGACY_COLUMNS, PAYLOAD_REF_COLUMN } = await import(
      "@msgevents/schema"
    );
    const result = await fixture.pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_name = 'events' AND table_schema = current_schema() AND is_generated = 'NEVER'`,
    );
    const written = [
      ...BATCH_LEVEL_COLUMNS,
      ...EVENT_COLUMNS.map(([column]) => column),
      BODY_COLUMN,
      ...LEGACY_COLUMNS,
      ...TEXT_REFS.map((ref) => ref.ref),
      PAYLOAD_REF_COLUMN,
    ];
    expect(result.rows.map((row) => row.column_name).sort()).toEqual([...written].sort());
  });
});

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { METRIC_COLUMNS, type NormalizedEvent, normalizeBatch, toEventsApiEvent } from "../src/index.ts";
import { asStoredBefore0028 } from "../src/testing/legacy-events.ts";
import { encodingCorpus } from "./encoding-corpus.ts";
import { createReadersBefore0028, type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// Migration 0028 moved a delivery's num_retries, queue_time and msg_size (and a delay's num_retries) from payload to
// columns of their own when they arrive SparkPost's way. Rollups stay exact only if every event counts as it did:
// this test creates 0008's msgevents_event_metrics beside the new one, in a schema of its own (createReadersBefore0028),
// and compares what each says an event adds, the old one reading the event as stored before 0028 (asStoredBefore0028:
// every metric field in payload).

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
  await db.pool.query("CREATE SCHEMA before_0028");
  await createReadersBefore0028(db.pool, "before_0028");
});
afterAll(() => db?.close());

function delivery(id: string, fields: Record<string, unknown>, type = "delivery") {
  return { msys: { message_event: { type, event_id: id, timestamp: "1718000000", ...fields } } };
}

/** Events whose counters differ between 0008's function (on payload alone) and 0028's (on columns, then payload). */
async function differences(corpus: NormalizedEvent[]): Promise<{ compared: number; differing: unknown[] }> {
  const rows = corpus.map((event) => ({
    type: event.type,
    bounce_class: event.bounceClass ?? null,
    payload: event.payload ?? null,
    before: asStoredBefore0028(event).payload ?? null,
    num_retries: event.numRetries ?? null,
    queue_time: event.queueTime ?? null,
    msg_size: event.msgSize ?? null,
  }));
  const result = await db.pool.query<{ before: unknown; after: unknown }>(
    `SELECT to_jsonb(o) AS before, to_jsonb(n) AS after
     FROM jsonb_to_recordset($1::jsonb) AS e(type text, bounce_class smallint, payload jsonb, before jsonb,
       num_retries smallint, queue_time integer, msg_size integer)
     CROSS JOIN LATERAL before_0028.msgevents_event_metrics(e.type, e.bounce_class, e.before) AS o
     CROSS JOIN LATERAL public.msgevents_event_metrics(e.type, e.bounce_class, e.payload, e.num_retries, e.queue_time,
       e.msg_size) AS n`,
    [JSON.stringify(rows)],
  );
  return {
    compared: result.rows.length,
    differing: result.rows.filter((row) => JSON.stringify(row.before) !== JSON.stringify(row.after)),
  };
}

describe("a delivery's metric fields in columns (migration 0028)", () => {
  test("keep a value SparkPost's way in its column alone, and any other value in the payload as before", () => {
    const { events } = normalizeBatch([
      delivery("canonical", { num_retries: "0", queue_time: "2500", msg_size: "1337" }),
      delivery("odd", { num_retries: "01", queue_time: 2500, msg_size: "2147483648" }),
      delivery("delay", { num_retries: "3", queue_time: "10", msg_size: "20" }, "delay"),
      delivery("open", { num_retries: "3", queue_time: "10", msg_size: "20" }, "open"),
    ]);
    const [canonical, odd, delay, open] = events;
    expect(canonical).toMatchObject({ numRetries: 0, queueTime: 2500, msgSize: 1337, payload: null, body: {} });
    expect(odd).toMatchObject({ payload: { num_retries: "01", queue_time: 2500, msg_size: "2147483648" }, body: {} });
    expect(odd?.numRetries ?? odd?.queueTime ?? odd?.msgSize).toBeUndefined();
    // A delay's rollups read num_retries alone; the rest of it, and of an open, is neither counted nor searched.
    expect(delay).toMatchObject({ numRetries: 3, payload: null, body: { queue_time: "10", msg_size: "20" } });
    expect(open).toMatchObject({ payload: null, body: { num_retries: "3", queue_time: "10", msg_size: "20" } });
    expect(open?.numRetries).toBeUndefined();
  });

  test("are answered by the Events API as the strings they arrived as, where the payload put them", () => {
    const fields = { num_retries: "1", queue_time: "2500", msg_size: "1337", delv_method: "esmtp", rcpt_tags: ["a"] };
    const [event] = normalizeBatch([delivery("answer", fields)]).events;
    if (!event) throw new Error("the delivery was rejected");
    const before = asStoredBefore0028(event);

    expect(JSON.stringify(toEventsApiEvent(event))).toBe(JSON.stringify(toEventsApiEvent(before)));
    expect(toEventsApiEvent(event)).toMatchObject({ num_retries: "1", queue_time: "2500", msg_size: "1337" });
  });

  test("count as they did in payload, for the samples of every type, the generator's events and unusual values", async () => {
    const unusual = normalizeBatch([
      delivery("u1", { num_retries: "0", queue_time: "0", msg_size: "0" }),
      delivery("u2", { num_retries: "2", queue_time: "32767", msg_size: "2147483647" }),
      delivery("u3", { num_retries: "32768", queue_time: "2147483648", msg_size: "999999999999" }),
      delivery("u4", { num_retries: "many", queue_time: "-5", msg_size: { bytes: 10 } }),
      delivery("u5", { num_retries: 1, queue_time: 12.5, msg_size: "1e3" }),
      delivery("u6", { num_retries: "007", queue_time: " 5", msg_size: "+5" }),
      delivery("u7", {}),
      delivery("u8", { num_retries: "4" }, "delay"),
      delivery("u9", { num_retries: "0" }, "delay"),
    ]).events;
    const corpus = [...normalizeBatch(encodingCorpus()).events, ...unusual];
    const inColumns = corpus.filter((event) =>
      Object.values(METRIC_COLUMNS).some(({ column }) => event[column] != null),
    );

    const { compared, differing } = await differences(corpus);

    expect(compared).toBe(corpus.length);
    // Most of the generator's deliveries and delays carry them SparkPost's way.
    expect(inColumns.length).toBeGreaterThan(100);
    expect(differing).toEqual([]);
  });

  test("are what the rollup trigger adds up", async () => {
    const { events } = normalizeBatch([
      delivery("t1", { num_retries: "0", queue_time: "2500", msg_size: "1000" }),
      delivery("t2", { num_retries: "1", queue_time: "500", msg_size: "24" }),
      delivery("t3", { num_retries: "0", queue_time: "007", msg_size: "x" }),
    ]);
    await storeEvents(db.pool, events);

    const { rows } = await db.pool.query(
      `SELECT count_delivered_first, count_delivered_subsequent, total_delivery_time_first,
              total_delivery_time_subsequent, total_msg_volume
       FROM metric_rollups WHERE bucket_minutes = 1440 AND dimension = ''`,
    );

    expect(rows).toEqual([
      {
        count_delivered_first: 2,
        count_delivered_subsequent: 1,
        total_delivery_time_first: "2507",
        total_delivery_time_subsequent: "500",
        total_msg_volume: "1024",
      },
    ]);
  });
});

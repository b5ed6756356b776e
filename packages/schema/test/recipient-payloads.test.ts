import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  encodeBodies,
  insertEvents,
  maintainPartitions,
  migrate,
  type NormalizedEvent,
  PAYLOAD_REFS_INDEX_BACKFILL,
  PAYLOADS_BY_ID_BACKFILL,
  runBackfills,
} from "../src/index.ts";
import {
  migrateBefore,
  renderedEvents,
  storeAsLoader,
  storeEvents,
  twoDaysOfEvents,
  waitForLockWait,
} from "./support.ts";

// Migration 0032: an event's rcpt_meta and rcpt_tags are stored, the two together, as an id into event_payloads once
// every stored day has the ids' index; the rest of its payload stays in the row, and rows stored before keep theirs.

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

/** How many rows hold their recipient fields in payload, how many by id, and how many distinct values are named. */
async function payloadStorage(target: pg.Pool) {
  const { rows } = await target.query<{ inline: number; named: number; values: number }>(
    `SELECT count(*) FILTER (WHERE payload ?| ARRAY['rcpt_meta', 'rcpt_tags'])::int AS inline,
            count(payload_ref)::int AS named,
            (SELECT count(*)::int FROM event_payloads) AS "values"
     FROM events`,
  );
  return rows[0];
}

const withRecipientFields = (rows: NormalizedEvent[]) =>
  rows.filter((row) => row.payload && ("rcpt_meta" in row.payload || "rcpt_tags" in row.payload));

const distinctRecipientFields = (rows: NormalizedEvent[]) =>
  new Set(
    withRecipientFields(rows).map((row) =>
      JSON.stringify([row.payload?.rcpt_meta ?? null, row.payload?.rcpt_tags ?? null]),
    ),
  ).size;

describe("recipient payloads named by id (migration 0032)", () => {
  test("a load names each event's rcpt_meta and rcpt_tags by id, once per distinct value, and a page renders every event byte for byte as before", async () => {
    await migrate(pool);
    const rows = twoDaysOfEvents(1_500, 81);
    await storeAsLoader(pool, rows);
    expect(withRecipientFields(rows).length).toBeGreaterThan(1_000);
    expect(await payloadStorage(pool)).toEqual({
      inline: 0,
      named: withRecipientFields(rows).length,
      values: distinctRecipientFields(rows),
    });
    // The same events stored with their whole payload in the rows, as before the migration.
    const other = await startTestDatabase();
    const otherPool = other.pool({ max: 2 });
    try {
      await migrate(otherPool);
      await storeEvents(otherPool, rows);
      expect(await payloadStorage(otherPool)).toMatchObject({ named: 0, values: 0 });
      expect(await renderedEvents(pool)).toEqual(await renderedEvents(otherPool));
    } finally {
      await otherPool.end();
      await other.close();
    }
  });

  test("the other fields SQL reads stay in payload beside the id, and recipient fields over 1,024 bytes stay whole in the row", async () => {
    await migrate(pool);
    const [withLongCampaign, withOddCount, withHugeMeta, plain] = twoDaysOfEvents(40, 82).filter(
      (row) => row.type === "delivery" && row.payload?.rcpt_meta,
    ) as [NormalizedEvent, NormalizedEvent, NormalizedEvent, NormalizedEvent];
    const longCampaign = "c".repeat(1_100);
    const events: NormalizedEvent[] = [
      { ...withLongCampaign, campaignId: null, payload: { ...withLongCampaign.payload, campaign_id: longCampaign } },
      { ...withOddCount, numRetries: null, payload: { ...withOddCount.payload, num_retries: "007" } },
      { ...withHugeMeta, payload: { rcpt_meta: { note: "n".repeat(1_100) }, rcpt_tags: ["a"] } },
      plain,
    ];
    await storeAsLoader(pool, events);
    const { rows } = await pool.query<{ event_id: string; payload: Record<string, unknown> | null; named: boolean }>(
      "SELECT event_id, payload, payload_ref IS NOT NULL AS named FROM events ORDER BY event_id",
    );
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    expect(byId.get(withLongCampaign.eventId)).toMatchObject({ payload: { campaign_id: longCampaign }, named: true });
    expect(Object.keys(byId.get(withLongCampaign.eventId)?.payload ?? {})).toEqual(["campaign_id"]);
    expect(byId.get(withOddCount.eventId)).toMatchObject({ payload: { num_retries: "007" }, named: true });
    expect(byId.get(withHugeMeta.eventId)).toMatchObject({
      payload: { rcpt_meta: { note: "n".repeat(1_100) }, rcpt_tags: ["a"] },
      named: false,
    });
    expect(byId.get(plain.eventId)).toMatchObject({ payload: null, named: true });
    // The search tokens of each row and its named value together are those of the whole payload in the row.
    const tokens = await pool.query<{ event_id: string; split: number[]; whole: number[] }>(
      `SELECT e.event_id,
              ARRAY(SELECT DISTINCT h FROM unnest(msgevents_search_hashes(e.rcpt_to, e.recipient_domain, e.friendly_from,
                e.sending_domain, e.subject, e.campaign_id, e.template_id, e.ip_pool, e.sending_ip, e.reason,
                e.mailbox_provider, e.mailbox_provider_region, e.ab_test_id, e.message_id, e.transmission_id,
                e.subaccount_id, e.bounce_class, e.payload) || coalesce(msgevents_payload_hashes(p.value), '{}')) AS h
                ORDER BY 1) AS split,
              ARRAY(SELECT DISTINCT h FROM unnest(msgevents_search_hashes(e.rcpt_to, e.recipient_domain, e.friendly_from,
                e.sending_domain, e.subject, e.campaign_id, e.template_id, e.ip_pool, e.sending_ip, e.reason,
                e.mailbox_provider, e.mailbox_provider_region, e.ab_test_id, e.message_id, e.transmission_id,
                e.subaccount_id, e.bounce_class, coalesce(e.payload, '{}') || coalesce(p.value, '{}'))) AS h
                ORDER BY 1) AS whole
       FROM events AS e LEFT JOIN event_payloads AS p ON p.id = e.payload_ref`,
    );
    expect(tokens.rows).toHaveLength(4);
    for (const row of tokens.rows) {
      expect(row.split, row.event_id).toEqual(row.whole);
      expect(row.whole.length, row.event_id).toBeGreaterThan(5);
    }
    const other = await startTestDatabase();
    const otherPool = other.pool({ max: 2 });
    try {
      await migrate(otherPool);
      await storeEvents(otherPool, events);
      expect(await renderedEvents(pool)).toEqual(await renderedEvents(otherPool));
    } finally {
      await otherPool.end();
      await other.close();
    }
  });

  test("after an upgrade, loads keep recipient fields in rows until every stored day has the ids' index, then name them by id", async () => {
    await migrateBefore(pool, "0032");
    await storeEvents(pool, twoDaysOfEvents(300, 83));
    await migrate(pool);
    await storeAsLoader(pool, twoDaysOfEvents(300, 84));
    expect(await payloadStorage(pool)).toMatchObject({ named: 0, values: 0 });

    const run = await runBackfills(pool, { backfills: [PAYLOAD_REFS_INDEX_BACKFILL] });
    expect(run.filled.map((day) => day.day)).toEqual(["2024-06-02", "2024-06-01"]);
    const later = twoDaysOfEvents(300, 85);
    await storeAsLoader(pool, later);
    expect(await payloadStorage(pool)).toMatchObject({
      inline:
        withRecipientFields(twoDaysOfEvents(300, 83)).length + withRecipientFields(twoDaysOfEvents(300, 84)).length,
      named: withRecipientFields(later).length,
    });
    // Both days' copies were built, leaf pages filled, and the parent index is valid.
    const { rows } = await pool.query<{ options: string[] }>(
      `SELECT c.reloptions AS options FROM pg_inherits ih JOIN pg_class c ON c.oid = ih.inhrelid
       WHERE ih.inhparent = 'events_payload_ref_idx'::regclass`,
    );
    expect(rows.map((row) => row.options)).toEqual([["fillfactor=100"], ["fillfactor=100"]]);
    expect((await pool.query("SELECT msgevents_payload_refs_enabled() AS enabled")).rows).toEqual([{ enabled: true }]);
  });

  test("past about 1,000,000 values, new recipient fields stay in the rows and known ones are still named by id", async () => {
    await migrate(pool);
    const [first, second] = [twoDaysOfEvents(200, 86), twoDaysOfEvents(200, 86)];
    await storeAsLoader(pool, first);
    // As ANALYZE would leave it on a table that has grown to the cap.
    await pool.query("UPDATE pg_class SET reltuples = 1000000 WHERE oid = 'event_payloads'::regclass");
    const fresh = withRecipientFields(second).map((row, index) => ({
      ...row,
      eventId: `fresh-${index}`,
      payload: { ...row.payload, rcpt_tags: ["new"] },
    }));
    const known = withRecipientFields(second).map((row) => ({ ...row, eventId: `known-${row.eventId}` }));
    await storeAsLoader(pool, [...known, ...fresh]);
    const { rows } = await pool.query<{ kind: string; named: number; kept: number }>(
      `SELECT split_part(event_id, '-', 1) AS kind, count(payload_ref)::int AS named,
              count(*) FILTER (WHERE payload ? 'rcpt_meta')::int AS kept
       FROM events WHERE event_id LIKE 'known-%' OR event_id LIKE 'fresh-%' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { kind: "fresh", named: 0, kept: fresh.length },
      { kind: "known", named: known.length, kept: 0 },
    ]);
  });
});

describe("the payloads-by-id backfill (migration 0032)", () => {
  const queuedDays = async () =>
    (
      await pool.query<{ day: string }>(
        "SELECT day::text AS day FROM backfill_days WHERE backfill = 'payloads_by_id_0032' AND done_at IS NULL ORDER BY 1",
      )
    ).rows.map((row) => row.day);
  const dayTables = async () =>
    (
      await pool.query<{ oid: number }>(
        "SELECT c.oid::int AS oid FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY c.relname",
      )
    ).rows.map((row) => row.oid);

  test("gives every row of an upgraded database its recipient payload as an id once every day has the index, every answer as before", async () => {
    await migrateBefore(pool, "0032");
    const rows = twoDaysOfEvents(600, 90);
    await storeAsLoader(pool, rows, 350, { before0032: true });
    await migrate(pool);
    const before = await renderedEvents(pool);
    expect(await payloadStorage(pool)).toMatchObject({ inline: withRecipientFields(rows).length, named: 0 });
    expect(await queuedDays()).toEqual([]);

    await runBackfills(pool, { backfills: [PAYLOAD_REFS_INDEX_BACKFILL] });
    expect(await queuedDays()).toEqual(["2024-06-01", "2024-06-02"]);
    const run = await runBackfills(pool, { backfills: [PAYLOADS_BY_ID_BACKFILL] });
    expect(run).toMatchObject({ failed: [], remaining: 0 });
    expect(await payloadStorage(pool)).toEqual({
      inline: 0,
      named: withRecipientFields(rows).length,
      values: distinctRecipientFields(rows),
    });
    expect(await renderedEvents(pool)).toEqual(before);
    // Each row's search tokens and its named payload's are those it had with its payload whole.
    const { rows: missing } = await pool.query(
      `SELECT e.event_id FROM events AS e JOIN event_payloads AS p ON p.id = e.payload_ref
       WHERE NOT msgevents_payload_hashes(p.value) <@ msgevents_search_hashes(NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, coalesce(e.payload, '{}') || p.value)`,
    );
    expect(missing).toEqual([]);
  });

  test("a day without recipient fields to name is done without a copy", async () => {
    await migrateBefore(pool, "0032");
    await storeAsLoader(pool, twoDaysOfEvents(200, 91, "lean"), 350, { before0032: true });
    await migrate(pool);
    await runBackfills(pool, { backfills: [PAYLOAD_REFS_INDEX_BACKFILL] });
    const tables = await dayTables();
    const run = await runBackfills(pool, { backfills: [PAYLOADS_BY_ID_BACKFILL] });
    expect(run.filled.map(({ day, events }) => ({ day, events }))).toEqual([
      { day: "2024-06-02", events: 0 },
      { day: "2024-06-01", events: 0 },
    ]);
    expect(await dayTables()).toEqual(tables);
  });
});

describe("msgevents_collect_event_payloads", () => {
  const payloadId = async (ref: string) =>
    (await pool.query<{ id: number }>("SELECT id FROM event_payloads WHERE value -> 'rcpt_meta' ->> 'ref' = $1", [ref]))
      .rows[0]?.id;
  const withRef = (row: NormalizedEvent | undefined, ref: string) =>
    ({ ...row, payload: { rcpt_meta: { ref }, rcpt_tags: [] } }) as NormalizedEvent;

  test("after retention drops days, the maintenance removes the values only those days named", async () => {
    await migrate(pool);
    const rows = twoDaysOfEvents(40, 87);
    const [onlyFirst, bothFirst] = rows.filter((row) => row.eventTime < new Date("2024-06-02T00:00:00Z"));
    const [bothSecond] = rows.filter((row) => row.eventTime >= new Date("2024-06-02T00:00:00Z"));
    await storeAsLoader(pool, [
      withRef(onlyFirst, "only the first day"),
      withRef(bothFirst, "both days"),
      withRef(bothSecond, "both days"),
    ]);
    const result = await maintainPartitions(pool, { retentionDays: 2, now: new Date("2024-06-04T12:00:00Z") });
    expect(result).toMatchObject({ dropped: ["events_20240601"], payloadsRemoved: 1 });
    expect(await payloadId("only the first day")).toBeUndefined();
    expect(await payloadId("both days")).toBeDefined();
  });

  test("removes the values no stored event names, keeps the others and those a day's shadow copy names", async () => {
    await migrate(pool);
    const [a, b, c, d] = twoDaysOfEvents(20, 88).filter((row) => row.eventTime < new Date("2024-06-02T00:00:00Z"));
    await storeAsLoader(pool, [withRef(a, "shared"), withRef(b, "shared"), withRef(c, "alone"), withRef(d, "copied")]);
    const [shared, alone, copied] = [await payloadId("shared"), await payloadId("alone"), await payloadId("copied")];
    // A copy of the day under way (the copy backfills' shadow) holds the row that names "copied".
    await pool.query("SELECT msgevents_start_event_shadow('2024-06-01')");
    await pool.query("INSERT INTO events_20240601_shadow SELECT * FROM events WHERE event_id = $1", [d?.eventId]);
    await pool.query("DELETE FROM events WHERE event_id IN ($1, $2, $3)", [a?.eventId, c?.eventId, d?.eventId]);
    const { rows } = await pool.query("SELECT msgevents_collect_event_payloads($1::integer[]) AS removed", [
      [shared, alone, copied],
    ]);
    expect(rows[0]).toEqual({ removed: 1 });
    expect(await payloadId("shared")).toBe(shared);
    expect(await payloadId("alone")).toBeUndefined();
    expect(await payloadId("copied")).toBe(copied);
  });

  test("waits for a load that names a value it is about to remove, then keeps the value that load stored", async () => {
    await migrate(pool);
    const [first, second] = twoDaysOfEvents(20, 89)
      .slice(0, 2)
      .map((row) => withRef(row, "contested"));
    await storeAsLoader(pool, [first as NormalizedEvent]);
    const id = await payloadId("contested");
    await pool.query("DELETE FROM events");
    const loader = await pool.connect();
    const collector = await pool.connect();
    try {
      await loader.query("BEGIN");
      await insertEvents(
        loader,
        1,
        [second as NormalizedEvent],
        await encodeBodies([(second as NormalizedEvent).body]),
      );
      const collected = collector.query("SELECT msgevents_collect_event_payloads($1::integer[]) AS removed", [[id]]);
      await waitForLockWait(pool, collector);
      await loader.query("COMMIT");
      expect((await collected).rows[0]).toEqual({ removed: 0 });
      expect(await payloadId("contested")).toBe(id);
      expect(await pool.query("SELECT payload_ref FROM events")).toMatchObject({ rows: [{ payload_ref: id }] });
    } finally {
      loader.release();
      collector.release();
    }
  });
});

import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { dropExpiredPartitions, maintainPartitions, normalizeBatch, PartitionManager, utcDay } from "../src/index.ts";
import { countEvents, type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

const DAY_MS = 86_400_000;

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
});
afterAll(async () => {
  await db.close();
});

async function partitions(): Promise<string[]> {
  const result = await db.pool.query<{ name: string }>(
    "SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'events'::regclass ORDER BY 1",
  );
  return result.rows.map((row) => row.name);
}

async function bounds(name: string): Promise<string> {
  const result = await db.pool.query<{ bound: string }>(
    "SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE relname = $1",
    [name],
  );
  return result.rows[0]?.bound ?? "";
}

function partitionFor(time: Date): string {
  return `events_${utcDay(time).replaceAll("-", "")}`;
}

function eventAt(eventId: string, time: Date) {
  const { events } = normalizeBatch([
    { msys: { message_event: { type: "delivery", event_id: eventId, timestamp: time.getTime() / 1000 } } },
  ]);
  return events;
}

/** Waits until the client's backend is waiting for a lock held by another session. */
async function waitUntilBlocked(client: pg.Client): Promise<void> {
  const pid = (client as pg.Client & { processID: number }).processID;
  for (let attempt = 0; attempt < 600; attempt++) {
    const result = await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [
      pid,
    ]);
    if (result.rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`backend ${pid} never waited for a lock`);
}

async function dropAllPartitions(): Promise<void> {
  for (const name of await partitions()) await db.pool.query(`DROP TABLE ${name}`);
}

describe("creating partitions", () => {
  beforeEach(dropAllPartitions);

  test("an event from 2016 and one from next year each get a daily partition on demand", async () => {
    const old = new Date("2016-02-02T19:50:00Z");
    const future = new Date(Date.now() + 400 * DAY_MS);
    expect(await storeEvents(db.pool, [...eventAt("old", old), ...eventAt("future", future)])).toBe(2);
    expect(await partitions()).toEqual(["events_20160202", partitionFor(future)]);
    await db.pool.query("SET TimeZone = 'UTC'");
    expect(await bounds("events_20160202")).toBe(
      "FOR VALUES FROM ('2016-02-02 00:00:00+00') TO ('2016-02-03 00:00:00+00')",
    );
  });

  test("the last millisecond of a UTC day and the next midnight land in adjacent partitions", async () => {
    const rows = [
      ...eventAt("late", new Date("2024-03-09T23:59:59.999Z")),
      ...eventAt("midnight", new Date("2024-03-10T00:00:00.000Z")),
    ];
    await storeEvents(db.pool, rows);
    const placed = await db.pool.query<{ partition: string; event_id: string }>(
      "SELECT tableoid::regclass::text AS partition, event_id FROM events ORDER BY event_time",
    );
    expect(placed.rows).toEqual([
      { partition: "events_20240309", event_id: "late" },
      { partition: "events_20240310", event_id: "midnight" },
    ]);
  });

  test("an event for a day without a partition fails loudly rather than landing in a default partition", async () => {
    await expect(
      db.pool.query(
        "INSERT INTO events (event_time, type, event_id, batch_id, received_at, payload) VALUES ('2019-05-05T00:00:00Z', 'delivery', 'x', 'b', now(), '{}')",
      ),
    ).rejects.toMatchObject({ code: "23514" });
  });

  test("a new partition has every index of events", async () => {
    await db.pool.query("SELECT msgevents_ensure_partitions('2021-01-01', '2021-01-01')");
    const indexes = await db.pool.query<{ parent: string }>(
      `SELECT parent.relname AS parent FROM pg_index i
       JOIN pg_inherits inh ON inh.inhrelid = i.indexrelid JOIN pg_class parent ON parent.oid = inh.inhparent
       WHERE i.indrelid = 'events_20210101'::regclass ORDER BY 1`,
    );
    const parentIndexes = await db.pool.query<{ name: string }>(
      "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'events'::regclass ORDER BY 1",
    );
    expect(indexes.rows.map((row) => row.parent)).toEqual(parentIndexes.rows.map((row) => row.name));
  });

  test("ensuring an existing range creates nothing and reports zero", async () => {
    expect((await db.pool.query("SELECT msgevents_ensure_partitions('2022-06-01', '2022-06-03') AS n")).rows).toEqual([
      { n: 3 },
    ]);
    expect((await db.pool.query("SELECT msgevents_ensure_partitions('2022-06-02', '2022-06-04') AS n")).rows).toEqual([
      { n: 1 },
    ]);
    expect(await partitions()).toEqual(["events_20220601", "events_20220602", "events_20220603", "events_20220604"]);
  });

  test("an inverted range or more than ten years at once is refused", async () => {
    await expect(db.pool.query("SELECT msgevents_ensure_partitions('2022-06-02', '2022-06-01')")).rejects.toThrow(
      "msgevents_ensure_partitions: invalid day range 2022-06-02 .. 2022-06-01",
    );
    await expect(db.pool.query("SELECT msgevents_ensure_partitions('2000-01-01', '2011-01-01')")).rejects.toThrow(
      "refusing to create more than ten years of partitions at once",
    );
  });

  test("a second connection ensuring the same new days waits for the first, then creates none of them twice", async () => {
    const first = db.database.client();
    const second = db.database.client();
    await Promise.all([first.connect(), second.connect()]);
    try {
      const ensure = "SELECT msgevents_ensure_partitions('2023-01-01', '2023-03-01') AS created";
      await first.query("BEGIN");
      const created = await first.query<{ created: number }>(ensure);
      // The second sees the days missing (the first has not committed) and must queue behind the first's lock.
      const racing = second.query<{ created: number }>(ensure);
      await waitUntilBlocked(second);
      await first.query("COMMIT");
      expect([created.rows[0]?.created, (await racing).rows[0]?.created]).toEqual([60, 0]);
      expect(await partitions()).toHaveLength(60);
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });

  test("two partition managers loading the same new day at once both succeed", async () => {
    const time = new Date("2018-08-08T08:08:08Z");
    const managers = [new PartitionManager(db.pool), new PartitionManager(db.pool)];
    await Promise.all(managers.map((manager) => manager.ensureFor([time])));
    expect(await partitions()).toEqual(["events_20180808"]);
  });

  test("ensureAround creates yesterday through seven days ahead", async () => {
    const now = new Date();
    const created = await new PartitionManager(db.pool).ensureAround(now);
    expect(created).toBe(9);
    const expected = Array.from({ length: 9 }, (_, i) => partitionFor(new Date(now.getTime() + (i - 1) * DAY_MS)));
    expect(await partitions()).toEqual(expected);
  });
});

describe("retention", () => {
  const now = new Date();
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);

  beforeEach(async () => {
    await dropAllPartitions();
    await db.pool.query("TRUNCATE events");
    const rows = [
      ...eventAt("2016", new Date("2016-02-02T19:50:00Z")),
      ...eventAt("31-days", daysAgo(31)),
      ...eventAt("29-days", daysAgo(29)),
      ...eventAt("now", now),
      ...eventAt("tomorrow", new Date(now.getTime() + DAY_MS)),
    ];
    await storeEvents(db.pool, rows);
  });

  test("drops only partitions whose upper bound is older than the retention period, with their events", async () => {
    const dropped = await dropExpiredPartitions(db.pool, { retentionDays: 30, now });
    expect(dropped).toEqual(["events_20160202", partitionFor(daysAgo(31))]);
    expect(await partitions()).toEqual([partitionFor(daysAgo(29)), partitionFor(now), partitionFor(daysAgo(-1))]);
    const left = await db.pool.query<{ event_id: string }>("SELECT event_id FROM events ORDER BY event_time");
    expect(left.rows.map((row) => row.event_id)).toEqual(["29-days", "now", "tomorrow"]);
  });

  test("a partition expires exactly when the end of its day is older than the retention period", async () => {
    // events_20160202 holds [2016-02-02, 2016-02-03): with one day of retention it expires at 2016-02-04 00:00 UTC.
    const expiry = Date.parse("2016-02-04T00:00:00Z");
    expect(await dropExpiredPartitions(db.pool, { retentionDays: 1, now: new Date(expiry - 1) })).toEqual([]);
    expect(await dropExpiredPartitions(db.pool, { retentionDays: 1, now: new Date(expiry) })).toEqual([
      "events_20160202",
    ]);
  });

  test("even one day of retention never drops today's or future partitions", async () => {
    const dropped = await dropExpiredPartitions(db.pool, { retentionDays: 1, now });
    expect(dropped).toEqual(["events_20160202", partitionFor(daysAgo(31)), partitionFor(daysAgo(29))]);
    expect(await partitions()).toEqual([partitionFor(now), partitionFor(daysAgo(-1))]);
  });

  test("no retention setting, or zero, keeps everything", async () => {
    expect(await dropExpiredPartitions(db.pool, { now })).toEqual([]);
    expect(await dropExpiredPartitions(db.pool, { retentionDays: 0, now })).toEqual([]);
    expect(await dropExpiredPartitions(db.pool)).toEqual([]);
    expect(await countEvents(db.pool)).toBe(5);
  });

  test.each([-1, 1.5, Number.NaN])("a retention of %s days is refused", async (retentionDays) => {
    await expect(dropExpiredPartitions(db.pool, { retentionDays, now })).rejects.toThrow(
      `retentionDays must be a whole number of days >= 0, got ${retentionDays}`,
    );
  });

  test("the database refuses a cutoff later than its clock, so a wrong `now` cannot empty today", async () => {
    await expect(
      dropExpiredPartitions(db.pool, { retentionDays: 1, now: new Date(now.getTime() + 3 * DAY_MS) }),
    ).rejects.toThrow("msgevents_drop_partitions_before: refusing cutoff");
    expect(await countEvents(db.pool)).toBe(5);
  });

  test("retention gives up after its lock timeout instead of queueing behind a long query", async () => {
    const reader = db.database.client();
    await reader.connect();
    try {
      await reader.query("BEGIN");
      await reader.query("SELECT count(*) FROM events");
      await expect(
        dropExpiredPartitions(db.pool, { retentionDays: 30, now, lockTimeoutMs: 200 }),
      ).rejects.toMatchObject({ code: "55P03" });
      await reader.query("ROLLBACK");
      expect(await partitions()).toHaveLength(5);
    } finally {
      await reader.end();
    }
  });

  test("a late event for a dropped day gets its partition back", async () => {
    await dropExpiredPartitions(db.pool, { retentionDays: 30, now });
    expect(await storeEvents(db.pool, eventAt("late-2016", new Date("2016-02-02T20:00:00Z")))).toBe(1);
    expect(await partitions()).toContain("events_20160202");
  });

  test("maintainPartitions prepares the coming week and applies retention", async () => {
    const result = await maintainPartitions(db.pool, { retentionDays: 30, now, daysAhead: 7 });
    expect(result).toMatchObject({ created: 7, dropped: ["events_20160202", partitionFor(daysAgo(31))] });
    const expected = [
      partitionFor(daysAgo(29)),
      ...Array.from({ length: 9 }, (_, i) => partitionFor(new Date(now.getTime() + (i - 1) * DAY_MS))),
    ];
    expect(await partitions()).toEqual(expected);
    expect(await maintainPartitions(db.pool, { retentionDays: 30, now })).toMatchObject({ created: 0, dropped: [] });
  });
});

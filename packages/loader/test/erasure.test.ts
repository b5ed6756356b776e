import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import {
  canonicalAddress,
  credentialId,
  type EraserDeps,
  getRequest,
  RecipientHasher,
  runEraser,
  saveRequest,
  showHash,
} from "@msgevents/erasure";
import {
  decodeBody,
  EVERY_ACCOUNT,
  ensureLoginRoles,
  LOGIN_ROLES,
  migrate,
  PartitionManager,
  TEXT_REFS,
} from "@msgevents/schema";
import { searchCountsAgainstRecount } from "@msgevents/schema/testing";
import { batchKey, type ErasableObjectStore, FileObjectStore, listBatches, S3ObjectStore } from "@msgevents/storage";
import { startTestDatabase, startVersionedS3, type TestDatabase, type TestVersionedS3 } from "@msgevents/testkit";
import type { Context, SQSEvent } from "aws-lambda";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSqsHandler, type LoaderDeps, loadBatch } from "../src/index.ts";
import { objectCreatedNotification } from "../src/s3-notification.ts";
import { silentLogger } from "./support/fixture.ts";

// Roles are the server's: the same password as the migrator's role tests, so the two suites agree when they share one.
const PASSWORD = "role-password-for-tests";
const ALICE = "Alice.Smith@Example.com";
const ALICE_PATTERN = "%alice.smith%";
const DAY1 = Date.parse("2025-03-01T10:00:00Z") / 1000;
const DAY2 = DAY1 + 86_400;
const DAY3 = DAY2 + 86_400;
const DAY4 = DAY3 + 86_400;

const messageEvent = (
  type: string,
  id: string,
  rcpt: string,
  seconds: number,
  extra: Record<string, unknown> = {},
) => ({
  msys: {
    [type === "open" || type === "click" ? "track_event" : "message_event"]: {
      type,
      event_id: id,
      rcpt_to: rcpt.toLowerCase(),
      raw_rcpt_to: rcpt,
      timestamp: String(seconds),
      message_id: `msg-${rcpt.toLowerCase()}-${seconds}`,
      campaign_id: "spring sale",
      subject: "Spring is here",
      friendly_from: "news@sender.example",
      sending_ip: "10.0.0.1",
      rcpt_meta: { name: rcpt.split("@")[0] },
      ...extra,
    },
  },
});

/** The batches of the scenario: which hold Alice, and how (see the test names). */
function scenario(): { id: string; day: number; records: unknown[]; holdsAlice: boolean }[] {
  return [
    {
      id: "batch-a",
      day: DAY1,
      holdsAlice: true,
      records: [
        // A subject that names its recipient, stored as an id into event_texts like every subject.
        messageEvent("delivery", "a1", ALICE, DAY1, {
          queue_time: "1200",
          msg_size: "5000",
          subject: "Your spring order, alice.smith@example.com",
        }),
        messageEvent("open", "a2", ALICE, DAY1 + 60, { subject: "Your spring order, alice.smith@example.com" }),
        messageEvent("delivery", "b1", "bob@example.org", DAY1 + 5),
      ],
    },
    {
      id: "batch-b",
      day: DAY2,
      holdsAlice: true,
      records: [
        messageEvent("click", "a3", "ALICE.smith@example.COM", DAY2 + 30),
        messageEvent("delivery", "c1", "carol@example.net", DAY2 + 31),
      ],
    },
    {
      id: "batch-c",
      day: DAY2,
      holdsAlice: false,
      records: [
        messageEvent("delivery", "d1", "dave@example.org", DAY2 + 40),
        messageEvent("bounce", "e1", "erin@example.org", DAY2 + 41, { bounce_class: "10", reason: "550 no such user" }),
      ],
    },
    {
      // A backfill overlapping webhooks: Alice's delivery again, flattened as the Events API returns it.
      id: "batch-d",
      day: DAY3,
      holdsAlice: true,
      records: [
        {
          type: "delivery",
          event_id: "a1",
          rcpt_to: "alice.smith@example.com",
          raw_rcpt_to: ALICE,
          timestamp: new Date(DAY1 * 1000).toISOString(),
          campaign_id: "spring sale",
        },
        {
          type: "delivery",
          event_id: "f1",
          rcpt_to: "frank@example.org",
          timestamp: new Date(DAY3 * 1000).toISOString(),
        },
      ],
    },
    {
      // A record the loader refuses (no timestamp) still holds the address in the raw batch.
      id: "batch-e",
      day: DAY3,
      holdsAlice: true,
      records: [
        { msys: { message_event: { type: "delivery", event_id: "a4", rcpt_to: "alice.smith@example.com" } } },
        messageEvent("delivery", "g1", "greg@example.org", DAY3 + 10),
      ],
    },
    {
      // The address only in raw_rcpt_to.
      id: "batch-f",
      day: DAY3,
      holdsAlice: true,
      records: [
        messageEvent("delivery", "a5", "alias@relay.example", DAY3 + 20, { raw_rcpt_to: "ALICE.SMITH@example.com" }),
        messageEvent("delivery", "h1", "henry@example.org", DAY3 + 21),
      ],
    },
    {
      id: "batch-g",
      day: DAY1,
      holdsAlice: true,
      records: [
        messageEvent("delivery", "a6", ALICE, DAY1 + 100, { subaccount_id: 7 }),
        messageEvent("delivery", "i1", "ivan@example.org", DAY1 + 101, { subaccount_id: 7 }),
      ],
    },
  ];
}

/** An ErasableObjectStore that records which keys were read and written: the proof of what an erasure touched. */
class RecordingStore implements ErasableObjectStore {
  readonly reads: string[] = [];
  readonly writes: string[] = [];
  constructor(private readonly inner: ErasableObjectStore) {}
  put(key: string, body: Uint8Array) {
    return this.inner.put(key, body);
  }
  get(key: string) {
    this.reads.push(key);
    return this.inner.get(key);
  }
  exists(key: string) {
    return this.inner.exists(key);
  }
  list(prefix: string, options?: { startAfter?: string }) {
    return this.inner.list(prefix, options);
  }
  replace(key: string, body: Uint8Array) {
    this.writes.push(key);
    return this.inner.replace(key, body);
  }
  deleteOtherVersions(key: string) {
    return this.inner.deleteOtherVersions(key);
  }
  reset() {
    this.reads.length = 0;
    this.writes.length = 0;
  }
}

interface StoreUnderTest {
  store: ErasableObjectStore;
  /** Every stored copy of a key, current and noncurrent, as text. */
  copies(key: string): Promise<string[]>;
  /** Loads a stored batch the way this deployment does. */
  load(deps: LoaderDeps, key: string, receivedAt: Date): Promise<void>;
  close(): Promise<void>;
}

async function fileStore(): Promise<StoreUnderTest> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "msgevents-erasure-"));
  const store = new FileObjectStore(dir);
  return {
    store,
    copies: async (key) => [new TextDecoder().decode(await store.get(key))],
    load: async (deps, key, receivedAt) => {
      await loadBatch(key, deps, { receivedAt });
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The AWS code path: S3 with versioning on, batches loaded by the loader Lambda's SQS handler. */
async function versionedS3(): Promise<StoreUnderTest> {
  const s3: TestVersionedS3 = await startVersionedS3();
  const client = new S3Client(s3.clientConfig);
  const store = new S3ObjectStore({ client, bucket: s3.bucket, versioned: true });
  let messages = 0;
  return {
    store,
    copies: async (key) => s3.versions(key).flatMap((version) => (version.body ? [version.body.toString()] : [])),
    load: async (deps, key, receivedAt) => {
      const handler = createSqsHandler({ ...deps, store, bucket: s3.bucket });
      const event = {
        Records: [
          {
            messageId: `message-${++messages}`,
            body: objectCreatedNotification(s3.bucket, key, receivedAt, 1),
            eventSource: "aws:sqs",
            attributes: { ApproximateReceiveCount: "1" },
          },
        ],
      } as unknown as SQSEvent;
      const response = await handler(event, {} as Context);
      expect(response.batchItemFailures).toEqual([]);
    },
    close: async () => {
      client.destroy();
      await s3.close();
    },
  };
}

describe.each([
  ["on the local filesystem", fileStore],
  ["in S3 with versioning, loaded through the loader Lambda's handler", versionedS3],
])("forgetting a recipient %s", (_, makeStore) => {
  let database: TestDatabase;
  let admin: pg.Pool;
  let under: StoreUnderTest;
  let store: RecordingStore;
  let hasher: RecipientHasher;
  let loaderDeps: LoaderDeps;
  let eraserDeps: EraserDeps;
  let queryPool: pg.Pool;
  const originals = new Map<string, string>();
  const batches = scenario();
  let before: { events: number; aliceEvents: number; delivered: number };
  let requestId: number;

  const poolAs = (role: string) => {
    const url = new URL(database.url);
    url.username = role;
    url.password = PASSWORD;
    return database.pool({ connectionString: url.toString(), max: 2 });
  };
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await admin.query<{ n: string }>(sql, params)).rows[0]?.n);
  /**
   * Stored events as their whole text, encoded bodies decoded (most fields live only there) and texts and recipient
   * payloads stored as ids named (the ids are the database's own, as batch numbers are).
   */
  const eventTexts = async (pool: pg.Pool) => {
    const named = new Map(
      (await pool.query<{ id: number; value: string }>("SELECT id, value FROM event_texts")).rows.map((row) => [
        row.id,
        row.value,
      ]),
    );
    const payloads = new Map(
      (await pool.query<{ id: number; value: unknown }>("SELECT id, value FROM event_payloads")).rows.map((row) => [
        row.id,
        row.value,
      ]),
    );
    return (
      await pool.query<Record<string, unknown>>("SELECT * FROM events ORDER BY event_id, type, event_time")
    ).rows.map(({ body, batch_number: _number, received_at: _received, payload_ref: payloadRef, ...columns }) => {
      for (const { column, ref } of TEXT_REFS) {
        const id = columns[ref];
        if (typeof id === "number") columns[column] = named.get(id);
        delete columns[ref];
      }
      if (typeof payloadRef === "number") columns.recipient_payload = payloads.get(payloadRef);
      return JSON.stringify({ ...columns, body: body instanceof Uint8Array ? decodeBody(body) : null });
    });
  };
  const aliceEvents = async () =>
    (await eventTexts(admin)).filter((text) => text.toLowerCase().includes("alice.smith")).length;

  beforeAll(async () => {
    database = await startTestDatabase();
    admin = database.pool({ max: 2 });
    await migrate(admin);
    await ensureLoginRoles(admin);
    for (const role of Object.values(LOGIN_ROLES)) await admin.query(`ALTER ROLE ${role} PASSWORD '${PASSWORD}'`);
    under = await makeStore();
    store = new RecordingStore(under.store);
    hasher = new RecipientHasher("a-recipient-hash-secret-for-tests");
    const loaderPool = poolAs(LOGIN_ROLES.loader);
    loaderDeps = {
      pool: loaderPool,
      store,
      partitions: new PartitionManager(admin),
      logger: silentLogger(),
      recipients: hasher,
    };
    eraserDeps = { pool: poolAs(LOGIN_ROLES.eraser), store, hasher, logger: silentLogger() };
    queryPool = poolAs(LOGIN_ROLES.query);
    for (const batch of batches) {
      const receivedAt = new Date(batch.day * 1000 + 3_600_000);
      const key = batchKey(batch.id, receivedAt);
      const text = JSON.stringify(batch.records, null, 1);
      originals.set(key, text);
      await store.put(key, new TextEncoder().encode(text));
      await under.load(loaderDeps, key, receivedAt);
    }
    // The first day's search counts compacted, as the maintenance does once a day has ended: the eraser lowers them
    // there, and in search_token_counts for the other days.
    await admin.query("SELECT msgevents_compact_search_token_counts('2025-03-01')");
    before = {
      events: await count("SELECT count(*) AS n FROM events"),
      aliceEvents: await aliceEvents(),
      delivered: await count(
        "SELECT sum(count_delivered) AS n FROM metric_rollups WHERE bucket_minutes = 1440 AND dimension = ''",
      ),
    };
  });

  afterAll(async () => {
    await Promise.all([loaderDeps?.pool.end(), eraserDeps?.pool.end(), queryPool?.end()]);
    await admin?.end();
    await database?.close();
    await under?.close();
  });

  test("the scenario stores Alice's events in every way a batch can hold them", async () => {
    // a1 (+ its backfilled duplicate), a2, a3, a6; a4 was refused; a5's rcpt_to is another address.
    expect(before.aliceEvents).toBe(5);
    expect(before.events).toBe(13);
    // Her subject is a text of event_texts, which a1 and a2 name by id.
    expect(await count("SELECT count(*) AS n FROM event_texts WHERE value ILIKE $1", [ALICE_PATTERN])).toBe(1);
    expect(await count("SELECT count(*) AS n FROM events WHERE subject_ref IS NOT NULL AND subject IS NULL")).toBe(12);
  });

  test("a request is saved as its audit entry, with keyed hashes only, and suppresses the recipient at once", async () => {
    requestId = await saveRequest(
      queryPool,
      hasher,
      { recipients: [canonicalAddress(ALICE)], scope: EVERY_ACCOUNT },
      credentialId("the-api-key"),
    );
    const saved = await getRequest(admin, requestId);
    expect(saved).toMatchObject({ status: "pending", recipients: 1, accounts: "all", events_erased: 0 });
    expect(saved?.recipient_hashes).toEqual([showHash(hasher.hash("alice.smith@example.com"))]);
    expect(await count("SELECT count(*) AS n FROM suppressed_recipients")).toBe(1);
  });

  test("the eraser goes a day at a time, its state visible, and resumes where a run stopped", async () => {
    store.reset();
    const first = await runEraser(eraserDeps, { maxSteps: 1 });
    expect(first).toMatchObject({ busy: false, failed: [], more: true });
    const partial = await getRequest(admin, requestId);
    // The first day (2025-03-01) held a1, a2 and a6.
    expect(partial).toMatchObject({ status: "events", next_day: "2025-03-02", events_erased: 3 });
    let runs = 0;
    while ((await runEraser(eraserDeps, { maxSteps: 2 })).more) runs++;
    expect(runs).toBeGreaterThan(1);
    const done = await getRequest(admin, requestId);
    expect(done).toMatchObject({
      status: "completed",
      events_erased: 5,
      batches_found: 6,
      batches_rewritten: 6,
      batches_pending: 0,
      records_removed: 7,
      last_error: null,
    });
    expect(done?.completed_at).not.toBeNull();
  });

  test("only the batches holding the address were read and rewritten", () => {
    const holding = batches
      .filter((batch) => batch.holdsAlice)
      .map((batch) => batchKey(batch.id, new Date(batch.day * 1000 + 3_600_000)))
      .sort();
    expect([...new Set(store.reads)].sort()).toEqual(holding);
    expect([...store.writes].sort()).toEqual(holding);
  });

  test("no row of any table holds the address any more", async () => {
    const tables = await admin.query<{ name: string }>(
      `SELECT quote_ident(c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
    );
    expect(tables.rows.length).toBeGreaterThan(10);
    for (const { name } of tables.rows) {
      expect(await count(`SELECT count(*) AS n FROM ${name} AS t WHERE t::text ILIKE $1`, [ALICE_PATTERN]), name).toBe(
        0,
      );
    }
    expect(await aliceEvents()).toBe(0);
    expect(await count("SELECT count(*) AS n FROM events")).toBe(before.events - before.aliceEvents);
    // Alice's own subject went with her events (event_texts is among the tables above); the texts that other
    // events name are kept.
    expect(
      await count("SELECT count(*) AS n FROM event_texts WHERE value IN ('Spring is here', 'news@sender.example')"),
    ).toBe(2);
  });

  test("no stored batch, current or earlier version, holds the address; every other record is kept byte for byte", async () => {
    for (const [key, original] of originals) {
      const copies = await under.copies(key);
      expect(copies).toHaveLength(1);
      const [current = ""] = copies;
      expect(current.toLowerCase()).not.toContain("alice.smith");
      const kept = (JSON.parse(original) as unknown[]).filter(
        (record) => !JSON.stringify(record).toLowerCase().includes("alice.smith"),
      );
      for (const record of kept) expect(current).toContain(JSON.stringify(record, null, 1).replaceAll("\n", "\n "));
      expect((JSON.parse(current) as unknown[]).length).toBe(kept.length);
    }
  });

  test("search counts go down with the erased events, compacted days' too, so every count equals what a search returns", async () => {
    expect(await searchCountsAgainstRecount(admin)).toMatchObject({ differing: 0, invalid: 0 });
    expect(await count("SELECT count(*) AS n FROM search_token_day_counts WHERE day = '2025-03-01'")).toBeGreaterThan(
      0,
    );
  });

  test("the Metrics API's rollups keep counting the erased events (they hold no personal data)", async () => {
    expect(
      await count(
        "SELECT sum(count_delivered) AS n FROM metric_rollups WHERE bucket_minutes = 1440 AND dimension = ''",
      ),
    ).toBe(before.delivered);
    expect(await count("SELECT count(*) AS n FROM metric_engagement WHERE message_id ILIKE $1", [ALICE_PATTERN])).toBe(
      0,
    );
  });

  test("every other event of the rewritten batches replays into a fresh database exactly once, as it was", async () => {
    const fresh = await startTestDatabase();
    const pool = fresh.pool({ max: 2 });
    try {
      await migrate(pool);
      const deps: LoaderDeps = {
        pool,
        store: under.store,
        partitions: new PartitionManager(pool),
        logger: silentLogger(),
      };
      for await (const batch of listBatches(under.store, { from: new Date(DAY1 * 1000), to: new Date(DAY3 * 1000) })) {
        await loadBatch(batch.key, deps, { receivedAt: new Date(Date.parse(`${batch.day}T01:00:00Z`)) });
      }
      // Batch numbers are the database's own; everything else, decoded bodies included, must be as it was.
      expect(await eventTexts(pool)).toEqual(await eventTexts(admin));
    } finally {
      await pool.end();
      await fresh.close();
    }
  });

  test("a replay of a rewritten batch, a redelivery of the original and a backfill do not bring the address back", async () => {
    const [a] = batches;
    const aKey = batchKey("batch-a", new Date(DAY1 * 1000 + 3_600_000));
    // Replay: the batch loaded again from scratch (as a forced replay would).
    await admin.query("UPDATE batches SET status = 'pending' WHERE object_key = $1", [aKey]);
    await under.load(loaderDeps, aKey, new Date(DAY1 * 1000 + 3_600_000));
    // Redelivery: SparkPost sends the original batch again, days later, under a new batch id.
    const redelivered = batchKey("batch-a-again", new Date(DAY4 * 1000));
    await store.put(redelivered, new TextEncoder().encode(originals.get(aKey) ?? ""));
    await under.load(loaderDeps, redelivered, new Date(DAY4 * 1000));
    // Backfill: Alice's events fetched from the Events API, flattened, in a batch of their own.
    const backfill = batchKey("sha256-backfill", new Date(DAY4 * 1000));
    const flattened = [
      { type: "delivery", event_id: "a9", rcpt_to: ALICE, timestamp: new Date(DAY4 * 1000).toISOString() },
    ];
    await store.put(backfill, new TextEncoder().encode(JSON.stringify(flattened)));
    await under.load(loaderDeps, backfill, new Date(DAY4 * 1000));
    expect(a?.records).toHaveLength(3);

    expect(await aliceEvents()).toBe(0);
    const suppressed = await admin.query<{ object_key: string; records_suppressed: number }>(
      "SELECT object_key, records_suppressed FROM batches WHERE records_suppressed > 0 ORDER BY object_key",
    );
    expect(suppressed.rows).toEqual(
      [
        { object_key: redelivered, records_suppressed: 2 },
        { object_key: backfill, records_suppressed: 1 },
      ].sort((x, y) => (x.object_key < y.object_key ? -1 : 1)),
    );
    expect(await count("SELECT count(*) AS n FROM pending_batch_scrubs")).toBe(2);

    // The eraser rewrites the batches that brought the address back.
    const run = await runEraser(eraserDeps);
    expect(run).toMatchObject({ scrubbed: 2, failed: [], more: false });
    for (const key of [redelivered, backfill]) {
      for (const copy of await under.copies(key)) expect(copy.toLowerCase()).not.toContain("alice.smith");
    }
    expect(await count("SELECT count(*) AS n FROM pending_batch_scrubs")).toBe(0);
  });

  test("the audit entry names no address, only its keyed hash and the credential's identifier", async () => {
    const entry = await getRequest(admin, requestId);
    const text = JSON.stringify(entry).toLowerCase();
    expect(text).not.toContain("alice");
    expect(text).not.toContain("the-api-key");
    expect(entry?.credential).toBe(credentialId("the-api-key"));
    expect(await count("SELECT count(*) AS n FROM erasure_recipients WHERE search_token IS NOT NULL")).toBe(0);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { RecipientHasher, SUPPRESSION_FENCE_LOCK, saveRequest } from "@msgevents/erasure";
import { EVERY_ACCOUNT, ensureLoginRoles, LOGIN_ROLES, migrate, PartitionManager } from "@msgevents/schema";
import { FileObjectStore } from "@msgevents/storage";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type LoaderDeps, loadBatch } from "../src/index.ts";
import { waitForLockWaiters } from "./support/blocker.ts";
import { silentLogger, storeBatch } from "./support/fixture.ts";

// A load names its batch's texts and recipient payloads in a transaction of its own before the load's (so that
// concurrent loads do not wait for each other's commit). A recipient erased in between must still leave nothing:
// the load drops their records, and removes the values only those records named.

const PASSWORD = "role-password-for-tests";
const SECONDS = Date.parse("2025-04-01T10:00:00Z") / 1000;

const delivery = (id: string, rcpt: string, subject: string, rcptMeta: Record<string, string>) => ({
  msys: {
    message_event: {
      type: "delivery",
      event_id: id,
      rcpt_to: rcpt,
      raw_rcpt_to: rcpt,
      timestamp: String(SECONDS),
      message_id: `msg-${id}`,
      campaign_id: "april",
      subject,
      friendly_from: "news@sender.example",
      rcpt_meta: rcptMeta,
    },
  },
});

describe("a recipient erased between a load's naming of its values and its transaction", () => {
  let database: TestDatabase;
  let admin: pg.Pool;
  let storeDir: string;
  let deps: LoaderDeps;
  const hasher = new RecipientHasher("a-recipient-hash-secret-for-tests");

  beforeAll(async () => {
    database = await startTestDatabase();
    admin = database.pool({ max: 3 });
    await migrate(admin);
    await ensureLoginRoles(admin);
    for (const role of Object.values(LOGIN_ROLES)) await admin.query(`ALTER ROLE ${role} PASSWORD '${PASSWORD}'`);
    const url = new URL(database.url);
    url.username = LOGIN_ROLES.loader;
    url.password = PASSWORD;
    storeDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-erased-while-named-"));
    deps = {
      // As the loader's own role: its rights must cover removing what it named.
      pool: database.pool({ connectionString: url.toString(), max: 2 }),
      store: new FileObjectStore(storeDir),
      partitions: new PartitionManager(admin),
      logger: silentLogger(),
      recipients: hasher,
    };
  });

  afterAll(async () => {
    await deps?.pool.end();
    await admin?.end();
    await database?.close();
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  });

  test("the load drops the recipient's records and keeps none of the texts and payloads only they named; the rest is stored", async () => {
    const key = await storeBatch(deps.store, [
      delivery("bob-1", "bob@example.com", "Bob, your April order", { customer: "Bob Jones" }),
      delivery("carol-1", "carol@example.com", "Your April newsletter", { customer: "Carol King" }),
      // Bob's second record shares Carol's subject: a value both named and stored stays.
      delivery("bob-2", "bob@example.com", "Your April newsletter", { customer: "Bob Jones" }),
    ]);
    // The eraser's fence held, as an erasure holds it while it waits for the loads in flight: the load names its
    // values (no suppression yet), then waits at its transaction's start; Bob is suppressed meanwhile.
    const eraser = await admin.connect();
    try {
      await eraser.query("BEGIN");
      await eraser.query("SELECT pg_advisory_xact_lock($1)", [SUPPRESSION_FENCE_LOCK]);
      const loading = loadBatch(key, deps);
      await waitForLockWaiters(admin, 1);
      const named = await admin.query<{ value: unknown }>("SELECT value FROM event_payloads ORDER BY id");
      expect(named.rows.map((row) => row.value)).toEqual([
        { rcpt_meta: { customer: "Bob Jones" } },
        { rcpt_meta: { customer: "Carol King" } },
      ]);
      await saveRequest(admin, hasher, { recipients: ["bob@example.com"], scope: EVERY_ACCOUNT }, "test");
      await eraser.query("COMMIT");
      const result = await loading;
      expect(result).toMatchObject({ outcome: "loaded", eventsLoaded: 1, recordsSuppressed: 2 });
    } finally {
      await eraser.query("ROLLBACK").catch(() => {});
      eraser.release();
    }
    const stored = await admin.query<{ event_id: string }>("SELECT event_id FROM events");
    expect(stored.rows.map((row) => row.event_id)).toEqual(["carol-1"]);
    const payloads = await admin.query<{ value: unknown }>("SELECT value FROM event_payloads");
    expect(payloads.rows.map((row) => row.value)).toEqual([{ rcpt_meta: { customer: "Carol King" } }]);
    const texts = await admin.query<{ value: string }>("SELECT value FROM event_texts ORDER BY value");
    expect(texts.rows.map((row) => row.value)).not.toContain("Bob, your April order");
    expect(texts.rows.map((row) => row.value)).toContain("Your April newsletter");
  });
});

import { sampleBatch } from "@msgevents/testkit";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeBody, events, normalizeBatch, parseWebhookBatch } from "../src/index.ts";
import { countEvents, type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
});
afterAll(async () => {
  await db.close();
});

async function storedById(eventId: string) {
  return drizzle({ client: db.pool }).select().from(events).where(eq(events.eventId, eventId));
}

describe("strings PostgreSQL cannot hold", () => {
  test("NUL characters and lone surrogates in values and keys are stored in text, jsonb and the body as U+FFFD", async () => {
    // Escapes as SparkPost would send them: JSON.parse turns them into U+0000 and lone UTF-16 halves.
    const body =
      '[{"msys":{"message_event":{"type":"bounce","event_id":"nul-1\\u0000","timestamp":"1700000000",' +
      '"subject":"Hi\\u0000there","raw_reason":"550 \\ud83d","rcpt_meta":{"k\\u0000ey":"\\udc00v","ok":"fine"},' +
      '"rcpt_tags":["a\\u0000","\\ud800\\udc00"]}}}]';
    const { events: rows, rejected } = parseWebhookBatch(new TextEncoder().encode(body));
    expect(rejected).toEqual([]);
    expect(await storeEvents(db.pool, rows)).toBe(1);
    const [stored] = await storedById("nul-1\uFFFD");
    expect(stored).toMatchObject({
      eventId: "nul-1\uFFFD",
      subject: "Hi\uFFFDthere",
      payload: {
        rcpt_meta: { "k\uFFFDey": "\uFFFDv", ok: "fine" },
        rcpt_tags: ["a\uFFFD", "\u{10000}"],
      },
    });
    expect(decodeBody(stored?.body ?? Buffer.alloc(0))).toEqual({ raw_reason: "550 \uFFFD" });
    const text = await db.pool.query<{ subject: string; meta: string }>(
      "SELECT subject, payload->'rcpt_meta'->>('k' || chr(65533) || 'ey') AS meta FROM events WHERE event_id = $1",
      ["nul-1\uFFFD"],
    );
    expect(text.rows).toEqual([{ subject: "Hi\uFFFDthere", meta: "\uFFFDv" }]);
  });

  test("a valid surrogate pair (an emoji) is kept as the character it encodes", async () => {
    const { events: rows } = parseWebhookBatch(
      '[{"msys":{"track_event":{"type":"click","event_id":"emoji-1","timestamp":1700000000,"subject":"Sale \\ud83c\\udf89"}}}]',
    );
    await storeEvents(db.pool, rows);
    const [stored] = await storedById("emoji-1");
    expect(stored?.subject).toBe("Sale 🎉");
  });

  test("an over-long text value is stored in the payload and rebuilt from it", async () => {
    const subject = "x".repeat(5000);
    const { events: rows } = normalizeBatch([
      { msys: { message_event: { type: "delivery", event_id: "long-1", timestamp: "1700000000", subject } } },
    ]);
    await storeEvents(db.pool, rows);
    const [stored] = await storedById("long-1");
    expect(stored?.subject).toBeNull();
    expect(stored?.payload).toEqual({ subject });
  });
});

describe("idempotent loading", () => {
  test("loading the same event twice stores one row", async () => {
    const record = {
      msys: { message_event: { type: "delivery", event_id: "dup-1", timestamp: "1700000100", rcpt_to: "a@b.example" } },
    };
    expect(await storeEvents(db.pool, normalizeBatch([record]).events, "batch-a")).toBe(1);
    expect(await storeEvents(db.pool, normalizeBatch([record]).events, "batch-b")).toBe(0);
    const stored = await storedById("dup-1");
    expect(stored.map((row) => row.batchId)).toEqual(["batch-a"]);
  });

  test("one event_id with a different type or time is a different event", async () => {
    const record = (type: string, timestamp: string) => ({
      msys: { message_event: { type, event_id: "same-id", timestamp } },
    });
    const { events: rows } = normalizeBatch([
      record("delivery", "1700000200"),
      record("bounce", "1700000200"),
      record("delivery", "1700000201"),
    ]);
    expect(await storeEvents(db.pool, rows)).toBe(3);
  });

  test("SparkPost's sample batch, one event_id and timestamp for all types, is stored whole, and once", async () => {
    const before = await countEvents(db.pool);
    const { events: rows } = normalizeBatch(sampleBatch("batch-all-types"));
    // One shared event_id, one UUID shared by two types, and the id derived for sms_status, which has none.
    expect(new Set(rows.map((row) => `${row.eventId}@${row.eventTime.toISOString()}`)).size).toBe(3);
    expect(await storeEvents(db.pool, rows)).toBe(27);
    expect(await storeEvents(db.pool, rows)).toBe(0);
    expect((await countEvents(db.pool)) - before).toBe(27);
  });
});

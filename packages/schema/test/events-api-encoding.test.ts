import { drizzle } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  type EventRow,
  events,
  type NormalizedEvent,
  normalizeBatch,
  toEventsApiEvent,
  toEventsApiEvents,
} from "../src/index.ts";
import { encodingCorpus as corpus } from "./encoding-corpus.ts";
import { type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// The Events API must answer byte for byte as it did when every field beyond the columns was stored in payload
// (jsonb): the same keys in the same order, the same values in the same JSON types. Old: each event rebuilt from its
// whole payload as PostgreSQL's jsonb gives it back. New: the event stored (payload and encoded body) and read back.

let db: MigratedDatabase;
let rows: NormalizedEvent[];
let stored: EventRow[];

beforeAll(async () => {
  db = await startMigratedDatabase();
  const batch = normalizeBatch(corpus());
  expect(batch.rejected).toEqual([]);
  rows = batch.events;
  await storeEvents(db.pool, rows);
  stored = await drizzle({ client: db.pool }).select().from(events);
}, 120_000);

afterAll(async () => {
  await db?.close();
});

const keyOf = (event: { eventId: string; type: string }) => `${event.eventId}|${event.type}`;

test("every sample type, the generator's realistic and lean events and unusual records answer byte for byte as before", async () => {
  // Old: the whole payload as jsonb, as PostgreSQL returned it.
  const { rows: asJsonb } = await db.pool.query<{ payload: Record<string, unknown> }>(
    "SELECT value AS payload FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY ORDER BY ordinality",
    [JSON.stringify(rows.map((row) => ({ ...row.payload, ...row.body })))],
  );
  const before = new Map(
    rows.map((row, index) => [
      keyOf(row),
      JSON.stringify(toEventsApiEvent({ ...row, payload: asJsonb[index]?.payload ?? {}, body: undefined })),
    ]),
  );
  const now = await toEventsApiEvents(stored);
  expect(stored).toHaveLength(rows.length);
  expect(new Set(stored.map(keyOf)).size).toBe(rows.length);
  for (const [index, event] of now.entries()) {
    const row = stored[index] as EventRow;
    expect(JSON.stringify(event), keyOf(row)).toBe(before.get(keyOf(row)));
  }
});

test("a stored event rebuilds the same alone as in a page", () => {
  for (const row of stored.slice(0, 50)) expect(toEventsApiEvent(row)).toStrictEqual(toEventsApiEvent(row));
});

test("an event whose body cannot be decoded keeps its columns and says why, and the rest of its page is served", async () => {
  const page = stored.slice(0, 3).map((row) => ({ ...row }));
  const [first, second, third] = page;
  if (!first?.body || !second?.body || !third) throw new Error("no bodies stored");
  second.body = Buffer.from([5, ...second.body.subarray(1)]);
  const rebuilt = await toEventsApiEvents(page);
  expect(rebuilt[0]).toStrictEqual(toEventsApiEvent(first));
  expect(rebuilt[1]).toMatchObject({
    type: second.type,
    event_id: second.eventId,
    msgevents_error: "event body has unknown encoding version 5",
  });
  expect(rebuilt[2]).toStrictEqual(toEventsApiEvent(third));
  expect(() => toEventsApiEvent(second)).toThrow("event body has unknown encoding version 5");
});

import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  addEventNames,
  encodeBodies,
  insertEvents,
  migrate,
  type NormalizedEvent,
  removeEventNames,
} from "../src/index.ts";
import { storeAsLoader, twoDaysOfEvents } from "./support.ts";

// The loader names a batch's texts and recipient payloads before its load transaction (addEventNames), so that two
// loads sharing a new value do not wait for each other's commit; removeEventNames takes back what a load named and
// then did not store.

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

const SUBJECT = "A subject nobody sent before";
const RECIPIENT_FIELDS = { rcpt_meta: { customer: "nobody before" } };

/**
 * `count` events new to the database, copies of stored events of `day` (from 01:00 to 22:00, so that the two days'
 * derived rows share no key) with a new event id, SUBJECT and RECIPIENT_FIELDS: only their named values are new.
 */
function newEventsOn(rows: NormalizedEvent[], day: string, count: number, subject = SUBJECT): NormalizedEvent[] {
  return rows
    .filter((row) => row.eventTime.toISOString().startsWith(day) && row.subject)
    .filter((row) => row.eventTime.getUTCHours() >= 1 && row.eventTime.getUTCHours() < 22)
    .slice(0, count)
    .map((row, index) => {
      const { rcpt_meta: _meta, rcpt_tags: _tags, ...rest } = row.payload ?? {};
      return { ...row, eventId: `new-${day}-${index}`, subject, payload: { ...rest, ...RECIPIENT_FIELDS } };
    });
}

const bodiesOf = (events: NormalizedEvent[]) => encodeBodies(events.map((event) => event.body));

/** Starts a load's transaction on its own connection and inserts `events` in it, left open. */
async function openLoad(events: NormalizedEvent[]): Promise<pg.PoolClient> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // A load that waits for another's lock fails instead: whether it waited is what these tests ask.
    await client.query("SET LOCAL lock_timeout = '2s'");
    await insertEvents(client, 1, events, await bodiesOf(events));
    return client;
  } catch (error) {
    await end(client, "ROLLBACK");
    throw error;
  }
}

async function end(client: pg.PoolClient, how: "COMMIT" | "ROLLBACK"): Promise<void> {
  await client.query(how);
  client.release();
}

describe("naming a batch's values before its load (addEventNames)", () => {
  test("a load that adds a new subject and recipient payload inside its transaction holds up every other load of the same values until it commits", async () => {
    await migrate(pool);
    const rows = twoDaysOfEvents(800, 93);
    await storeAsLoader(pool, rows);
    const first = await openLoad(newEventsOn(rows, "2024-06-01", 20));
    await expect(openLoad(newEventsOn(rows, "2024-06-02", 20))).rejects.toMatchObject({ code: "55P03" });
    await end(first, "ROLLBACK");
  });

  test("named first, two loads of the same new values go ahead side by side, and both name one row of each", async () => {
    await migrate(pool);
    const rows = twoDaysOfEvents(800, 93);
    await storeAsLoader(pool, rows);
    const firstEvents = newEventsOn(rows, "2024-06-01", 20);
    const secondEvents = newEventsOn(rows, "2024-06-02", 20);
    await addEventNames(pool, firstEvents);
    const first = await openLoad(firstEvents);
    await addEventNames(pool, secondEvents);
    const second = await openLoad(secondEvents);
    await end(second, "COMMIT");
    await end(first, "COMMIT");
    const { rows: named } = await pool.query<{ subjects: number; payloads: number; rows: number }>(
      `SELECT count(DISTINCT e.subject_ref)::int AS subjects, count(DISTINCT e.payload_ref)::int AS payloads,
              count(*)::int AS rows
       FROM events AS e WHERE e.event_id LIKE 'new-%'`,
    );
    expect(named[0]).toEqual({ subjects: 1, payloads: 1, rows: 40 });
    const { rows: values } = await pool.query(
      `SELECT (SELECT count(*)::int FROM event_texts WHERE value = $1) AS texts,
              (SELECT count(*)::int FROM event_payloads WHERE value = $2::jsonb) AS payloads`,
      [SUBJECT, JSON.stringify(RECIPIENT_FIELDS)],
    );
    expect(values[0]).toEqual({ texts: 1, payloads: 1 });
  });
});

describe("taking back what a load named and did not store (removeEventNames)", () => {
  test("removes the values only unstored events named, keeps those a stored event names, and a load after it adds them again", async () => {
    await migrate(pool);
    const rows = twoDaysOfEvents(800, 94);
    await storeAsLoader(pool, rows);
    const stored = newEventsOn(rows, "2024-06-01", 5);
    const dropped = newEventsOn(rows, "2024-06-02", 5, "A subject only dropped events had").map((event) => ({
      ...event,
      payload: { ...event.payload, rcpt_meta: { customer: "dropped" } },
    }));
    await addEventNames(pool, [...stored, ...dropped]);
    await storeAsLoader(pool, stored);
    const valuesNamed = async () =>
      (
        await pool.query<{ texts: number; payloads: number }>(
          `SELECT (SELECT count(*)::int FROM event_texts WHERE value IN ($1, $2)) AS texts,
                  (SELECT count(*)::int FROM event_payloads WHERE value IN ($3::jsonb, $4::jsonb)) AS payloads`,
          [
            SUBJECT,
            "A subject only dropped events had",
            JSON.stringify(RECIPIENT_FIELDS),
            JSON.stringify({ rcpt_meta: { customer: "dropped" } }),
          ],
        )
      ).rows[0];
    expect(await valuesNamed()).toEqual({ texts: 2, payloads: 2 });
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await removeEventNames(client, [...stored, ...dropped]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect(await valuesNamed()).toEqual({ texts: 1, payloads: 1 });
    await storeAsLoader(pool, dropped);
    expect(await valuesNamed()).toEqual({ texts: 2, payloads: 2 });
  });
});

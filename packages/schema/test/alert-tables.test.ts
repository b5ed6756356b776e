import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { alertDeliveries, alertIncidents, alerts } from "../src/db/alert-tables.ts";
import { migrate } from "../src/index.ts";
import { describeDrizzleTable, describeLiveTable } from "./catalog.ts";

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await startTestDatabase();
  pool = database.pool();
  await migrate(pool);
});
afterAll(async () => {
  await pool.end();
  await database.close();
});

test("the migrated alert tables match what the drizzle tables declare", async () => {
  expect(await describeLiveTable(pool, "alerts")).toEqual(describeDrizzleTable(alerts));
  expect(await describeLiveTable(pool, "alert_incidents")).toEqual(describeDrizzleTable(alertIncidents));
  expect(await describeLiveTable(pool, "alert_deliveries")).toEqual(describeDrizzleTable(alertDeliveries));
});

test("an alert and combination can have one open incident at a time, and any number of closed ones", async () => {
  const now = new Date("2030-01-01T00:00:00Z");
  const alert = await pool.query<{ id: number }>(
    "INSERT INTO alerts (name, metric, definition, created_at, updated_at) VALUES ('a', 'block_bounce_rate', '{}', $1, $1) RETURNING id",
    [now],
  );
  const open = (status: string) =>
    pool.query(
      `INSERT INTO alert_incidents (alert_id, combination, filters, status, triggered_value, last_value, window_start,
                                    first_fired, last_fired, last_notified)
       VALUES ($1, '{}', '{}', $2, 1, 1, $3, $3, $3, $3)`,
      [alert.rows[0]?.id, status, now],
    );
  await open("closed");
  await open("closed");
  await open("open");
  await expect(open("open")).rejects.toThrow(/alert_incidents_open_idx/);
});

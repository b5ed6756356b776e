import { runBackfills } from "@msgevents/schema";
import { generateEvents } from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { handleQuery, type QueryDeps } from "../src/handler.ts";
import { API_KEY, get, insertRecords, type QueryFixture, startQueryFixture } from "./support.ts";

let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture();
  const batches: [string, number][] = [
    ["with-three", 3],
    ["with-one", 1],
    ["clean", 0],
  ];
  for (const [id, rejected] of batches) {
    const rejections = Array.from({ length: rejected }, (_, index) => ({ index, reason: "not an event" }));
    await fixture.pool.query(
      `INSERT INTO batches (batch_id, object_key, received_at, loaded_at, status, records_rejected, rejections)
       VALUES ($1, $2, now(), now(), 'loaded', $3, $4::jsonb)`,
      [id, `batches/2024/06/30/${id}.json`, rejected, rejected > 0 ? JSON.stringify(rejections) : null],
    );
  }
});

afterAll(() => fixture?.close());

/** Nothing listens on port 1 of the loopback: every connection is refused at once. */
function unreachableDatabase() {
  const pool = fixture.database.pool({ connectionString: "postgres://nobody:nothing@127.0.0.1:1/none", max: 1 });
  return { pool, db: drizzle({ client: pool }) };
}

async function getWith(deps: QueryDeps, authorization?: string) {
  const response = await handleQuery(
    {
      method: "GET",
      path: "/health",
      rawQuery: "",
      headers: authorization ? { authorization } : {},
      body: new Uint8Array(),
    },
    deps,
  );
  return { status: response.status, headers: response.headers, body: JSON.parse(response.body) };
}

describe("GET /health", () => {
  test("without credentials it says only whether the database answers", async () => {
    const response = await get(fixture, "/health", null);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "ok" });
    expect(response.headers["cache-control"]).toBe("no-store");
  });

  test("with the API key it counts the rejected records and their batches; process figures are null in the cloud", async () => {
    const response = await get(fixture, "/health");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: "ok",
      database: { status: "ok", version: expect.stringMatching(/^18\./) },
      rejected_records: 4,
      rejected_batches: 2,
      oversized_batches: null,
      queue: null,
      backfills: [
        "event_bodies_0018",
        "metric_rollups",
        "metric_rollups_0016",
        "payload_refs_index_0032",
        "payloads_by_id_0032",
        "rare_type_index_0021",
        "search_token_counts",
        "text_refs_index_0030",
        "texts_by_id_0031",
      ].map((name) => ({
        name,
        status: "done",
        days_done: 0,
        days_total: 0,
        events_filled: 0,
        events_per_second: null,
        registered_at: expect.stringMatching(/Z$/),
        started_at: null,
        finished_at: expect.stringMatching(/Z$/),
        last_error: null,
      })),
    });
  });

  test("with the API key it shows each backfill's days done of total, events per second, start and last error", async () => {
    await insertRecords(
      fixture,
      generateEvents(90, { seed: 4, from: new Date("2024-06-01T00:00:00Z"), to: new Date("2024-06-04T00:00:00Z") }),
    );
    // The days stored queued again, as after an upgrade from before migration 0016.
    await fixture.pool.query("SELECT msgevents_register_backfill('metric_rollups_0016', true)");
    const backfill = async () =>
      ((await get(fixture, "/health")).body.backfills as Record<string, unknown>[]).find(
        (entry) => entry.name === "metric_rollups_0016",
      );
    expect(await backfill()).toMatchObject({ status: "waiting", days_done: 0, days_total: 3, started_at: null });

    const stop = new AbortController();
    await runBackfills(fixture.pool, { signal: stop.signal, onDay: () => stop.abort() });
    const filling = await backfill();
    expect(filling).toMatchObject({ status: "filling", days_done: 1, days_total: 3, finished_at: null });
    expect(filling?.events_filled).toBeGreaterThan(0);
    expect(filling?.events_per_second).toBeGreaterThan(0);
    expect(filling?.started_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);

    await fixture.pool.query(
      "UPDATE backfill_days SET failures = 1, last_error = 'canceling statement due to lock timeout', last_attempt_at = now() WHERE done_at IS NULL AND day = '2024-06-01'",
    );
    expect(await backfill()).toMatchObject({
      status: "failing",
      last_error: "canceling statement due to lock timeout",
    });

    await runBackfills(fixture.pool);
    expect(await backfill()).toMatchObject({
      status: "done",
      days_done: 3,
      days_total: 3,
      events_filled: 90,
      last_error: null,
    });
  });

  test("the local stack's queue and oversized batches appear for the API key", async () => {
    const queue = { pending: 2, inFlight: 1, dead: 0 };
    const deps: QueryDeps = { ...fixture.deps, processFigures: { queue: () => queue, oversizedBatches: () => 3 } };
    const response = await getWith(deps, API_KEY);
    expect(response.body).toMatchObject({ status: "ok", oversized_batches: 3, queue });
    expect(await getWith(deps)).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(Object.keys((await getWith(deps)).body)).toEqual(["status"]);
  });

  test("a wrong API key gets the API's 401", async () => {
    const response = await get(fixture, "/health", "not-the-key");
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Basic realm="msgevents"');
    expect(response.body).toEqual({ errors: [{ message: "Unauthorized." }] });
  });

  test("a database that does not answer makes it 503 unavailable, with the process figures still shown", async () => {
    const down = unreachableDatabase();
    try {
      const deps: QueryDeps = { ...fixture.deps, db: down.db, processFigures: { oversizedBatches: () => 1 } };
      expect(await getWith(deps)).toMatchObject({ status: 503, body: { status: "unavailable" } });
      const withKey = await getWith(deps, API_KEY);
      expect(withKey.status).toBe(503);
      expect(withKey.body).toEqual({
        status: "unavailable",
        database: { status: "unavailable" },
        rejected_records: null,
        rejected_batches: null,
        oversized_batches: 1,
        queue: null,
        backfills: null,
      });
    } finally {
      await down.pool.end();
    }
  });

  test("while the database does not answer, the Events API and the lists answer 503 with Retry-After, not 500", async () => {
    const down = unreachableDatabase();
    try {
      const deps: QueryDeps = { ...fixture.deps, db: down.db as QueryDeps["db"] };
      for (const path of ["/api/v1/events/message", "/api/v1/rejections", "/api/v1/batches"]) {
        const response = await handleQuery(
          {
            method: "GET",
            path,
            rawQuery: path.endsWith("batches") ? "batch_ids=x" : "",
            headers: { authorization: API_KEY },
            body: new Uint8Array(),
          },
          deps,
        );
        expect(response.status).toBe(503);
        expect(response.headers["retry-after"]).toBe("5");
        expect(JSON.parse(response.body)).toEqual({
          errors: [
            {
              message: "database unavailable",
              description: "the database does not answer at the moment; retry shortly",
            },
          ],
        });
      }
    } finally {
      await down.pool.end();
    }
  });

  test("it and the rejections list only read, as the cloud's read-only query role requires", async () => {
    const pool = fixture.database.pool({ options: "-c default_transaction_read_only=on" });
    try {
      const deps: QueryDeps = { ...fixture.deps, db: drizzle({ client: pool }) };
      expect((await getWith(deps, API_KEY)).body).toMatchObject({ status: "ok", rejected_records: 4 });
      const rejections = await handleQuery(
        {
          method: "GET",
          path: "/api/v1/rejections",
          rawQuery: "",
          headers: { authorization: API_KEY },
          body: new Uint8Array(),
        },
        deps,
      );
      expect(rejections.status).toBe(200);
      await expect(pool.query("DELETE FROM batches")).rejects.toThrow(/read-only transaction/);
    } finally {
      await pool.end();
    }
  });

  test("other methods get 405 naming GET", async () => {
    const response = await handleQuery(
      { method: "POST", path: "/health", rawQuery: "", headers: {}, body: new Uint8Array() },
      fixture.deps,
    );
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("GET");
    expect(JSON.parse(response.body)).toEqual({ errors: [{ message: "method not allowed", description: "use GET" }] });
  });
});

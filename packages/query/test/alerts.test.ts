import { directTransport, type MeasureQuery, runAlertCycle } from "@msgevents/alerts";
import { runBackfills } from "@msgevents/schema";
import { generateEvents } from "@msgevents/testkit";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { withMailboxProvider } from "../bench/samples.ts";
import { handleQuery } from "../src/handler.ts";
import { createAlertMetricsSource } from "../src/metrics/alert-source.ts";
import { API_KEY, get, insertRecords, type QueryFixture, startQueryFixture } from "./support.ts";

// The alerts' metrics source must answer exactly what the Metrics API answers for the same window and filters:
// whole days and quarter hours from the rollups, the minutes at the edges (and any two-dimension combination) from
// the events.

let fixture: QueryFixture;
const FROM = new Date("2024-06-01T05:07:00Z");
const TO = new Date("2024-06-02T11:52:00Z");
const METRICS = ["count_sent", "count_block_bounce", "count_hard_bounce", "count_accepted", "count_injected"];
const wall = (time: Date) => time.toISOString().slice(0, 16);

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"));
  const records = generateEvents(3000, {
    seed: 31,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-03T00:00:00Z"),
    subaccounts: 3,
  }).map(withMailboxProvider);
  // A thousand at a time: one INSERT of them all would pass PostgreSQL's 65,535 bind parameters.
  await insertRecords(fixture, records);
});
afterAll(() => fixture?.close());

async function metricsApi(path: string, filters = ""): Promise<Record<string, unknown>[]> {
  const answer = await get(
    fixture,
    `/api/v1/metrics/deliverability${path}?from=${wall(FROM)}&to=${wall(TO)}&metrics=${METRICS.join(",")}${filters}${path ? "&limit=1000" : ""}`,
  );
  expect(answer.status).toBe(200);
  return answer.body.results ?? [];
}

const measure = (query: Partial<MeasureQuery>) =>
  createAlertMetricsSource(fixture.db).measure({
    from: FROM,
    to: TO,
    dimensions: [],
    filters: new Map(),
    metrics: METRICS,
    ...query,
  });

describe("the alerts' metrics source", () => {
  test("for the whole account, is the Metrics API's summary", async () => {
    const [summary] = await metricsApi("");
    expect(await measure({})).toEqual([{ values: [], metrics: summary }]);
    expect(summary?.count_sent).toBeGreaterThan(0);
  });

  test("per mailbox provider, is the Metrics API's group-by", async () => {
    const grouped = await metricsApi("/mailbox-provider");
    const rows = await measure({ dimensions: ["mailbox_provider"] });
    const expected = grouped.map(({ mailbox_provider, ...metrics }) => ({ values: [mailbox_provider], metrics }));
    expect(rows.sort((a, b) => String(a.values).localeCompare(String(b.values)))).toEqual(
      expected.sort((a, b) => String(a.values).localeCompare(String(b.values))),
    );
    expect(rows.length).toBeGreaterThan(3);
  });

  test("per subaccount and mailbox provider, each combination is the Metrics API's summary with both filters", async () => {
    const rows = await measure({
      dimensions: ["subaccount", "mailbox_provider"],
      filters: new Map([["mailbox_provider", ["Gmail", "Yahoo"]]]),
    });
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      const [subaccount, provider] = row.values;
      expect(["Gmail", "Yahoo"]).toContain(provider);
      const [summary] = await metricsApi("", `&subaccounts=${subaccount}&mailbox_providers=${provider}`);
      expect(row.metrics, `${subaccount} ${provider}`).toEqual(summary);
    }
  });

  test("while the rollups' backfill has not filled a day, is still the Metrics API's answer, counted from the events", async () => {
    const sorted = <T extends { values: readonly unknown[] }>(rows: T[]) =>
      [...rows].sort((a, b) => String(a.values).localeCompare(String(b.values)));
    const before = sorted(await measure({ dimensions: ["mailbox_provider"] }));
    // As after an upgrade whose backfills have not reached 2024-06-01: the day queued for both that fill the metric
    // rollups (metric_rollups_0016's fill recounts them; metric_rollups' has nothing left to do), its rollups not there.
    await fixture.pool.query(
      "INSERT INTO backfill_days (backfill, day) VALUES ('metric_rollups', '2024-06-01'), ('metric_rollups_0016', '2024-06-01')",
    );
    await fixture.pool.query(
      "DELETE FROM metric_rollups WHERE bucket_start >= '2024-06-01T00:00:00Z' AND bucket_start < '2024-06-02T00:00:00Z'",
    );
    try {
      const pending = sorted(await measure({ dimensions: ["mailbox_provider"] }));
      expect(pending).toEqual(before);
      const grouped = await metricsApi("/mailbox-provider");
      expect(pending).toEqual(
        sorted(grouped.map(({ mailbox_provider, ...metrics }) => ({ values: [mailbox_provider], metrics }))),
      );
    } finally {
      expect((await runBackfills(fixture.pool)).filled.map((entry) => entry.day)).toContain("2024-06-01");
    }
    expect(sorted(await measure({ dimensions: ["mailbox_provider"] }))).toEqual(before);
  });
});

test("a cycle on a pool of one connection evaluates with the Metrics API's source (its transaction never waits on it)", async () => {
  const pool = fixture.database.pool({ max: 1 });
  const db = drizzle({ client: pool });
  await db.execute(
    sql`INSERT INTO alerts (name, metric, definition, created_at, updated_at) VALUES ('one', 'hard_bounce_rate', ${JSON.stringify(
      {
        subaccounts: [-1],
        any_subaccount: false,
        filters: [],
        threshold_evaluator: { operator: "gt", source: "raw", value: 0 },
        channels: { webhook: { target: "http://127.0.0.1:9/" } },
        window_minutes: 60,
        min_volume: 1,
        recovery_minutes: 60,
        reminder_minutes: 0,
      },
    )}::jsonb, now(), now())`,
  );
  const result = await runAlertCycle(
    {
      db,
      source: createAlertMetricsSource(db),
      transport: directTransport({ signingKey: "signing-key-0123456789", fetch, now: () => TO }),
      publicUrl: "http://127.0.0.1",
    },
    TO,
  );
  expect(result).toMatchObject({ evaluated: true, alerts: 1, observations: 1 });
  await db.execute(sql`DELETE FROM alerts`);
  await pool.end();
});

describe("the Alerts API through the query router", () => {
  const call = (method: string, path: string, body?: unknown, authorization: string | null = API_KEY) =>
    handleQuery(
      {
        method,
        path,
        rawQuery: "",
        headers: authorization === null ? {} : { authorization },
        body: body === undefined ? new Uint8Array() : Buffer.from(JSON.stringify(body)),
      },
      fixture.deps,
    );

  test("needs the API key", async () => {
    expect((await call("GET", "/api/v1/alerts", undefined, null)).status).toBe(401);
    expect((await call("POST", "/api/v1/alerts", {}, "wrong-key")).status).toBe(401);
  });

  test("creates, lists and deletes an alert, with a trailing slash or without", async () => {
    const created = await call("POST", "/api/v1/alerts/", {
      name: "Hard bounces",
      subaccounts: [-1],
      metric: "hard_bounce_rate",
      muted: false,
      filters: [],
      threshold_evaluator: { operator: "gt", source: "raw", value: 5 },
      channels: { emails: ["ops@example.com"] },
    });
    expect(created.status).toBe(200);
    const { id } = JSON.parse(created.body).results;
    const listed = JSON.parse((await call("GET", "/api/v1/alerts")).body).results;
    expect(listed).toEqual([
      {
        id,
        name: "Hard bounces",
        subaccounts: [-1],
        any_subaccount: false,
        metric: "hard_bounce_rate",
        muted: false,
        filters: [],
        threshold_evaluator: { operator: "gt", source: "raw", value: 5 },
        last_triggered: null,
        channels: { emails: ["ops@example.com"] },
        window_minutes: 60,
        min_volume: 100,
        recovery_minutes: 60,
        reminder_minutes: 1440,
      },
    ]);
    expect(JSON.parse((await call("DELETE", `/api/v1/alerts/${id}`)).body)).toEqual({ results: { id } });
  });

  test("answers unknown alerts, routes and methods as SparkPost does", async () => {
    expect(JSON.parse((await call("GET", "/api/v1/alerts/999")).body)).toEqual({
      errors: [{ message: "resource not found", description: "no alert with id 999" }],
    });
    expect((await call("GET", "/api/v1/alerts/abc")).status).toBe(404);
    expect((await call("GET", "/api/v1/alerts/1/other")).status).toBe(404);
    const patch = await call("PATCH", "/api/v1/alerts/1");
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe("GET, PUT, DELETE");
    expect((await call("DELETE", "/api/v1/alerts")).headers.allow).toBe("GET, POST");
  });

  test("refuses a body that is not JSON", async () => {
    const response = await handleQuery(
      {
        method: "POST",
        path: "/api/v1/alerts",
        rawQuery: "",
        headers: { authorization: API_KEY },
        body: Buffer.from("{name:"),
      },
      fixture.deps,
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      errors: [{ message: "Request body parsing failed: the body is not valid JSON" }],
    });
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { loadBatch } from "@msgevents/loader";
import {
  LOGIN_ROLES,
  maintainPartitions,
  migrationsFolder,
  normalizeBatch,
  PartitionManager,
  runBackfills,
  UPSERTED_TABLES,
} from "@msgevents/schema";
import { rewriteEveryRow, storeEventsAsBefore0013 } from "@msgevents/schema/testing";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import { readSampleText, startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migrateAndGrant } from "../src/run.ts";

// The schema owner is an ordinary role that owns the database and may create roles, as the RDS master user is (not a
// superuser), so the grants are proven under the privileges the migrator really has.
const OWNER = "msgevents_test_owner";
const PASSWORD = "role-password-for-tests";

let database: TestDatabase;
let admin: pg.Pool;
let owner: pg.Pool;
const pools: pg.Pool[] = [];
let objectsDir: string;

function poolAs(user: string): pg.Pool {
  const url = new URL(database.url);
  url.username = user;
  url.password = PASSWORD;
  const pool = database.pool({ connectionString: url.toString(), max: 2 });
  pools.push(pool);
  return pool;
}

/** Runs `sql` and returns the SQLSTATE it failed with (or "ok"). */
async function outcome(pool: pg.Pool, sql: string): Promise<string> {
  try {
    await pool.query(sql);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const INSUFFICIENT_PRIVILEGE = "42501";

beforeAll(async () => {
  database = await startTestDatabase();
  admin = database.pool({ max: 1 });
  const name = new URL(database.url).pathname.slice(1);
  await admin.query(
    `DO $$ BEGIN CREATE ROLE ${OWNER} LOGIN CREATEROLE PASSWORD '${PASSWORD}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
  await admin.query(`ALTER DATABASE ${name} OWNER TO ${OWNER}`);
  owner = poolAs(OWNER);
  objectsDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-roles-"));
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await admin?.end();
  await database?.close();
  await rm(objectsDir, { recursive: true, force: true });
});

describe("migrateAndGrant, run by the schema owner", () => {
  test("applies every migration and creates the five login roles", async () => {
    const result = await migrateAndGrant(owner, { migrationsFolder });
    expect(result.applied[0]).toBe("0000_init");
    expect(result.applied.length).toBeGreaterThanOrEqual(7);
    expect(result.roles).toEqual([
      "msgevents_loader",
      "msgevents_query",
      "msgevents_maintenance",
      "msgevents_alerts",
      "msgevents_eraser",
    ]);
    // Passwords are the operator's business (on RDS the roles log in with IAM tokens); the tests set their own.
    for (const role of result.roles) await admin.query(`ALTER ROLE ${role} PASSWORD '${PASSWORD}'`);
  });

  test("is idempotent: a second run applies nothing and changes no privilege", async () => {
    const privileges = () =>
      owner.query(
        `SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants
         WHERE grantee LIKE 'msgevents\\_%' ORDER BY 1, 2, 3`,
      );
    const before = (await privileges()).rows;
    expect(await migrateAndGrant(owner, { migrationsFolder })).toEqual({
      applied: [],
      roles: Object.values(LOGIN_ROLES),
    });
    expect((await privileges()).rows).toEqual(before);
  });
});

describe("the loader role", () => {
  test("loads a real batch, creating the partitions of its late events, but cannot delete or drop", async () => {
    const loader = poolAs(LOGIN_ROLES.loader);
    const store = new FileObjectStore(objectsDir);
    const receivedAt = new Date();
    const key = batchKey("roles-batch-1", receivedAt);
    await store.put(key, new TextEncoder().encode(readSampleText("batch-all-types")));
    const deps = {
      pool: loader,
      store,
      partitions: new PartitionManager(loader),
      logger: new Logger({ logLevel: "SILENT" }),
    };

    // SparkPost's samples are from 2016: their days have no partition until the loader creates them.
    const result = await loadBatch(key, deps, { receivedAt });
    expect(result.outcome).toBe("loaded");
    expect(result.eventsLoaded).toBeGreaterThan(20);
    const stored = await owner.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events JOIN batches USING (batch_number) WHERE batches.batch_id = 'roles-batch-1'",
    );
    expect(stored.rows[0]?.n).toBe(result.eventsLoaded);
    expect((await loadBatch(key, deps, { receivedAt })).outcome).toBe("already-loaded");

    const partition = (
      await owner.query<{ name: string }>(
        "SELECT min(c.relname) AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass",
      )
    ).rows[0]?.name;
    expect(partition).toMatch(/^events_2016\d{4}$/);
    expect(await outcome(loader, "DELETE FROM events")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(loader, "DELETE FROM batches")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(loader, "TRUNCATE events")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(loader, "UPDATE events SET subject = 'x'")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(loader, `DROP TABLE ${partition}`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(loader, "SELECT msgevents_drop_partitions_before(now())")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(loader, "CREATE TABLE loader_owned (x int)")).toBe(INSUFFICIENT_PRIVILEGE);

    // The Metrics API rollups were written by the events trigger, with the loader's own rights.
    const rollups = await owner.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM metric_rollups WHERE bucket_start < '2017-01-01' AND dimension = ''",
    );
    expect(rollups.rows[0]?.n).toBe(2);
    for (const table of [
      "metric_rollups",
      "bounce_rollups",
      "reason_rollups",
      "metric_unique_rollups",
      "metric_engagement",
    ]) {
      expect(await outcome(loader, `DELETE FROM ${table}`), table).toBe(INSUFFICIENT_PRIVILEGE);
    }
  });
});

describe("the query role", () => {
  test("reads events, partitions, batches and search values, and nothing more", async () => {
    const query = poolAs(LOGIN_ROLES.query);
    const partition = (
      await owner.query<{ name: string }>(
        "SELECT min(c.relname) AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass",
      )
    ).rows[0]?.name;
    for (const sql of [
      "SELECT count(*) FROM events",
      `SELECT count(*) FROM ${partition}`,
      "SELECT count(*) FROM batches",
      "SELECT count(*) FROM search_values",
      "SELECT msgevents_count_by_value('campaign_id', ARRAY['x'], '2016-01-01', '2017-01-01')",
      "SELECT count(*) FROM metric_rollups",
      "SELECT count(*) FROM bounce_rollups",
      "SELECT count(*) FROM metric_unique_rollups",
      "SELECT count(*) FROM metric_engagement",
    ]) {
      expect(await outcome(query, sql), sql).toBe("ok");
    }
    for (const sql of [
      "INSERT INTO batches (batch_id, object_key, received_at) VALUES ('q', 'q', now())",
      "UPDATE batches SET attempts = 0",
      "DELETE FROM events",
      "TRUNCATE batches",
      `DROP TABLE ${partition}`,
      "SELECT msgevents_ensure_partitions(current_date, current_date)",
      "SELECT msgevents_drop_partitions_before(now())",
      "CREATE TABLE query_owned (x int)",
      "DELETE FROM metric_rollups",
      "UPDATE bounce_rollups SET count_admin_bounce = 0",
      "INSERT INTO metric_engagement VALUES (current_date, 'm', '{1}')",
    ]) {
      expect(await outcome(query, sql), sql).toBe(INSUFFICIENT_PRIVILEGE);
    }
  });
});

describe("the alert roles", () => {
  const ALERT = `INSERT INTO alerts (name, metric, definition, created_at, updated_at)
                 VALUES ('a', 'block_bounce_rate', '{}', now(), now()) RETURNING id`;
  const incident = (alertId: number) =>
    `INSERT INTO alert_incidents (alert_id, combination, filters, status, triggered_value, last_value, window_start,
                                  first_fired, last_fired, last_notified)
     VALUES (${alertId}, '{}', '{}', 'open', 1, 1, now(), now(), now(), now()) RETURNING id`;
  const delivery = (incidentId: number) =>
    `INSERT INTO alert_deliveries (incident_id, kind, channel, message, status, created_at)
     VALUES (${incidentId}, 'triggered', 'webhook', '{}', 'pending', now())`;

  test("query writes the rules (the Alerts API), closes incidents, and deleting a rule deletes what it opened", async () => {
    const query = poolAs(LOGIN_ROLES.query);
    const alertId = (await query.query<{ id: number }>(ALERT)).rows[0]?.id ?? 0;
    expect(await outcome(query, "UPDATE alerts SET muted = true")).toBe("ok");
    const incidentId = (await owner.query<{ id: number }>(incident(alertId))).rows[0]?.id ?? 0;
    await owner.query(delivery(incidentId));
    expect(await outcome(query, "UPDATE alert_incidents SET status = 'closed'")).toBe("ok");
    for (const sql of [
      incident(alertId),
      delivery(incidentId),
      "DELETE FROM alert_incidents",
      "UPDATE alert_deliveries SET attempts = 9",
    ]) {
      expect(await outcome(query, sql), sql).toBe(INSUFFICIENT_PRIVILEGE);
    }
    expect(await outcome(query, `DELETE FROM alerts WHERE id = ${alertId}`)).toBe("ok");
    const left = await owner.query<{ n: number }>(
      "SELECT (SELECT count(*) FROM alert_incidents) + (SELECT count(*) FROM alert_deliveries) AS n",
    );
    expect(Number(left.rows[0]?.n)).toBe(0);
  });

  test("alerts (the evaluator) reads what it evaluates and writes incidents and deliveries, nothing else", async () => {
    const alerts = poolAs(LOGIN_ROLES.alerts);
    const alertId = (await owner.query<{ id: number }>(ALERT)).rows[0]?.id ?? 0;
    const incidentId = (await alerts.query<{ id: number }>(incident(alertId))).rows[0]?.id ?? 0;
    for (const sql of [
      "SELECT count(*) FROM events",
      "SELECT count(*) FROM metric_rollups",
      "SELECT count(*) FROM bounce_rollups",
      "SELECT count(*) FROM backfill_days",
      "SELECT count(*) FROM alerts",
      `UPDATE alerts SET last_triggered = now() WHERE id = ${alertId}`,
      delivery(incidentId),
      "UPDATE alert_deliveries SET attempts = 1",
      "UPDATE alert_incidents SET status = 'closed'",
    ]) {
      expect(await outcome(alerts, sql), sql).toBe("ok");
    }
    for (const sql of [
      ALERT,
      "DELETE FROM alerts",
      "DELETE FROM alert_incidents",
      "DELETE FROM alert_deliveries",
      "SELECT count(*) FROM batches",
      "DELETE FROM events",
      "INSERT INTO metric_rollups (bucket_minutes, dimension, bucket_start, value) VALUES (15, '', now(), '')",
      "CREATE TABLE alerts_owned (x int)",
    ]) {
      expect(await outcome(alerts, sql), sql).toBe(INSUFFICIENT_PRIVILEGE);
    }
  });
});

describe("the maintenance role", () => {
  test("creates partitions ahead and drops expired ones, which the query role can then read, but cannot delete rows", async () => {
    const maintenance = poolAs(LOGIN_ROLES.maintenance);
    const result = await maintainPartitions(maintenance, { retentionDays: 30 });
    expect(result.created).toBeGreaterThanOrEqual(8);
    expect(result.dropped.length).toBeGreaterThan(0);
    expect(result.dropped.every((name) => name.startsWith("events_2016"))).toBe(true);
    const left = await owner.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events JOIN batches USING (batch_number) WHERE batches.batch_id = 'roles-batch-1'",
    );
    expect(left.rows[0]?.n).toBe(0);
    // Retention deleted the dropped days' rollup rows too, as the function's owner.
    const rollupsLeft = await owner.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM metric_rollups WHERE bucket_start < '2017-01-01')
            + (SELECT count(*) FROM bounce_rollups WHERE bucket_start < '2017-01-01')
            + (SELECT count(*) FROM metric_unique_rollups WHERE bucket_start < '2017-01-01')
            + (SELECT count(*) FROM metric_engagement WHERE day < '2017-01-01') AS n`,
    );
    expect(Number(rollupsLeft.rows[0]?.n)).toBe(0);
    expect(await outcome(maintenance, "DELETE FROM metric_rollups")).toBe(INSUFFICIENT_PRIVILEGE);

    const today = `events_${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
    expect(await outcome(poolAs(LOGIN_ROLES.query), `SELECT count(*) FROM ${today}`)).toBe("ok");
    expect(await outcome(maintenance, "DELETE FROM events")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, "DELETE FROM batches")).toBe(INSUFFICIENT_PRIVILEGE);
    // It reads events (the event-bodies backfill copies old ones into a day's shadow) but writes none.
    expect(await outcome(maintenance, "UPDATE events SET type = 'x'")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, "UPDATE events SET payload = NULL")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, `DROP TABLE ${today}`)).toBe(INSUFFICIENT_PRIVILEGE);
  });
});

describe("the maintenance role's compaction of ended days", () => {
  test("compacts an ended day's search counts and bounce rollups through the functions alone, and cannot write them itself", async () => {
    await owner.query("SELECT msgevents_ensure_partitions('2024-04-01'::date, '2024-04-01'::date)");
    await owner.query(
      `INSERT INTO events (event_time, type, event_id, batch_id, received_at, payload)
       VALUES ('2024-04-01T10:00:00Z', 'delivery', 'compaction-test-1', 'compaction-batch', now(), '{}'),
              ('2024-04-01T10:20:00Z', 'delivery', 'compaction-test-2', 'compaction-batch', now(), '{}')`,
    );
    await owner.query(
      `INSERT INTO events (event_time, type, event_id, batch_id, received_at, payload, reason, bounce_class)
       VALUES ('2024-04-01T11:50:00Z', 'bounce', 'compaction-test-3', 'compaction-batch', now(), '{}', '550 unknown', 10)`,
    );
    const maintenance = poolAs(LOGIN_ROLES.maintenance);
    const result = await maintainPartitions(maintenance);
    expect(result.compacted).toContain("2024-04-01");
    const compacted = await owner.query<{ quarters: number[]; events: number[] }>(
      "SELECT quarters, events FROM search_token_day_counts WHERE token = 't=delivery' AND day = '2024-04-01'",
    );
    expect(compacted.rows).toEqual([{ quarters: [40, 41], events: [1, 1] }]);
    const bounces = await owner.query<{ bucket_minutes: number }>(
      "SELECT bucket_minutes FROM bounce_rollups WHERE dimension = '' AND bucket_start >= '2024-04-01' AND bucket_start < '2024-04-02'",
    );
    expect(bounces.rows).toEqual([{ bucket_minutes: 1440 }]);
    const bounceQuarters = await owner.query<{ quarters: number[] }>(
      "SELECT quarters FROM bounce_rollup_quarters WHERE dimension = '' AND bucket_start = '2024-04-01'",
    );
    expect(bounceQuarters.rows).toEqual([{ quarters: [47] }]);
    for (const statement of [
      "DELETE FROM search_token_day_counts",
      "DELETE FROM search_token_counts",
      "DELETE FROM bounce_rollup_quarters",
      "UPDATE bounce_rollups SET quarters = NULL",
    ]) {
      expect(await outcome(maintenance, statement), statement).toBe(INSUFFICIENT_PRIVILEGE);
    }
  });
});

describe("the maintenance role's pruning of engagement rows", () => {
  test("prunes a past day's metric_engagement rows and recounts a pruned day late events reached, through the functions alone", async () => {
    await owner.query("SELECT msgevents_ensure_partitions('2024-04-03'::date, '2024-04-03'::date)");
    const open = (id: string, time: string) =>
      owner.query(
        `INSERT INTO events (event_time, type, event_id, batch_id, received_at, payload, message_id)
         VALUES ($1, 'open', $2, 'engagement-batch', now(), '{}', 'engagement-message')`,
        [time, id],
      );
    const dayRendered = async () => {
      const { rows } = await owner.query<{ day_rendered: number }>(
        `SELECT day_rendered FROM metric_unique_rollups
         WHERE bucket_minutes = 1440 AND dimension = '' AND bucket_start = '2024-04-03'`,
      );
      return rows;
    };
    await open("engagement-test-1", "2024-04-03T10:00:00Z");
    const maintenance = poolAs(LOGIN_ROLES.maintenance);
    expect((await maintainPartitions(maintenance)).engagementPruned).toContain("2024-04-03");
    // The same message's second open, loaded after its day was pruned, counts as the day's first until recounted.
    await open("engagement-test-2", "2024-04-03T10:05:00Z");
    expect(await dayRendered()).toEqual([{ day_rendered: 2 }]);
    expect((await maintainPartitions(maintenance)).engagementRecounted).toEqual(["2024-04-03"]);
    expect(await dayRendered()).toEqual([{ day_rendered: 1 }]);
    const left = await owner.query("SELECT FROM metric_engagement WHERE day = '2024-04-03'");
    expect(left.rowCount).toBe(0);
    for (const statement of ["DELETE FROM metric_engagement", "DELETE FROM metric_engagement_pruned"]) {
      expect(await outcome(maintenance, statement), statement).toBe(INSUFFICIENT_PRIVILEGE);
    }
  });
});

describe("the maintenance role's vacuum", () => {
  test("vacuums and analyzes an ended day partition that changed, once, and leaves today's to autovacuum", async () => {
    const day = "2024-03-01";
    const partition = "events_20240301";
    const client = await owner.connect();
    try {
      await client.query("SELECT msgevents_ensure_partitions($1::date, $1::date)", [day]);
      await client.query(
        `INSERT INTO events (event_time, type, event_id, batch_id, received_at, payload)
         VALUES ('${day}T10:00:00Z', 'delivery', 'vacuum-test-1', 'vacuum-batch', now(), '{}')`,
      );
      // The insert's counts reach the shared statistics, which maintenance reads, when this statement ends.
      await client.query("SELECT pg_stat_force_next_flush()");
    } finally {
      client.release();
    }
    const maintenance = poolAs(LOGIN_ROLES.maintenance);
    const lastVacuum = async (name: string) =>
      (
        await owner.query<{ last_vacuum: Date | null; last_analyze: Date | null }>(
          "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = $1",
          [name],
        )
      ).rows[0];

    // Dead row versions in each upserted table holding rows (each row written anew), flushed to the statistics
    // maintenance reads. An autovacuum holding a table would make the maintenance's VACUUM (SKIP_LOCKED) pass it by.
    let holdingRows: string[];
    const ownerClient = await owner.connect();
    try {
      for (const table of UPSERTED_TABLES) {
        await ownerClient.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
      }
      holdingRows = await rewriteEveryRow(ownerClient, UPSERTED_TABLES);
    } finally {
      ownerClient.release();
    }
    const first = await maintainPartitions(maintenance, { minDeadRows: 1 });
    expect(first.vacuumed).toContain(partition);
    const today = `events_${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
    expect(first.vacuumed).not.toContain(today);
    // VACUUM without the privilege only warns and skips the table: the statistics prove it ran.
    expect(await lastVacuum(partition)).toMatchObject({
      last_vacuum: expect.any(Date),
      last_analyze: expect.any(Date),
    });
    // So did the vacuums of the tables loads upsert (search counts, rollups), of every one with dead versions: those
    // just written anew, and any earlier tests left dead versions in.
    expect(holdingRows).toEqual(expect.arrayContaining(["search_token_counts", "metric_rollups"]));
    expect(first.vacuumedTables).toEqual(expect.arrayContaining(holdingRows));
    for (const table of first.vacuumedTables) {
      expect((await lastVacuum(table))?.last_vacuum, table).toEqual(expect.any(Date));
    }

    const second = await maintainPartitions(maintenance);
    expect(second.vacuumed).not.toContain(partition);
    expect(await outcome(maintenance, `SELECT count(*) FROM ${partition}`)).toBe(INSUFFICIENT_PRIVILEGE);
  });
});

describe("the maintenance role's backfills", () => {
  test("fills queued days through the fill functions alone, converts old events by copy and swap, and keeps no right on the swapped-in day", async () => {
    // Events stored as before event bodies (0013), to be converted by the event-bodies backfill.
    const legacy = normalizeBatch([
      {
        msys: {
          message_event: {
            type: "delivery",
            event_id: "legacy-1",
            timestamp: "1717200000",
            rcpt_to: "a@b.example",
            campaign_id: "old",
            subject: "Stored as text",
            rcpt_meta: { plan: "kept in payload" },
          },
        },
      },
      {
        msys: {
          track_event: {
            type: "open",
            event_id: "legacy-2",
            timestamp: "1717200060",
            rcpt_to: "a@b.example",
            user_agent: "x",
          },
        },
      },
    ]).events;
    expect(await storeEventsAsBefore0013(owner, legacy, { batchId: "legacy", receivedAt: new Date() })).toBe(2);
    // Every day that exists queued again, with the rollups of those days gone, as after an upgrade.
    await owner.query(
      "TRUNCATE metric_rollups, bounce_rollups, reason_rollups, metric_unique_rollups, metric_engagement, search_token_counts",
    );
    await owner.query("SELECT msgevents_register_backfill(name, true) FROM backfills");
    const stored = await owner.query<{ n: number }>("SELECT count(*)::int AS n FROM events");
    expect(stored.rows[0]?.n).toBeGreaterThan(0);

    const maintenance = poolAs(LOGIN_ROLES.maintenance);
    const result = await runBackfills(maintenance, { budgetMs: 600_000 });
    expect(result.failed).toEqual([]);
    expect(result.remaining).toBe(0);
    const filled = result.filled.filter((day) => day.backfill === "search_token_counts");
    expect(filled.reduce((sum, day) => sum + day.events, 0)).toBe(stored.rows[0]?.n);
    const counted = await owner.query<{ n: number }>(
      "SELECT coalesce(sum(events), 0)::int AS n FROM search_token_counts WHERE token = '*'",
    );
    expect(counted.rows[0]?.n).toBe(stored.rows[0]?.n);

    const old = await owner.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE body IS NULL");
    expect(old.rows[0]?.n).toBe(0);
    // The texts-by-id backfill named the subject stored as text, by the naming function alone.
    const named = await owner.query(
      "SELECT e.subject, t.value FROM events AS e JOIN event_texts AS t ON t.id = e.subject_ref WHERE e.event_id = 'legacy-1'",
    );
    expect(named.rows).toEqual([{ subject: null, value: "Stored as text" }]);
    expect(await outcome(maintenance, "INSERT INTO event_texts (field, value) VALUES (1, 'x')")).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    // And its recipient payload, by the payloads' naming function alone (migration 0032).
    const payload = await owner.query(
      "SELECT e.payload, p.value FROM events AS e JOIN event_payloads AS p ON p.id = e.payload_ref WHERE e.event_id = 'legacy-1'",
    );
    expect(payload.rows).toEqual([{ payload: null, value: { rcpt_meta: { plan: "kept in payload" } } }]);
    expect(await outcome(maintenance, `INSERT INTO event_payloads (value) VALUES ('{}')`)).toBe(INSUFFICIENT_PRIVILEGE);

    // The day was swapped in with the privileges of the day partition it replaced: the maintenance role's rights on
    // the shadow's rows are gone, the query role reads it as any day.
    const shadows = await owner.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'events\\_%\\_shadow'",
    );
    expect(shadows.rows[0]?.n).toBe(0);
    const day = "events_20240601";
    for (const statement of [`SELECT count(*) FROM ${day}`, `DELETE FROM ${day}`, `TRUNCATE ${day}`]) {
      expect(await outcome(maintenance, statement), statement).toBe(INSUFFICIENT_PRIVILEGE);
    }
    expect(await outcome(poolAs(LOGIN_ROLES.query), `SELECT count(*) FROM ${day}`)).toBe("ok");
    // The maintenance role vacuumed the shadow before the swap (MAINTAIN by default privileges): all of it visible.
    const pages = await owner.query<{ pages: number; visible: number }>(
      "SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE relname = $1",
      [day],
    );
    expect(pages.rows[0]?.pages).toBeGreaterThan(0);
    expect(pages.rows[0]?.visible).toBe(pages.rows[0]?.pages);
    expect(await outcome(maintenance, "UPDATE events SET payload = NULL")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, "UPDATE events SET rcpt_to = NULL")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, "DELETE FROM events")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, "SELECT object_key FROM batches")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, "SELECT count(*) FROM metric_rollups")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, "DELETE FROM search_token_counts")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(maintenance, "DELETE FROM backfill_days")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(poolAs(LOGIN_ROLES.query), "SELECT msgevents_fill_search_token_counts(current_date)")).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
  });
});

describe("the erasure privileges", () => {
  test("only the eraser deletes events; the query role only adds requests; the loader reads no event payload", async () => {
    const eraser = poolAs(LOGIN_ROLES.eraser);
    const query = poolAs(LOGIN_ROLES.query);
    const loader = poolAs(LOGIN_ROLES.loader);
    expect(await outcome(eraser, "DELETE FROM events WHERE false")).toBe("ok");
    expect(await outcome(eraser, "UPDATE search_token_counts SET events = events WHERE false")).toBe("ok");
    expect(await outcome(eraser, "DELETE FROM batches WHERE false")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(eraser, "DELETE FROM suppressed_recipients WHERE false")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(eraser, "SELECT msgevents_drop_partitions_before(now())")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(query, "DELETE FROM events WHERE false")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(query, "DELETE FROM suppressed_recipients WHERE false")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(query, "UPDATE erasure_requests SET status = status WHERE false")).toBe(
      INSUFFICIENT_PRIVILEGE,
    );
    expect(
      await outcome(
        query,
        "INSERT INTO suppressed_recipients (recipient_hash, scope, request_id) SELECT '\\x00', 0, 0 WHERE false",
      ),
    ).toBe("ok");
    expect(await outcome(loader, "SELECT event_id, batch_id FROM events LIMIT 1")).toBe("ok");
    expect(await outcome(loader, "SELECT payload FROM events LIMIT 1")).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(loader, "DELETE FROM suppressed_recipients WHERE false")).toBe(INSUFFICIENT_PRIVILEGE);
  });
});

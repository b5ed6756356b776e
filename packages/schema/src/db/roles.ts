import type pg from "pg";
import { BACKFILLS, isStepBackfill } from "../backfills/declarations.ts";
import { withClient } from "./checkout.ts";

/** The login roles the deployables connect as, one per function, each with only what its code needs. */
export const LOGIN_ROLES = {
  loader: "msgevents_loader",
  query: "msgevents_query",
  maintenance: "msgevents_maintenance",
  alerts: "msgevents_alerts",
  eraser: "msgevents_eraser",
} as const;

export type LoginRole = (typeof LOGIN_ROLES)[keyof typeof LOGIN_ROLES];

/** Serializes role setup between migrators (CREATE ROLE is not idempotent under a race). */
const ROLES_LOCK = 727_110_003;

const { loader, query, maintenance, alerts, eraser } = LOGIN_ROLES;
const ENSURE_PARTITIONS = "msgevents_ensure_partitions(date, date)";
const DROP_PARTITIONS = "msgevents_drop_partitions_before(timestamptz)";
/** The maintenance's compaction of ended days (migrations 0022, 0023): it moves rows nobody else may. */
const COMPACT_DAYS = [
  "msgevents_days_to_compact(date)",
  "msgevents_compact_search_token_counts(date)",
  "msgevents_compact_rollups(date)",
];
/** The maintenance's pruning of engagement rows past the late-arrival horizon (migration 0026), with its recounts. */
const PRUNE_ENGAGEMENT = ["msgevents_engagement_days_to_prune(date)", "msgevents_prune_engagement(date)"];
/** The loader's naming of its texts by id (migration 0030): it adds event_texts rows, as their owner. */
const NAME_TEXTS = "msgevents_name_event_texts(smallint[], text[])";
/** Removing the texts no event names any more (migration 0030), after erasures and retention. */
const COLLECT_TEXTS = "msgevents_collect_event_texts(integer[])";
/** The loader's naming of its recipient payloads by id (migration 0032), as its texts'. */
const NAME_PAYLOADS = "msgevents_name_event_payloads(jsonb[])";
/** Removing the recipient payloads no event names any more (migration 0032), after erasures and retention. */
const COLLECT_PAYLOADS = "msgevents_collect_event_payloads(integer[])";
/** Each backfill's day fill (src/backfills): it reads the day's events and rewrites the day's derived rows. */
const FILL_DAYS = BACKFILLS.flatMap((backfill) => (isStepBackfill(backfill) ? [] : [`${backfill.fill}(date)`]));
/**
 * The event-bodies backfill's copy and swap of a day (migration 0018): creating, indexing and swapping in a day's
 * shadow table needs ownership of events, and the swap locks the day partition against writes.
 */
const EVENT_SHADOW = [
  "msgevents_start_event_shadow(date)",
  "msgevents_index_event_shadow(date)",
  "msgevents_swap_event_shadow(date)",
  "msgevents_lock_day_for_backfill(date)",
];

/**
 * The privileges, as statements for the schema `s` that holds `events` (run by the schema owner):
 * - query: SELECT on every table of the schema (search, /health and rejections read events, search_values and
 *   batches; counting by value reads day partitions directly), and by default privileges on every partition created
 *   later.
 * - loader: what loadBatch writes (batches rows, events, and through the events triggers, which run with the
 *   inserting role's rights, search_values, the Metrics API rollups and the search counts: upserts need SELECT and
 *   UPDATE too; the search counts read event_texts), EXECUTE on msgevents_ensure_partitions for late events, and on
 *   msgevents_name_event_texts, which adds the texts a load names by id (migration 0030) as their owner, and
 *   msgevents_name_event_payloads, which does the same for recipient payloads (migration 0032); a load names them
 *   before its transaction (addEventNames), and removes those of records it then drops because their recipient was
 *   erased meanwhile (removeEventNames: EXECUTE on the two collections, SELECT on event_payloads to find the ids).
 * - maintenance: MAINTAIN (VACUUM, ANALYZE) on the schema's tables, and EXECUTE on msgevents_ensure_partitions and
 *   msgevents_drop_partitions_before (which also deletes the dropped days' rollup rows, as the function's owner),
 *   and on the functions that find and compact ended days (search counts, rollups) and prune their engagement rows,
 *   and remove the texts and recipient payloads no event names after retention (msgevents_collect_event_texts and
 *   msgevents_collect_event_payloads, with the ids to check, which SELECT on event_texts and event_payloads lists);
 *   for backfills, SELECT and UPDATE on their two state tables and EXECUTE on each backfill's day fill; for the
 *   event-bodies backfill (src/backfills/event-bodies.ts, which converts in TypeScript), SELECT on events and on the id
 *   and number of batches, and EXECUTE on the functions that start, index and swap in a day's shadow table and lock
 *   the day; the shadow's rows it may read, insert and delete until the swap, which takes those rights back; for the
 *   texts-by-id and payloads-by-id backfills (the same copy, each row's texts and recipient payload named by id),
 *   EXECUTE on msgevents_name_event_texts and msgevents_name_event_payloads and SELECT on event_texts and
 *   event_payloads.
 * - query also writes the alert rules (the Alerts API: create, update, delete) and closes their open incidents when a
 *   rule changes; deleting a rule deletes its incidents and deliveries through the foreign keys, as their owner.
 * - alerts (the evaluator): reads the events and the rollups it evaluates (and backfill_days: the Metrics API counts
 *   the days the rollups' backfill has not filled from the events), the rules, incidents and deliveries; opens,
 *   updates and closes incidents, writes and updates deliveries, and stamps a rule's last_triggered.
 * Partition DDL needs ownership of `events`, and a day fill reads events and rewrites derived rows, so those
 * functions run as their owner (SECURITY DEFINER) with a pinned search_path, and EXECUTE on them is taken from
 * PUBLIC: the maintenance role can run them but still neither read nor change a row itself. They are set here, after every migration, because
 * a migration that replaces a function (CREATE OR REPLACE) resets its SECURITY DEFINER and search_path.
 * - eraser (packages/erasure): reads and deletes the erased recipients' events (DELETE on events alone; the search
 *   counts' DELETE trigger updates search_token_counts and search_token_day_counts with its rights, reading
 *   event_texts) and their metric_engagement rows, removes the texts and recipient payloads only those events named
 *   (msgevents_collect_event_texts, msgevents_collect_event_payloads), works the erasure tables, and reads batches and the loader's recipient_batches.
 * - erasure requests: the query role may add requests, their recipients and suppressions (INSERT only, for
 *   `POST /api/v1/data-privacy/rtbf-request`); the loader reads the suppression list, the key and batch columns of
 *   events (which of a batch's events another batch stored), and records the batches the eraser must find
 *   (recipient_batches, pending_batch_scrubs).
 * Only the eraser gets DELETE on events; nobody gets TRUNCATE, UPDATE on events, or ownership; PUBLIC loses CREATE on
 * the schema (the default only before PostgreSQL 15).
 */
function privilegeStatements(s: string): string[] {
  return [
    `REVOKE CREATE ON SCHEMA ${s} FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA ${s} TO ${loader}, ${query}, ${maintenance}, ${alerts}, ${eraser}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${query}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${query}`,
    `GRANT SELECT, INSERT, UPDATE ON ${s}.batches TO ${loader}`,
    `GRANT INSERT ON ${s}.events TO ${loader}`,
    `GRANT INSERT ON ${s}.search_values TO ${loader}`,
    // The search counts' triggers read the texts a row names by id (with the inserting or deleting role's rights).
    `GRANT SELECT ON ${s}.event_texts TO ${loader}, ${eraser}`,
    // A load that named a dropped record's recipient payload finds its id to remove it (removeEventNames).
    `GRANT SELECT ON ${s}.event_payloads TO ${loader}`,
    `GRANT SELECT, INSERT, UPDATE ON ${s}.metric_rollups, ${s}.bounce_rollups, ${s}.reason_rollups, ${s}.metric_unique_rollups, ${s}.metric_engagement, ${s}.search_token_counts TO ${loader}`,
    `GRANT INSERT, UPDATE, DELETE ON ${s}.alerts TO ${query}`,
    `GRANT UPDATE ON ${s}.alert_incidents TO ${query}`,
    `GRANT SELECT ON ${s}.events, ${s}.metric_rollups, ${s}.metric_rollup_quarters, ${s}.bounce_rollups, ${s}.bounce_rollup_quarters, ${s}.metric_unique_rollups, ${s}.backfill_days TO ${alerts}`,
    `GRANT SELECT, UPDATE ON ${s}.alerts TO ${alerts}`,
    `GRANT SELECT, INSERT, UPDATE ON ${s}.alert_incidents, ${s}.alert_deliveries TO ${alerts}`,
    `GRANT SELECT ON ${s}.suppressed_recipients TO ${loader}`,
    // Which of a batch's events were stored from another batch: the key and batch columns only, never a payload.
    `GRANT SELECT (event_id, type, event_time, batch_id, batch_number) ON ${s}.events TO ${loader}`,
    `GRANT INSERT ON ${s}.recipient_batches, ${s}.pending_batch_scrubs TO ${loader}`,
    `GRANT INSERT ON ${s}.erasure_requests, ${s}.erasure_recipients, ${s}.suppressed_recipients TO ${query}`,
    `GRANT SELECT, DELETE ON ${s}.events, ${s}.metric_engagement TO ${eraser}`,
    `GRANT SELECT, UPDATE, DELETE ON ${s}.search_token_counts, ${s}.search_token_day_counts TO ${eraser}`,
    `GRANT SELECT ON ${s}.batches, ${s}.recipient_batches, ${s}.suppressed_recipients TO ${eraser}`,
    `GRANT SELECT, UPDATE ON ${s}.erasure_requests, ${s}.erasure_recipients TO ${eraser}`,
    `GRANT SELECT, INSERT, UPDATE ON ${s}.erasure_batches TO ${eraser}`,
    `GRANT SELECT, DELETE ON ${s}.pending_batch_scrubs TO ${eraser}`,
    ...[
      ENSURE_PARTITIONS,
      DROP_PARTITIONS,
      ...COMPACT_DAYS,
      ...PRUNE_ENGAGEMENT,
      ...FILL_DAYS,
      ...EVENT_SHADOW,
      NAME_TEXTS,
      COLLECT_TEXTS,
      NAME_PAYLOADS,
      COLLECT_PAYLOADS,
    ].flatMap((fn) => [
      `ALTER FUNCTION ${s}.${fn} SECURITY DEFINER SET search_path = ${s}, pg_temp`,
      `REVOKE EXECUTE ON FUNCTION ${s}.${fn} FROM PUBLIC`,
    ]),
    `GRANT EXECUTE ON FUNCTION ${s}.${ENSURE_PARTITIONS} TO ${loader}, ${maintenance}`,
    `GRANT EXECUTE ON FUNCTION ${s}.${DROP_PARTITIONS} TO ${maintenance}`,
    `GRANT EXECUTE ON FUNCTION ${s}.${NAME_TEXTS} TO ${loader}, ${maintenance}`,
    `GRANT EXECUTE ON FUNCTION ${s}.${COLLECT_TEXTS} TO ${loader}, ${maintenance}, ${eraser}`,
    `GRANT EXECUTE ON FUNCTION ${s}.${NAME_PAYLOADS} TO ${loader}, ${maintenance}`,
    `GRANT EXECUTE ON FUNCTION ${s}.${COLLECT_PAYLOADS} TO ${loader}, ${maintenance}, ${eraser}`,
    ...[...COMPACT_DAYS, ...PRUNE_ENGAGEMENT, ...FILL_DAYS].map(
      (fn) => `GRANT EXECUTE ON FUNCTION ${s}.${fn} TO ${maintenance}`,
    ),
    `GRANT SELECT, UPDATE ON ${s}.backfills, ${s}.backfill_days TO ${maintenance}`,
    ...EVENT_SHADOW.map((fn) => `GRANT EXECUTE ON FUNCTION ${s}.${fn} TO ${maintenance}`),
    `GRANT SELECT ON ${s}.events TO ${maintenance}`,
    // Which texts to check after retention (collectUnnamedTexts), and the ids of the texts the texts-by-id backfill
    // names (it reads the day's events already).
    `GRANT SELECT ON ${s}.event_texts TO ${maintenance}`,
    // Which recipient payloads to check after retention (collectUnnamedPayloads).
    `GRANT SELECT ON ${s}.event_payloads TO ${maintenance}`,
    `GRANT SELECT (batch_id, batch_number) ON ${s}.batches TO ${maintenance}`,
    // VACUUM and ANALYZE of ended day partitions (PostgreSQL 17+): no reading or writing rows.
    `GRANT MAINTAIN ON ALL TABLES IN SCHEMA ${s} TO ${maintenance}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT MAINTAIN ON TABLES TO ${maintenance}`,
  ];
}

/**
 * Creates the login roles if missing and (re)applies their privileges on the migrated schema; idempotent, safe to
 * run after every migration and from two migrators at once. Run it as the schema owner (on RDS the master user).
 * Where the `rds_iam` role exists (RDS) each role is granted it, so it logs in with IAM tokens only. Passwords are
 * never set or changed here: on another PostgreSQL, give each role a password yourself (`ALTER ROLE … PASSWORD`).
 * Returns the role names.
 */
export async function ensureLoginRoles(pool: pg.Pool): Promise<LoginRole[]> {
  const roles = Object.values(LOGIN_ROLES);
  return withClient(pool, async (client) => {
    await client.query("BEGIN");
    try {
      await client.query("SELECT pg_advisory_xact_lock($1)", [ROLES_LOCK]);
      const { rows } = await client.query<{ schema: string; database: string; iam: boolean }>(
        `SELECT quote_ident(n.nspname) AS schema, quote_ident(current_database()) AS database,
                EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') AS iam
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'events'::regclass`,
      );
      const { schema, database, iam } = rows[0] ?? { schema: "public", database: "", iam: false };
      for (const role of roles) {
        // Roles belong to the whole server, where the advisory lock (per database) does not serialize creators.
        await client.query(
          `DO $$ BEGIN CREATE ROLE ${role}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
        );
        await client.query(`ALTER ROLE ${role} LOGIN`);
        await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
        if (iam) await client.query(`GRANT rds_iam TO ${role}`);
      }
      for (const statement of privilegeStatements(schema)) await client.query(statement);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
    return roles;
  });
}

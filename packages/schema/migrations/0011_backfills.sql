CREATE TABLE "backfill_days" (
	"backfill" text NOT NULL,
	"day" date NOT NULL,
	"done_at" timestamp (3) with time zone,
	"events" bigint,
	"fill_ms" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"last_attempt_at" timestamp (3) with time zone,
	"last_error" text,
	CONSTRAINT "backfill_days_pkey" PRIMARY KEY("backfill","day")
);
--> statement-breakpoint
CREATE TABLE "backfills" (
	"name" text PRIMARY KEY NOT NULL,
	"registered_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone
);
--> statement-breakpoint
-- Hand-written from here (drizzle-kit cannot express functions): backfills, the data derived from stored events that
-- a migration must not compute itself (its time would grow with the events stored). See packages/schema/README.md
-- ("Backfills") and src/backfills/. Nothing here reads the events: registering a backfill reads the catalog only.

-- Registers the backfill `backfill_name` and, when `fill_days`, queues every day partition that exists now (one
-- backfill_days row each; days created later are kept by the triggers from their first event). Called by the
-- migration that creates the derived data, in its transaction: a query never sees the new table without its pending
-- days. Registering again adds nothing and never makes a filled day pending again. Returns the days queued.
CREATE OR REPLACE FUNCTION msgevents_register_backfill(backfill_name text, fill_days boolean) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  queued integer := 0;
BEGIN
  INSERT INTO backfills (name) VALUES (backfill_name) ON CONFLICT (name) DO NOTHING;
  IF fill_days THEN
    INSERT INTO backfill_days (backfill, day)
    SELECT backfill_name, to_date(substr(c.relname, 8), 'YYYYMMDD')
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_[0-9]{8}$'
    ON CONFLICT (backfill, day) DO NOTHING;
    GET DIAGNOSTICS queued = ROW_COUNT;
  END IF;
  RETURN queued;
END
$$;
--> statement-breakpoint
-- Whether `relation` was created by the running transaction (its catalog row's xmin is this transaction's id). The
-- migrations of one run share one transaction: a derived table made earlier in this run is empty for the events
-- stored before it, while one made by an earlier run was filled then (0008 and 0010 filled theirs inside the
-- migration before this one existed) and kept complete by its trigger since.
CREATE OR REPLACE FUNCTION msgevents_created_in_this_transaction(relation regclass) RETURNS boolean
LANGUAGE sql VOLATILE
AS $$
  SELECT c.xmin = pg_current_xact_id()::xid FROM pg_class c WHERE c.oid = relation
$$;
--> statement-breakpoint
-- The day partition of `day`, locked in SHARE mode until the end of the transaction, or NULL when the day has no
-- partition. The lock waits for every open transaction that inserted into that day (lock_timeout bounds the wait)
-- and makes inserts into it wait until this transaction ends: a fill that then replaces the day's derived rows with
-- a recount of the day's events has seen every committed event of the day and no uncommitted one, and the events
-- inserted after it commits are added on top by the triggers. So each event of the day is counted exactly once.
CREATE OR REPLACE FUNCTION msgevents_lock_day_for_backfill(day date) RETURNS regclass
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass;
BEGIN
  SELECT c.oid::regclass INTO day_partition
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'events'::regclass AND c.relname = msgevents_partition_name(day);
  IF day_partition IS NOT NULL THEN
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', day_partition);
  END IF;
  RETURN day_partition;
END
$$;
--> statement-breakpoint
-- The metric_rollups backfill, one day: the day's rows of metric_rollups, bounce_rollups and metric_first_seen
-- replaced by a recount of the day's events (both increments lie within a UTC day). Returns the events read.
CREATE OR REPLACE FUNCTION msgevents_fill_metric_rollups(day date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_lock_day_for_backfill(day);
  day_start timestamptz := day::timestamp AT TIME ZONE 'UTC';
  day_end timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
  stored bigint := 0;
BEGIN
  DELETE FROM metric_rollups
  WHERE bucket_minutes IN (15, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
        'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
    AND bucket_start >= day_start AND bucket_start < day_end;
  DELETE FROM bounce_rollups
  WHERE bucket_minutes IN (15, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
        'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
    AND bucket_start >= day_start AND bucket_start < day_end;
  DELETE FROM metric_first_seen
  WHERE bucket_minutes IN (15, 1440) AND bucket_start >= day_start AND bucket_start < day_end;
  IF day_partition IS NOT NULL THEN
    EXECUTE msgevents_rollup_statement(day_partition::text);
    EXECUTE format('SELECT count(*) FROM %s', day_partition) INTO stored;
  END IF;
  RETURN stored;
END
$$;
--> statement-breakpoint
-- The search_token_counts backfill, one day: the day's counts replaced by a recount of the day's events.
CREATE OR REPLACE FUNCTION msgevents_fill_search_token_counts(day date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_lock_day_for_backfill(day);
  day_start timestamptz := day::timestamp AT TIME ZONE 'UTC';
  stored bigint := 0;
BEGIN
  DELETE FROM search_token_counts
  WHERE bucket_start >= day_start AND bucket_start < (day + 1)::timestamp AT TIME ZONE 'UTC';
  IF day_partition IS NOT NULL THEN
    EXECUTE msgevents_token_count_statement(day_partition::text);
    EXECUTE format('SELECT count(*) FROM %s', day_partition) INTO stored;
  END IF;
  RETURN stored;
END
$$;
--> statement-breakpoint
-- The two backfills of the derived tables that exist so far, with the days to fill only where this run created the
-- table (see msgevents_created_in_this_transaction): a database that ran 0008 and 0010 before has them complete.
SELECT msgevents_register_backfill('metric_rollups', msgevents_created_in_this_transaction('metric_rollups'));
--> statement-breakpoint
SELECT msgevents_register_backfill('search_token_counts', msgevents_created_in_this_transaction('search_token_counts'));

-- Partition management for events: one partition per UTC day, created ahead of time and on demand for any event time
-- (SparkPost's sample events are dated 2016), and dropped whole by retention. There is deliberately no DEFAULT
-- partition: a row for a missing day fails loudly instead of landing where a later CREATE ... PARTITION OF would have
-- to scan and move it. Works on PostgreSQL 14 and later (LIKE ... INCLUDING COMPRESSION).

-- Compress large payloads with lz4 where the server was built with it (RDS is; the embedded binaries are not):
-- much faster to decompress than pglz, with similar ratios on JSON. Partitions copy the setting (INCLUDING COMPRESSION).
DO $$
BEGIN
  ALTER TABLE events ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'lz4 is not available on this server; payload keeps the default compression';
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION msgevents_partition_name(day date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'events_' || to_char(day, 'YYYYMMDD') $$;
--> statement-breakpoint
-- The days in [first_day, last_day] with no partition table yet, read from pg_class with the statement's snapshot.
CREATE OR REPLACE FUNCTION msgevents_missing_partition_days(parent_schema text, first_day date, last_day date)
RETURNS TABLE (day date)
LANGUAGE sql STABLE
AS $$
  SELECT d::date
  FROM generate_series(first_day::timestamp, last_day::timestamp, interval '1 day') AS d
  WHERE NOT EXISTS (
    SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = parent_schema AND c.relname = msgevents_partition_name(d::date)
  )
  ORDER BY 1
$$;
--> statement-breakpoint
-- Creates the missing daily partitions covering [first_day, last_day]; returns how many it created.
--
-- A partition is created as a plain table and then attached: ATTACH PARTITION takes only a SHARE UPDATE EXCLUSIVE lock
-- on events, which neither blocks nor waits for loads and queries (CREATE TABLE ... PARTITION OF would take ACCESS
-- EXCLUSIVE). Creators are serialized by an advisory lock held to the end of the transaction, and existence is checked
-- by querying pg_class, whose rows the statement snapshot sees as soon as another creator commits (to_regclass reads
-- the backend's catalog cache, which can still answer "missing" after the lock is granted).
CREATE OR REPLACE FUNCTION msgevents_ensure_partitions(first_day date, last_day date) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  parent_schema text;
  missing_day date;
  created integer := 0;
BEGIN
  IF first_day IS NULL OR last_day IS NULL OR last_day < first_day THEN
    RAISE EXCEPTION 'msgevents_ensure_partitions: invalid day range % .. %', first_day, last_day;
  END IF;
  IF last_day - first_day > 3660 THEN
    RAISE EXCEPTION 'msgevents_ensure_partitions: refusing to create more than ten years of partitions at once';
  END IF;
  SELECT n.nspname INTO STRICT parent_schema
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.oid = 'events'::regclass;

  -- Fast path without the lock: most calls find every partition already there.
  IF NOT EXISTS (SELECT FROM msgevents_missing_partition_days(parent_schema, first_day, last_day)) THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock(727110002);
  FOR missing_day IN SELECT missing.day FROM msgevents_missing_partition_days(parent_schema, first_day, last_day) AS missing
  LOOP
    EXECUTE format(
      'CREATE TABLE %I.%I (LIKE %I.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)',
      parent_schema, msgevents_partition_name(missing_day), parent_schema
    );
    EXECUTE format(
      'ALTER TABLE %I.events ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
      parent_schema, parent_schema, msgevents_partition_name(missing_day),
      to_char(missing_day, 'YYYY-MM-DD') || ' 00:00:00+00',
      to_char(missing_day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
    );
    created := created + 1;
  END LOOP;
  RETURN created;
END
$$;
--> statement-breakpoint
-- Retention: drops every daily partition whose upper bound is at or before `cutoff` (all its events are older) and
-- returns the dropped partitions' names. Only partitions this schema manages (named events_YYYYMMDD) are considered.
-- A cutoff later than now() is refused, so a wrong clock or a zero-day setting can never empty today's partition.
-- DROP TABLE takes ACCESS EXCLUSIVE on events for a moment: callers set a lock_timeout and retry on the next run.
-- TimeZone and DateStyle are pinned so that the partition bound expressions read back in one known format.
CREATE OR REPLACE FUNCTION msgevents_drop_partitions_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  expired record;
BEGIN
  IF cutoff IS NULL OR cutoff > now() THEN
    RAISE EXCEPTION 'msgevents_drop_partitions_before: refusing cutoff % (must not be later than now)', cutoff;
  END IF;
  PERFORM pg_advisory_xact_lock(727110002);
  FOR expired IN
    SELECT n.nspname AS schema_name, c.relname AS table_name
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.inhparent = 'events'::regclass
      AND c.relname ~ '^events_[0-9]{8}$'
      AND substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz <= cutoff
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE %I.%I', expired.schema_name, expired.table_name);
    RETURN NEXT expired.table_name;
  END LOOP;
END
$$;

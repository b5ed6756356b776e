-- Search support (packages/query): a short GIN pending list on every daily partition's search-token index.
--
-- Rows inserted into a GIN index with fastupdate (the default) wait in a pending list of up to gin_pending_list_limit
-- (4 MB by default) until it overflows or the table is vacuumed, and every search scans the whole pending list of
-- each partition it touches. A day that autovacuum vacuumed for the last time before its last events keeps up to 4 MB
-- of pending entries for good (no further inserts bring another vacuum), so a 30-day search scanned up to 120 MB of
-- pending lists: 221-247 ms for one recipient at 1M events as operated, 79 ms once autovacuum had caught up. With
-- 256 kB the loader merges the pending entries into the index a few times per batch (in sorted runs, still far cheaper
-- than one index insertion per row and token), and a search reads at most 256 kB per partition.
--
-- The setting lives on each partition's index (a partitioned index has no storage parameters of its own), so
-- msgevents_ensure_partitions sets it on every day it creates from now on, and the block below on the days that exist.
CREATE OR REPLACE FUNCTION msgevents_ensure_partitions(first_day date, last_day date) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  parent_schema text;
  missing_day date;
  search_index regclass;
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
    -- The new day's GIN indexes (ATTACH created them from the parent's): empty and seen by no one else yet.
    FOR search_index IN
      SELECT i.indexrelid::regclass
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = format('%I.%I', parent_schema, msgevents_partition_name(missing_day))::regclass
        AND am.amname = 'gin'
    LOOP
      EXECUTE format('ALTER INDEX %s SET (gin_pending_list_limit = 256)', search_index);
    END LOOP;
    created := created + 1;
  END LOOP;
  RETURN created;
END
$$;
--> statement-breakpoint
-- The days that exist, one index at a time: the change takes an ACCESS EXCLUSIVE lock on that index for an instant
-- (no rewrite), so loads and searches of that day wait at most for the statements already running on it. Pending
-- entries already there stay until the next overflow or vacuum.
DO $$
DECLARE
  search_index regclass;
BEGIN
  FOR search_index IN
    SELECT i.indexrelid::regclass
    FROM pg_inherits p
    JOIN pg_index i ON i.indrelid = p.inhrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    WHERE p.inhparent = 'events'::regclass AND am.amname = 'gin'
  LOOP
    EXECUTE format('ALTER INDEX %s SET (gin_pending_list_limit = 256)', search_index);
  END LOOP;
END
$$;

-- Storage (issue: half the disk): the B-tree indexes of each new day partition fill their leaf pages (fillfactor 100).
--
-- A day's rows arrive in about the order of its time index's keys (event time; and of the primary key's where event
-- ids increase with time, as the generator's do), so most leaf page splits are at the right end, where PostgreSQL
-- leaves the old page as full as the fillfactor: 90% by default, room for inserts that never come to a day partition
-- once its day is over. Splits elsewhere halve the page whatever the fillfactor. Measured on
-- a day of 33,334 realistic events inserted in time order in 1,000-row batches: events_pkey 58.5 -> 52.3 B/event,
-- (event_time, type) 38.8 -> 35.1; the campaign and template B-trees (deduplicated, inserted all over) are unchanged.
-- A late insert into a full page splits it in two, as any middle insert does.
--
-- The setting lives on each partition's index (a partitioned index has no storage parameters of its own), so
-- msgevents_ensure_partitions sets it on every day it creates from now on, and the block below on the days that exist
-- (it changes how their pages split from now on; pages already written stay as they are until reindexed).
CREATE OR REPLACE FUNCTION msgevents_ensure_partitions(first_day date, last_day date) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  parent_schema text;
  missing_day date;
  day_index regclass;
  index_method name;
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
    -- The new day's indexes (ATTACH created them from the parent's): empty and seen by no one else yet. GIN: a short
    -- pending list (0007); B-tree: full leaf pages (0027).
    FOR day_index, index_method IN
      SELECT i.indexrelid::regclass, am.amname
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = format('%I.%I', parent_schema, msgevents_partition_name(missing_day))::regclass
        AND am.amname IN ('gin', 'btree')
    LOOP
      EXECUTE format(
        'ALTER INDEX %s SET (%s)', day_index,
        CASE index_method WHEN 'gin' THEN 'gin_pending_list_limit = 256' ELSE 'fillfactor = 100' END
      );
    END LOOP;
    created := created + 1;
  END LOOP;
  RETURN created;
END
$$;

--> statement-breakpoint
-- The days that exist, one index at a time: a storage parameter change, no rewrite and no scan, under a short lock
-- on the index.
DO $$
DECLARE
  day_index regclass;
BEGIN
  FOR day_index IN
    SELECT i.indexrelid::regclass
    FROM pg_inherits p
    JOIN pg_index i ON i.indrelid = p.inhrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    WHERE p.inhparent = 'events'::regclass AND am.amname = 'btree'
  LOOP
    EXECUTE format('ALTER INDEX %s SET (fillfactor = 100)', day_index);
  END LOOP;
END
$$;

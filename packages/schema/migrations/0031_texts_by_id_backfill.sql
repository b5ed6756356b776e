-- The texts_by_id_0031 backfill: rows that hold a subject, friendly_from or transmission_id as text (stored before
-- 0030, or before its ids' index was complete) get them as ids into event_texts, as loads store them now, by copying
-- each day into a shadow table swapped in for it (src/backfills/texts-by-id.ts, the event-bodies backfill's copy and
-- swap). A day's rows may only hold ids once the day has its copy of the ids' index, and loads only name texts once
-- every day has one (msgevents_text_refs_enabled), so the days are queued at that moment: here when it is so already
-- (a database that was empty at 0030, or whose text_refs_index_0030 backfill is done), else by the last day's fill of
-- that backfill below, which then queues every day stored, including those created since this migration.
-- A day swapped in by the event-bodies backfill (0018) before its text_refs_index_0030 fill gets its copy of the ids'
-- index from the swap's ATTACH PARTITION, which attaches it without checking whether the parent index is now valid
-- (only ALTER INDEX … ATTACH PARTITION does): the fill then found the copy there, attached nothing, and the parent
-- index could stay invalid with every day holding its copy. Attaching a copy again makes PostgreSQL check; catalog
-- work only.
DO $$
DECLARE
  any_copy text;
BEGIN
  IF NOT msgevents_text_refs_enabled() AND NOT EXISTS (
    SELECT FROM pg_inherits AS p
    WHERE p.inhparent = 'events'::regclass
      AND NOT EXISTS (
        SELECT FROM pg_index AS i JOIN pg_inherits AS ih ON ih.inhrelid = i.indexrelid
        WHERE i.indrelid = p.inhrelid AND ih.inhparent = 'events_text_refs_idx'::regclass
      )
  ) THEN
    SELECT ih.inhrelid::regclass::text INTO any_copy
    FROM pg_inherits AS ih WHERE ih.inhparent = 'events_text_refs_idx'::regclass LIMIT 1;
    IF any_copy IS NOT NULL THEN
      EXECUTE format('ALTER INDEX events_text_refs_idx ATTACH PARTITION %s', any_copy);
    END IF;
  END IF;
END
$$;
--> statement-breakpoint
SELECT msgevents_register_backfill('texts_by_id_0031', msgevents_text_refs_enabled());
--> statement-breakpoint
-- 0030's fill of one day's copy of the ids' index, which now attaches the day's copy also when it is there already
-- (see above: so that the last day makes the parent index valid however its copy came), and, once the parent index
-- is valid, queues the days of the texts_by_id_0031 backfill.
CREATE OR REPLACE FUNCTION msgevents_fill_text_refs_index(day date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_lock_day_for_backfill(day);
  parent_index regclass := 'events_text_refs_idx'::regclass;
  day_schema text;
  day_name text;
  day_copy regclass;
BEGIN
  IF day_partition IS NULL THEN
    RETURN 0;
  END IF;
  SELECT ih.inhrelid::regclass INTO day_copy
  FROM pg_inherits ih JOIN pg_index i ON i.indexrelid = ih.inhrelid
  WHERE ih.inhparent = parent_index AND i.indrelid = day_partition;
  IF day_copy IS NULL THEN
    SELECT n.nspname, c.relname INTO STRICT day_schema, day_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = day_partition;
    EXECUTE format(
      'CREATE INDEX %I ON %s%s',
      day_name || '_array_remove_idx',
      day_partition,
      substring(pg_get_indexdef(parent_index) FROM ' USING .*$')
    );
    -- A short pending list, as every day's GIN indexes have (0007, 0027).
    EXECUTE format('ALTER INDEX %I.%I SET (gin_pending_list_limit = 256)', day_schema, day_name || '_array_remove_idx');
    day_copy := format('%I.%I', day_schema, day_name || '_array_remove_idx')::regclass;
  END IF;
  EXECUTE format('ALTER INDEX %s ATTACH PARTITION %s', parent_index, day_copy);
  IF msgevents_text_refs_enabled() THEN
    PERFORM msgevents_register_backfill('texts_by_id_0031', true);
  END IF;
  RETURN (SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = day_partition);
END
$$;
--> statement-breakpoint
-- Whether a day holds a row the backfill would change: a text that event_texts names, or could name (it holds fewer
-- than about 100,000 texts, 0030's cap). A day without one is done without being copied.
CREATE OR REPLACE FUNCTION msgevents_day_has_unnamed_texts(day date) RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT EXISTS (
    SELECT FROM events AS e
    CROSS JOIN LATERAL (VALUES (1::smallint, e.subject), (2::smallint, e.friendly_from), (3::smallint, e.transmission_id))
      AS t(field, value)
    WHERE e.event_time >= day::timestamp AT TIME ZONE 'UTC' AND e.event_time < (day + 1)::timestamp AT TIME ZONE 'UTC'
      AND t.value IS NOT NULL
      AND ((SELECT c.reltuples FROM pg_class AS c WHERE c.oid = 'event_texts'::regclass) < 100000
           OR EXISTS (SELECT FROM event_texts AS x WHERE x.field = t.field AND x.value = t.value))
  )
$$;
--> statement-breakpoint
-- 0030's removal of the texts among `candidates` that no stored event names, which now also keeps those a day's shadow
-- names (this backfill's copy, committed step by step, names texts its rows will hold once swapped in; the shadow has
-- no index before its copy is done, so each shadow is read once for all candidates, which are hashed: the maintenance
-- checks every text). Same lock as 0030's: a copy
-- step names its texts holding it shared, so its rows are in the shadow by the time the removal checks.
CREATE OR REPLACE FUNCTION msgevents_collect_event_texts(candidates integer[]) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  shadow regclass;
  named integer[];
  kept integer[] := '{}';
  removed integer;
BEGIN
  PERFORM pg_advisory_xact_lock(727110030);
  FOR shadow IN
    SELECT c.oid::regclass FROM pg_class AS c
    WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'events'::regclass)
      AND c.relkind = 'r' AND c.relname ~ '^events_[0-9]{8}_shadow$'
  LOOP
    EXECUTE format(
      'SELECT array_agg(DISTINCT r.id) FROM %s AS e
       CROSS JOIN LATERAL unnest(ARRAY[e.subject_ref, e.friendly_from_ref, e.transmission_ref]) AS r(id)
       WHERE r.id IN (SELECT unnest($1::integer[]))',
      shadow
    ) INTO named USING candidates;
    kept := kept || coalesce(named, '{}');
  END LOOP;
  DELETE FROM event_texts AS t
  WHERE t.id = ANY(candidates)
    AND t.id NOT IN (SELECT unnest(kept))
    AND NOT EXISTS (
      SELECT FROM events AS e
      WHERE array_remove(ARRAY[e.subject_ref, e.friendly_from_ref, e.transmission_ref], NULL) @> ARRAY[t.id]
        AND (e.subject_ref IS NOT NULL OR e.friendly_from_ref IS NOT NULL OR e.transmission_ref IS NOT NULL)
    );
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END
$$;

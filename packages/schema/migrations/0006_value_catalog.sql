-- Search support (packages/query): keeps search_values, the distinct campaign and template values, and counts events by
-- value per partition. See packages/query/README.md ("Campaign and template searches").

-- What one event adds to search_values: its campaign and template values, or a `<field>:overlong` marker for a value
-- too long for its column (kept in payload only, where the value B-trees cannot find it).
CREATE OR REPLACE FUNCTION msgevents_search_values_of(campaign_id text, template_id text, payload jsonb)
RETURNS TABLE (field text, value text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT 'campaign_id', campaign_id WHERE campaign_id IS NOT NULL
  UNION ALL
  SELECT 'template_id', template_id WHERE template_id IS NOT NULL
  UNION ALL
  SELECT 'campaign_id:overlong', '' WHERE campaign_id IS NULL AND payload ->> 'campaign_id' IS NOT NULL
  UNION ALL
  SELECT 'template_id:overlong', '' WHERE template_id IS NULL AND payload ->> 'template_id' IS NOT NULL
$$;
--> statement-breakpoint
-- Runs once per INSERT statement on events, over the rows it actually inserted (ON CONFLICT skips are not in
-- new_events), inside the loader's transaction: values become searchable exactly when their events do. Sorted so
-- that concurrent loaders adding the same new value wait for each other in one order.
CREATE OR REPLACE FUNCTION msgevents_record_search_values() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO search_values (field, value)
  SELECT DISTINCT seen.field, seen.value
  FROM new_events CROSS JOIN LATERAL msgevents_search_values_of(campaign_id, template_id, payload) AS seen
  ORDER BY seen.field, seen.value
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_record_search_values
AFTER INSERT ON events
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION msgevents_record_search_values();
--> statement-breakpoint
-- Events stored before this migration.
INSERT INTO search_values (field, value)
SELECT DISTINCT seen.field, seen.value
FROM events CROSS JOIN LATERAL msgevents_search_values_of(campaign_id, template_id, payload) AS seen
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- The number of events in [from_time, to_time) whose column holds one of `wanted`. Counted partition by partition
-- because PostgreSQL keeps the event_time condition even on a partition the window covers whole, and that condition
-- would turn an index-only count of the value B-tree into heap reads: whole days are counted by value alone, only
-- the two edge days also by time. Partitions are UTC days named by msgevents_partition_name.
CREATE OR REPLACE FUNCTION msgevents_count_by_value(
  column_name text,
  wanted text[],
  from_time timestamptz,
  to_time timestamptz
) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
  first_day date := (from_time AT TIME ZONE 'UTC')::date;
  last_day date := ((to_time - interval '1 microsecond') AT TIME ZONE 'UTC')::date;
  day_partition regclass;
  day_start timestamptz;
  counted bigint;
  total bigint := 0;
BEGIN
  IF column_name NOT IN ('campaign_id', 'template_id') THEN
    RAISE EXCEPTION 'msgevents_count_by_value: % has no value index', column_name USING ERRCODE = '22023';
  END IF;
  -- The existing partitions only (a window may span years), found by name: YYYYMMDD sorts as the days do.
  FOR day_partition, day_start IN
    SELECT c.oid::regclass, to_date(substr(c.relname, 8), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC'
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass
      AND c.relname ~ '^events_[0-9]{8}$'
      AND c.relname BETWEEN msgevents_partition_name(first_day) AND msgevents_partition_name(last_day)
  LOOP
    IF day_start >= from_time AND day_start + interval '1 day' <= to_time THEN
      EXECUTE format('SELECT count(*) FROM %s WHERE %I = ANY ($1)', day_partition, column_name)
        INTO counted USING wanted;
    ELSE
      EXECUTE format(
        'SELECT count(*) FROM %s WHERE %I = ANY ($1) AND event_time >= $2 AND event_time < $3',
        day_partition, column_name
      ) INTO counted USING wanted, from_time, to_time;
    END IF;
    total := total + counted;
  END LOOP;
  RETURN total;
END;
$$;

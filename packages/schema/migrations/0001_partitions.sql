-- Partition management for events: one partition per UTC day, created ahead of time and on demand for any event time
-- (SparkPost's sample events are dated 2016). There is deliberately no DEFAULT partition: a row for a missing day
-- fails loudly instead of landing where a later CREATE ... PARTITION OF would have to scan and move it.

CREATE OR REPLACE FUNCTION msgevents_partition_name(day date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'events_' || to_char(day, 'YYYYMMDD') $$;
--> statement-breakpoint
-- Creates the missing daily partitions covering [first_day, last_day]; returns how many it created. Creating a
-- partition locks the parent, so callers run this in a short transaction of its own, never inside a load.
CREATE OR REPLACE FUNCTION msgevents_ensure_partitions(first_day date, last_day date) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  day date := first_day;
  created integer := 0;
  partition_name text;
BEGIN
  IF first_day IS NULL OR last_day IS NULL OR last_day < first_day THEN
    RAISE EXCEPTION 'msgevents_ensure_partitions: invalid day range % .. %', first_day, last_day;
  END IF;
  IF last_day - first_day > 3660 THEN
    RAISE EXCEPTION 'msgevents_ensure_partitions: refusing to create more than ten years of partitions at once';
  END IF;
  WHILE day <= last_day LOOP
    partition_name := msgevents_partition_name(day);
    IF to_regclass(quote_ident(partition_name)) IS NULL THEN
      -- Serializes concurrent creators (two loaders meeting the same new day) within this transaction.
      PERFORM pg_advisory_xact_lock(hashtext('msgevents.events.partitions'));
      IF to_regclass(quote_ident(partition_name)) IS NULL THEN
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
          partition_name,
          to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
          to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
        );
        created := created + 1;
      END IF;
    END IF;
    day := day + 1;
  END LOOP;
  RETURN created;
END
$$;

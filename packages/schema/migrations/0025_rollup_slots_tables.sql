CREATE TABLE "bounce_rollup_quarters" (
	"dimension" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"value" text NOT NULL,
	"reason" text NOT NULL,
	"bounce_class" smallint NOT NULL,
	"quarters" smallint[],
	"quarter_count_inband_bounce" integer[],
	"quarter_count_outofband_bounce" integer[],
	"quarter_count_admin_bounce" integer[]
);
--> statement-breakpoint
CREATE TABLE "metric_rollup_quarters" (
	"dimension" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"value" text NOT NULL,
	"quarters" smallint[],
	"quarter_count_injected" integer[],
	"quarter_count_policy_rejection" integer[],
	"quarter_count_generation_rejection" integer[],
	"quarter_count_generation_failed" integer[],
	"quarter_count_delivered" integer[],
	"quarter_count_delivered_first" integer[],
	"quarter_count_delivered_subsequent" integer[],
	"quarter_count_delayed" integer[],
	"quarter_count_delayed_first" integer[],
	"quarter_count_inband_bounce" integer[],
	"quarter_count_outofband_bounce" integer[],
	"quarter_count_hard_bounce" integer[],
	"quarter_count_soft_bounce" integer[],
	"quarter_count_block_bounce" integer[],
	"quarter_count_undetermined_bounce" integer[],
	"quarter_count_admin_bounce" integer[],
	"quarter_count_rendered" integer[],
	"quarter_count_initial_rendered" integer[],
	"quarter_count_clicked" integer[],
	"quarter_count_spam_complaint" integer[],
	"quarter_count_unsubscribe" integer[],
	"quarter_count_unique_rendered" integer[],
	"quarter_count_unique_initial_rendered" integer[],
	"quarter_count_unique_clicked" integer[],
	"quarter_count_unique_confirmed_opened" integer[],
	"quarter_total_delivery_time_first" bigint[],
	"quarter_total_delivery_time_subsequent" bigint[],
	"quarter_total_msg_volume" bigint[],
	CONSTRAINT "metric_rollup_quarters_pkey" PRIMARY KEY("dimension","bucket_start","value")
);
--> statement-breakpoint
CREATE TABLE "reason_rollup_hours" (
	"dimension" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"value" text NOT NULL,
	"reason" text NOT NULL,
	"hours" smallint[],
	"hour_count_delayed" integer[],
	"hour_count_delayed_first" integer[],
	"hour_count_policy_rejection" integer[],
	"hour_count_generation_rejection" integer[],
	"hour_count_generation_failed" integer[]
);
--> statement-breakpoint
CREATE INDEX "bounce_rollup_quarters_value_idx" ON "bounce_rollup_quarters" USING btree ("dimension","bucket_start","value");--> statement-breakpoint
CREATE INDEX "reason_rollup_hours_value_idx" ON "reason_rollup_hours" USING btree ("dimension","bucket_start","value");--> statement-breakpoint
-- Hand-written from here (drizzle-kit cannot express functions or triggers). The tables above are empty: the hourly
-- maintenance fills them as it compacts ended days, and moves there the arrays 0023 put in the day rows (nothing
-- stored is rewritten here); see src/db/tables.ts (metricRollupQuarters).
--
-- A compacted day goes with its day row: retention and the rollups' recounts delete day rows (bucket_minutes 1440),
-- and these statement triggers delete the compacted rows of the same dimension, day and key. Loads never delete
-- rollups, so they never fire on a load; the compaction's own deletes (rows of the smaller increment) match no day row.
CREATE OR REPLACE FUNCTION msgevents_delete_metric_rollup_quarters() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM metric_rollup_quarters AS s
  USING deleted_rollups AS d
  WHERE d.bucket_minutes = 1440 AND s.dimension = d.dimension AND s.bucket_start = d.bucket_start
    AND s.value = d.value;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION msgevents_delete_bounce_rollup_quarters() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM bounce_rollup_quarters AS s
  USING deleted_rollups AS d
  WHERE d.bucket_minutes = 1440 AND s.dimension = d.dimension AND s.bucket_start = d.bucket_start
    AND s.value = d.value AND s.reason = d.reason AND s.bounce_class = d.bounce_class;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION msgevents_delete_reason_rollup_hours() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  DELETE FROM reason_rollup_hours AS s
  USING deleted_rollups AS d
  WHERE d.bucket_minutes = 1440 AND s.dimension = d.dimension AND s.bucket_start = d.bucket_start
    AND s.value = d.value AND s.reason = d.reason;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER metric_rollups_delete_quarters AFTER DELETE ON metric_rollups
  REFERENCING OLD TABLE AS deleted_rollups FOR EACH STATEMENT EXECUTE FUNCTION msgevents_delete_metric_rollup_quarters();
--> statement-breakpoint
CREATE TRIGGER bounce_rollups_delete_quarters AFTER DELETE ON bounce_rollups
  REFERENCING OLD TABLE AS deleted_rollups FOR EACH STATEMENT EXECUTE FUNCTION msgevents_delete_bounce_rollup_quarters();
--> statement-breakpoint
CREATE TRIGGER reason_rollups_delete_hours AFTER DELETE ON reason_rollups
  REFERENCING OLD TABLE AS deleted_rollups FOR EACH STATEMENT EXECUTE FUNCTION msgevents_delete_reason_rollup_hours();
--> statement-breakpoint
-- One ended day's rows of the smaller increment of a rollup table (`slot_minutes`: the quarter hours of
-- metric_rollups and bounce_rollups, the hours of reason_rollups; primary key bucket_minutes, dimension, bucket_start
-- and then `key_columns`) moved into `slots_table`, one row per dimension, day and key, as arrays named after the
-- increment (`quarters` and `quarter_<counter>`, `hours` and `hour_<counter>`), merged with the elements already
-- there (events that arrived after an earlier run: that row is replaced) and with those 0023 left in the day rows
-- (which are emptied). Rows are locked in key order, as the loaders' upserts take them (every row of the smaller
-- increment before any day row), and only the rows locked are touched; a row whose day has no row (the triggers and
-- fills never write one without the other) is left where it is. Every day row of the day is locked until the commit,
-- so no two runs write a day's compacted rows at once: bounce_rollup_quarters and reason_rollup_hours have no unique
-- key (it would repeat the reason's text), and need none. A zero sum is stored as NULL, and a counter's array as NULL where all of
-- the day's elements are. Each counter's elements are unnested in step in a select list (ProjectSet), not by
-- unnest(a, b, …) in FROM, which stores every array in a tuplestore first (6 times slower). Returns how many rows
-- moved (rows of the smaller increment, and day rows emptied). Called by msgevents_compact_rollups, which serializes it
-- with the rollups' backfills and with itself.
CREATE OR REPLACE FUNCTION msgevents_compact_rollup_slots(rollup_table text, slot_minutes integer, key_columns text[],
  counters text[], ended date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  ended_start timestamptz := ended::timestamp AT TIME ZONE 'UTC';
  slot text := CASE slot_minutes WHEN 15 THEN 'quarter' WHEN 60 THEN 'hour' END;
  slots_table text := CASE rollup_table
    WHEN 'metric_rollups' THEN 'metric_rollup_quarters'
    WHEN 'bounce_rollups' THEN 'bounce_rollup_quarters'
    WHEN 'reason_rollups' THEN 'reason_rollup_hours'
  END;
  keys text := (SELECT string_agg(format('%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o));
  slot_rows tid[];
  day_rows tid[];
  moved bigint;
BEGIN
  IF slot IS NULL OR slots_table IS NULL THEN
    RAISE EXCEPTION 'msgevents_compact_rollup_slots: no compacted arrays for % by % minutes', rollup_table, slot_minutes;
  END IF;
  -- The rows to move and their day rows, locked and remembered (the locked versions' ctids): the move below touches
  -- no other row. A row a loader stores meanwhile stays where it is (the next run moves it); touching it could wait
  -- for a loader that waits for a day row locked here.
  EXECUTE format(
    'SELECT array_agg(ctid) FROM (SELECT ctid FROM %1$I WHERE bucket_minutes = $2 AND bucket_start >= $1
       AND bucket_start < $1 + interval ''1 day'' ORDER BY dimension, bucket_start, %2$s FOR UPDATE) AS locked',
    rollup_table, keys) INTO slot_rows USING ended_start, slot_minutes;
  EXECUTE format(
    'SELECT array_agg(ctid) FROM (SELECT ctid FROM %1$I WHERE bucket_minutes = 1440 AND bucket_start = $1
       ORDER BY dimension, %2$s FOR UPDATE) AS locked',
    rollup_table, keys) INTO day_rows USING ended_start;
  IF day_rows IS NULL THEN
    RETURN 0;
  END IF;
  EXECUTE format($sql$
    WITH day_rows AS (
      SELECT d.ctid AS row_id, d.* FROM %1$I AS d WHERE d.ctid = ANY ($4)
    ),
    slot_rows AS (
      DELETE FROM %1$I AS q
      WHERE q.ctid = ANY ($3)
        AND EXISTS (SELECT FROM day_rows AS d WHERE d.dimension = q.dimension AND %2$s)
      RETURNING q.dimension, %3$s, (extract(epoch FROM q.bucket_start - $1) / ($2 * 60))::smallint AS slot, %4$s
    ),
    replaced AS (
      DELETE FROM %16$I AS d
      WHERE d.bucket_start = $1 AND (d.dimension, %7$s) IN (SELECT q.dimension, %3$s FROM slot_rows AS q)
      RETURNING d.*
    ),
    emptied AS (
      UPDATE %1$I AS d SET %9$I = NULL, %15$s
      FROM day_rows AS o
      WHERE d.ctid = o.row_id AND o.%9$I IS NOT NULL
      RETURNING o.*
    ),
    merged AS (
      SELECT m.dimension, %5$s, m.slot, %6$s
      FROM (
        SELECT q.dimension, %3$s, q.slot, %4$s FROM slot_rows AS q
        UNION ALL
        SELECT u.dimension, %10$s, u.slot, %11$s
        FROM (SELECT d.dimension, %7$s, unnest(d.%9$I) AS slot, %8$s FROM emptied AS d) AS u
        UNION ALL
        SELECT u.dimension, %10$s, u.slot, %11$s
        FROM (SELECT d.dimension, %7$s, unnest(d.%9$I) AS slot, %8$s FROM replaced AS d) AS u
      ) AS m
      GROUP BY m.dimension, %5$s, m.slot
    ),
    compacted AS (
      SELECT m.dimension, %5$s, array_agg(m.slot ORDER BY m.slot) AS slots, %12$s
      FROM merged AS m
      GROUP BY m.dimension, %5$s
    ),
    written AS (
      INSERT INTO %16$I (dimension, bucket_start, %17$s, %9$I, %13$s)
      SELECT c.dimension, $1, %18$s, c.slots, %14$s FROM compacted AS c
    )
    SELECT (SELECT count(*) FROM slot_rows) + (SELECT count(*) FROM emptied)
    $sql$,
    rollup_table,
    (SELECT string_agg(format('d.%1$I = q.%1$I', k), ' AND ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('q.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('q.%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('m.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('nullif(sum(m.%1$I), 0) AS %1$I', c), ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('d.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('unnest(d.%I) AS %I', slot || '_' || c, c), ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    slot || 's',
    (SELECT string_agg(format('u.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('u.%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('CASE WHEN count(m.%1$I) > 0 THEN array_agg(m.%1$I ORDER BY m.slot) END AS %1$I', c),
                       ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('%I', slot || '_' || c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('c.%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('%I = NULL', slot || '_' || c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    slots_table,
    keys,
    (SELECT string_agg(format('c.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o))
  ) INTO moved USING ended_start, slot_minutes, slot_rows, day_rows;
  RETURN moved;
END
$$;
--> statement-breakpoint
-- The UTC days before `today` that still have rows to compact, in search_token_counts (0022), metric_rollups,
-- bounce_rollups or reason_rollups (rows of the smaller increment, or day rows holding 0023's arrays, through their
-- partial indexes of 0024), oldest first: the days the maintenance compacts next. Replaces 0023's.
CREATE OR REPLACE FUNCTION msgevents_days_to_compact(today date) RETURNS SETOF date
LANGUAGE sql STABLE
AS $$
  SELECT day FROM (
    SELECT (c.bucket_start AT TIME ZONE 'UTC')::date AS day
    FROM search_token_counts AS c
    WHERE c.bucket_start < today::timestamp AT TIME ZONE 'UTC'
    UNION
    SELECT (r.bucket_start AT TIME ZONE 'UTC')::date
    FROM metric_rollups AS r
    WHERE (r.bucket_minutes = 15 OR r.quarters IS NOT NULL) AND r.bucket_start < today::timestamp AT TIME ZONE 'UTC'
    UNION
    SELECT (b.bucket_start AT TIME ZONE 'UTC')::date
    FROM bounce_rollups AS b
    WHERE (b.bucket_minutes = 15 OR b.quarters IS NOT NULL) AND b.bucket_start < today::timestamp AT TIME ZONE 'UTC'
    UNION
    SELECT (h.bucket_start AT TIME ZONE 'UTC')::date
    FROM reason_rollups AS h
    WHERE (h.bucket_minutes = 60 OR h.hours IS NOT NULL) AND h.bucket_start < today::timestamp AT TIME ZONE 'UTC'
  ) AS days
  ORDER BY 1
$$;

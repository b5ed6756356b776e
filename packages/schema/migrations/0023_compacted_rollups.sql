ALTER TABLE "bounce_rollups" ADD COLUMN "quarters" smallint[];--> statement-breakpoint
ALTER TABLE "bounce_rollups" ADD COLUMN "quarter_count_inband_bounce" integer[];--> statement-breakpoint
ALTER TABLE "bounce_rollups" ADD COLUMN "quarter_count_outofband_bounce" integer[];--> statement-breakpoint
ALTER TABLE "bounce_rollups" ADD COLUMN "quarter_count_admin_bounce" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarters" smallint[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_injected" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_policy_rejection" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_generation_rejection" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_generation_failed" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_delivered" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_delivered_first" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_delivered_subsequent" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_delayed" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_delayed_first" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_inband_bounce" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_outofband_bounce" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_hard_bounce" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_soft_bounce" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_block_bounce" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_undetermined_bounce" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_admin_bounce" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_rendered" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_initial_rendered" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_clicked" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_spam_complaint" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_unsubscribe" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_unique_rendered" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_unique_initial_rendered" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_unique_clicked" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_count_unique_confirmed_opened" integer[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_total_delivery_time_first" bigint[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_total_delivery_time_subsequent" bigint[];--> statement-breakpoint
ALTER TABLE "metric_rollups" ADD COLUMN "quarter_total_msg_volume" bigint[];--> statement-breakpoint
ALTER TABLE "reason_rollups" ADD COLUMN "hours" smallint[];--> statement-breakpoint
ALTER TABLE "reason_rollups" ADD COLUMN "hour_count_delayed" integer[];--> statement-breakpoint
ALTER TABLE "reason_rollups" ADD COLUMN "hour_count_delayed_first" integer[];--> statement-breakpoint
ALTER TABLE "reason_rollups" ADD COLUMN "hour_count_policy_rejection" integer[];--> statement-breakpoint
ALTER TABLE "reason_rollups" ADD COLUMN "hour_count_generation_rejection" integer[];--> statement-breakpoint
ALTER TABLE "reason_rollups" ADD COLUMN "hour_count_generation_failed" integer[];
--> statement-breakpoint
-- Hand-written from here (drizzle-kit cannot express functions). The columns above are NULL in every row until the
-- maintenance compacts a day (nothing stored is rewritten here); see src/db/tables.ts (slotArrays).
--
-- One ended day's rows of the smaller increment of a rollup table (`slot_minutes`: the quarter hours of
-- metric_rollups and bounce_rollups, the hours of reason_rollups; primary key bucket_minutes, dimension, bucket_start
-- and then `key_columns`) moved into their day's rows, as arrays named after the increment (`quarters` and
-- `quarter_<counter>`, `hours` and `hour_<counter>`), merged with the elements an earlier run put there (events that
-- arrived after it). Rows are locked in key order, as the loaders' upserts take them (every row of the smaller
-- increment before any day row), and only the rows locked are touched; a row whose day has no row (the triggers and
-- fills never write one without the other) is left where it is. A zero sum is stored as NULL, and a counter's array as NULL where all of the day's
-- elements are. Returns how many rows moved. Called by msgevents_compact_rollups, which serializes it with the
-- rollups' backfills.
CREATE OR REPLACE FUNCTION msgevents_compact_rollup_slots(rollup_table text, slot_minutes integer, key_columns text[],
  counters text[], ended date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  ended_start timestamptz := ended::timestamp AT TIME ZONE 'UTC';
  slot text := CASE slot_minutes WHEN 15 THEN 'quarter' WHEN 60 THEN 'hour' END;
  keys text := (SELECT string_agg(format('%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o));
  slot_rows tid[];
  day_rows tid[];
  moved bigint;
BEGIN
  IF slot IS NULL THEN
    RAISE EXCEPTION 'msgevents_compact_rollup_slots: no compacted arrays for % minutes', slot_minutes;
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
  IF slot_rows IS NULL OR day_rows IS NULL THEN
    RETURN 0;
  END IF;
  EXECUTE format($sql$
    WITH day_rows AS (
      SELECT d.* FROM %1$I AS d WHERE d.ctid = ANY ($4)
    ),
    slot_rows AS (
      DELETE FROM %1$I AS q
      WHERE q.ctid = ANY ($3)
        AND EXISTS (SELECT FROM day_rows AS d WHERE d.dimension = q.dimension AND %2$s)
      RETURNING q.dimension, %3$s, (extract(epoch FROM q.bucket_start - $1) / ($2 * 60))::smallint AS slot, %4$s
    ),
    merged AS (
      SELECT m.dimension, %5$s, m.slot, %6$s
      FROM (
        SELECT q.dimension, %3$s, q.slot, %4$s FROM slot_rows AS q
        UNION ALL
        SELECT d.dimension, %7$s, u.slot, %8$s
        FROM day_rows AS d CROSS JOIN LATERAL unnest(d.%9$I, %10$s) AS u(slot, %11$s)
        WHERE d.%9$I IS NOT NULL AND (d.dimension, %7$s) IN (SELECT q.dimension, %3$s FROM slot_rows AS q)
      ) AS m
      GROUP BY m.dimension, %5$s, m.slot
    ),
    compacted AS (
      SELECT m.dimension, %5$s, array_agg(m.slot ORDER BY m.slot) AS slots, %12$s
      FROM merged AS m
      GROUP BY m.dimension, %5$s
    ),
    updated AS (
      UPDATE %1$I AS d SET %9$I = c.slots, %13$s
      FROM compacted AS c
      WHERE d.ctid = ANY ($4) AND d.dimension = c.dimension AND %14$s
    )
    SELECT count(*) FROM slot_rows
    $sql$,
    rollup_table,
    (SELECT string_agg(format('d.%1$I = q.%1$I', k), ' AND ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('q.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('q.%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('m.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('nullif(sum(m.%1$I), 0) AS %1$I', c), ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('d.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('u.%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    slot || 's',
    (SELECT string_agg(format('d.%I', slot || '_' || c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('CASE WHEN count(m.%1$I) > 0 THEN array_agg(m.%1$I ORDER BY m.slot) END AS %1$I', c),
                       ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('%I = c.%I', slot || '_' || c, c), ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('d.%1$I = c.%1$I', k), ' AND ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o))
  ) INTO moved USING ended_start, slot_minutes, slot_rows, day_rows;
  RETURN moved;
END
$$;
--> statement-breakpoint
-- One ended day's metric, bounce and reason rollups compacted (msgevents_compact_rollup_slots). The day partition is
-- locked in SHARE UPDATE EXCLUSIVE mode first, which loads (ROW EXCLUSIVE) pass but the rollup backfills' recount of
-- the day (SHARE) waits for, and the reverse. Returns how many rows moved.
CREATE OR REPLACE FUNCTION msgevents_compact_rollups(ended date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_day_partition(ended);
BEGIN
  IF day_partition IS NOT NULL THEN
    EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE', day_partition);
  END IF;
  RETURN msgevents_compact_rollup_slots('metric_rollups', 15, ARRAY['value'], ARRAY[
      'count_injected', 'count_policy_rejection', 'count_generation_rejection', 'count_generation_failed',
      'count_delivered', 'count_delivered_first', 'count_delivered_subsequent', 'count_delayed', 'count_delayed_first',
      'count_inband_bounce', 'count_outofband_bounce', 'count_hard_bounce', 'count_soft_bounce', 'count_block_bounce',
      'count_undetermined_bounce', 'count_admin_bounce', 'count_rendered', 'count_initial_rendered', 'count_clicked',
      'count_spam_complaint', 'count_unsubscribe', 'count_unique_rendered', 'count_unique_initial_rendered',
      'count_unique_clicked', 'count_unique_confirmed_opened', 'total_delivery_time_first',
      'total_delivery_time_subsequent', 'total_msg_volume'], ended)
    + msgevents_compact_rollup_slots('bounce_rollups', 15, ARRAY['value', 'reason', 'bounce_class'],
      ARRAY['count_inband_bounce', 'count_outofband_bounce', 'count_admin_bounce'], ended)
    + msgevents_compact_rollup_slots('reason_rollups', 60, ARRAY['value', 'reason'],
      ARRAY['count_delayed', 'count_delayed_first', 'count_policy_rejection', 'count_generation_rejection',
            'count_generation_failed'], ended);
END
$$;
--> statement-breakpoint
-- The UTC days before `today` that still have rows to compact, in search_token_counts (0022), metric_rollups,
-- bounce_rollups or reason_rollups, oldest first: the days the maintenance compacts next. Replaces 0022's list of the
-- first alone.
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
    WHERE r.bucket_minutes = 15 AND r.bucket_start < today::timestamp AT TIME ZONE 'UTC'
    UNION
    SELECT (b.bucket_start AT TIME ZONE 'UTC')::date
    FROM bounce_rollups AS b
    WHERE b.bucket_minutes = 15 AND b.bucket_start < today::timestamp AT TIME ZONE 'UTC'
    UNION
    SELECT (h.bucket_start AT TIME ZONE 'UTC')::date
    FROM reason_rollups AS h
    WHERE h.bucket_minutes = 60 AND h.bucket_start < today::timestamp AT TIME ZONE 'UTC'
  ) AS days
  ORDER BY 1
$$;
--> statement-breakpoint
DROP FUNCTION msgevents_search_count_days_to_compact(date);

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
-- Hand-written from here (drizzle-kit cannot express functions). The columns above are NULL in every row until the
-- maintenance compacts a day (nothing stored is rewritten here); see src/db/tables.ts (quarterArrays).
--
-- One ended day's quarter-hour rows of a rollup table (metric_rollups or bounce_rollups, whose primary key is
-- bucket_minutes, dimension, bucket_start and then `key_columns`) moved into their day's rows, merged with the elements
-- an earlier run put there (events that arrived after it). Rows are locked in key order, as the loaders' upserts take
-- them (every quarter-hour row before any day row); a quarter-hour row whose day has no row (the triggers and fills
-- never write one without the other) is left where it is. A zero sum is stored as NULL, and a counter's array as NULL
-- where all of the day's elements are. Returns how many quarter-hour rows moved. Called by
-- msgevents_compact_rollups, which serializes it with the rollups' backfills.
CREATE OR REPLACE FUNCTION msgevents_compact_rollup_quarters(rollup_table text, key_columns text[], counters text[],
  ended date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  ended_start timestamptz := ended::timestamp AT TIME ZONE 'UTC';
  keys text := (SELECT string_agg(format('%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o));
  same_key text := (SELECT string_agg(format('d.%1$I = q.%1$I', k), ' AND ' ORDER BY o)
                    FROM unnest(key_columns) WITH ORDINALITY AS u(k, o));
  moved bigint;
BEGIN
  EXECUTE format(
    'SELECT count(*) FROM (SELECT FROM %1$I WHERE bucket_minutes = 15 AND bucket_start >= $1
       AND bucket_start < $1 + interval ''1 day'' ORDER BY dimension, bucket_start, %2$s FOR UPDATE) AS locked',
    rollup_table, keys) USING ended_start;
  EXECUTE format(
    'SELECT count(*) FROM (SELECT FROM %1$I WHERE bucket_minutes = 1440 AND bucket_start = $1
       ORDER BY dimension, %2$s FOR UPDATE) AS locked',
    rollup_table, keys) USING ended_start;
  EXECUTE format($sql$
    WITH quarter_rows AS (
      DELETE FROM %1$I AS q
      WHERE q.bucket_minutes = 15 AND q.bucket_start >= $1 AND q.bucket_start < $1 + interval '1 day'
        AND EXISTS (SELECT FROM %1$I AS d WHERE d.bucket_minutes = 1440 AND d.bucket_start = $1
                    AND d.dimension = q.dimension AND %3$s)
      RETURNING q.dimension, %4$s, (extract(epoch FROM q.bucket_start - $1) / 900)::smallint AS quarter, %5$s
    ),
    merged AS (
      SELECT m.dimension, %6$s, m.quarter, %7$s
      FROM (
        SELECT q.dimension, %4$s, q.quarter, %5$s FROM quarter_rows AS q
        UNION ALL
        SELECT d.dimension, %8$s, u.quarter, %9$s
        FROM %1$I AS d CROSS JOIN LATERAL unnest(d.quarters, %10$s) AS u(quarter, %11$s)
        WHERE d.bucket_minutes = 1440 AND d.bucket_start = $1 AND d.quarters IS NOT NULL
          AND (d.dimension, %8$s) IN (SELECT q.dimension, %4$s FROM quarter_rows AS q)
      ) AS m
      GROUP BY m.dimension, %6$s, m.quarter
    ),
    compacted AS (
      SELECT m.dimension, %6$s, array_agg(m.quarter ORDER BY m.quarter) AS quarters, %12$s
      FROM merged AS m
      GROUP BY m.dimension, %6$s
    ),
    updated AS (
      UPDATE %1$I AS d SET quarters = c.quarters, %13$s
      FROM compacted AS c
      WHERE d.bucket_minutes = 1440 AND d.bucket_start = $1 AND d.dimension = c.dimension AND %14$s
    )
    SELECT count(*) FROM quarter_rows
    $sql$,
    rollup_table,
    keys,
    same_key,
    (SELECT string_agg(format('q.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('q.%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('m.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('nullif(sum(m.%1$I), 0) AS %1$I', c), ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('d.%I', k), ', ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o)),
    (SELECT string_agg(format('u.%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('d.%I', 'quarter_' || c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('%I', c), ', ' ORDER BY o) FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('CASE WHEN count(m.%1$I) > 0 THEN array_agg(m.%1$I ORDER BY m.quarter) END AS %1$I', c),
                       ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('%I = c.%I', 'quarter_' || c, c), ', ' ORDER BY o)
     FROM unnest(counters) WITH ORDINALITY AS u(c, o)),
    (SELECT string_agg(format('d.%1$I = c.%1$I', k), ' AND ' ORDER BY o) FROM unnest(key_columns) WITH ORDINALITY AS u(k, o))
  ) INTO moved USING ended_start;
  RETURN moved;
END
$$;
--> statement-breakpoint
-- One ended day's metric and bounce rollups compacted (msgevents_compact_rollup_quarters). The day partition is
-- locked in SHARE UPDATE EXCLUSIVE mode first, which loads (ROW EXCLUSIVE) pass but the rollup backfills' recount of
-- the day (SHARE) waits for, and the reverse. Returns how many quarter-hour rows moved.
CREATE OR REPLACE FUNCTION msgevents_compact_rollups(ended date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_day_partition(ended);
BEGIN
  IF day_partition IS NOT NULL THEN
    EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE', day_partition);
  END IF;
  RETURN msgevents_compact_rollup_quarters('metric_rollups', ARRAY['value'], ARRAY[
      'count_injected', 'count_policy_rejection', 'count_generation_rejection', 'count_generation_failed',
      'count_delivered', 'count_delivered_first', 'count_delivered_subsequent', 'count_delayed', 'count_delayed_first',
      'count_inband_bounce', 'count_outofband_bounce', 'count_hard_bounce', 'count_soft_bounce', 'count_block_bounce',
      'count_undetermined_bounce', 'count_admin_bounce', 'count_rendered', 'count_initial_rendered', 'count_clicked',
      'count_spam_complaint', 'count_unsubscribe', 'count_unique_rendered', 'count_unique_initial_rendered',
      'count_unique_clicked', 'count_unique_confirmed_opened', 'total_delivery_time_first',
      'total_delivery_time_subsequent', 'total_msg_volume'], ended)
    + msgevents_compact_rollup_quarters('bounce_rollups', ARRAY['value', 'reason', 'bounce_class'],
      ARRAY['count_inband_bounce', 'count_outofband_bounce', 'count_admin_bounce'], ended);
END
$$;
--> statement-breakpoint
-- The UTC days before `today` that still have quarter-hour rows to compact, in search_token_counts (0022),
-- metric_rollups or bounce_rollups, oldest first: the days the maintenance compacts next. Replaces 0022's list of
-- the first alone.
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
  ) AS days
  ORDER BY 1
$$;
--> statement-breakpoint
DROP FUNCTION msgevents_search_count_days_to_compact(date);

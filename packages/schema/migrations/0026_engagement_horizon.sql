CREATE TABLE "metric_engagement_pruned" (
	"day" date PRIMARY KEY NOT NULL
);
--> statement-breakpoint
-- The days whose metric_engagement rows are due for pruning: each day before `keep_from` that still has rows (a day
-- crossing the late-arrival horizon, or a pruned day that late events wrote rows for again). Read as a loose index
-- scan of the primary key: one probe per day, however many rows each has.
CREATE OR REPLACE FUNCTION msgevents_engagement_days_to_prune(keep_from date) RETURNS SETOF date
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH RECURSIVE days(day) AS (
    SELECT min(g.day) FROM metric_engagement AS g WHERE g.day < keep_from
    UNION ALL
    SELECT (SELECT min(g.day) FROM metric_engagement AS g WHERE g.day > days.day AND g.day < keep_from)
    FROM days WHERE days.day IS NOT NULL
  )
  SELECT days.day FROM days WHERE days.day IS NOT NULL;
END;
--> statement-breakpoint
-- Prunes one day's metric_engagement rows. A row only tells the day's later engagement events whether their message
-- was already counted, and past the late-arrival horizon none is expected, while the rows cost more than the rollups
-- they guard. A pruned day with rows again was written by late events, each counted as its message's first of its
-- increments: its rollups are first recounted from the events (msgevents_fill_metric_rollups_0016), then its rows
-- deleted again. The day and the next (whose first half hour writes the day's rows) are locked against loads
-- meanwhile, so a load either wrote its rows before the prune, or runs after it and finds the day pruned. Markers of
-- days whose partitions are gone (retention) go with them. Returns 'pruned' or 'recounted'.
CREATE OR REPLACE FUNCTION msgevents_prune_engagement(prune_day date) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  recount boolean;
BEGIN
  PERFORM msgevents_lock_day_for_backfill(prune_day);
  PERFORM msgevents_lock_day_for_backfill(prune_day + 1);
  recount := EXISTS (SELECT FROM metric_engagement_pruned WHERE day = prune_day);
  IF recount THEN
    PERFORM msgevents_fill_metric_rollups_0016(prune_day);
  ELSE
    INSERT INTO metric_engagement_pruned (day) VALUES (prune_day);
  END IF;
  DELETE FROM metric_engagement WHERE day = prune_day;
  DELETE FROM metric_engagement_pruned AS p
  WHERE p.day < prune_day AND NOT msgevents_day_stored(p.day) AND NOT msgevents_day_stored(p.day + 1);
  RETURN CASE WHEN recount THEN 'recounted' ELSE 'pruned' END;
END
$$;

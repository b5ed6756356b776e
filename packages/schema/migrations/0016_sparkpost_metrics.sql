CREATE TABLE "metric_engagement" (
	"day" date NOT NULL,
	"message_id" text NOT NULL,
	"seen" smallint[] NOT NULL,
	CONSTRAINT "metric_engagement_pkey" PRIMARY KEY("day","message_id")
);
--> statement-breakpoint
CREATE TABLE "metric_unique_rollups" (
	"bucket_minutes" smallint NOT NULL,
	"dimension" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"value" text NOT NULL,
	"hour_rendered" integer DEFAULT 0 NOT NULL,
	"hour_initial_rendered" integer DEFAULT 0 NOT NULL,
	"hour_clicked" integer DEFAULT 0 NOT NULL,
	"hour_confirmed_opened" integer DEFAULT 0 NOT NULL,
	"hour15_rendered" integer DEFAULT 0 NOT NULL,
	"hour15_initial_rendered" integer DEFAULT 0 NOT NULL,
	"hour15_clicked" integer DEFAULT 0 NOT NULL,
	"hour15_confirmed_opened" integer DEFAULT 0 NOT NULL,
	"hour30_rendered" integer DEFAULT 0 NOT NULL,
	"hour30_initial_rendered" integer DEFAULT 0 NOT NULL,
	"hour30_clicked" integer DEFAULT 0 NOT NULL,
	"hour30_confirmed_opened" integer DEFAULT 0 NOT NULL,
	"day_rendered" integer,
	"day_initial_rendered" integer,
	"day_clicked" integer,
	"day_confirmed_opened" integer,
	CONSTRAINT "metric_unique_rollups_pkey" PRIMARY KEY("bucket_minutes","dimension","bucket_start","value")
);
--> statement-breakpoint
CREATE TABLE "reason_rollups" (
	"bucket_minutes" smallint NOT NULL,
	"dimension" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"value" text NOT NULL,
	"reason" text NOT NULL,
	"count_delayed" integer DEFAULT 0 NOT NULL,
	"count_delayed_first" integer DEFAULT 0 NOT NULL,
	"count_policy_rejection" integer DEFAULT 0 NOT NULL,
	"count_generation_rejection" integer DEFAULT 0 NOT NULL,
	"count_generation_failed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "reason_rollups_pkey" PRIMARY KEY("bucket_minutes","dimension","bucket_start","value","reason")
);
--> statement-breakpoint
DROP TABLE "metric_first_seen" CASCADE;
--> statement-breakpoint
-- Hand-written from here (drizzle-kit cannot express functions or triggers). See packages/query/README.md
-- ("Metrics API").

-- The one statement that adds the delays and rejections of `source` (a table or transition table of events rows) to
-- reason_rollups, as text, like msgevents_rollup_statement (migration 0008): counted by msgevents_event_metrics, in
-- the same dimension rows, upserted in key order so concurrent loaders wait instead of deadlocking. Its increments
-- are UTC hours and days (a reason is a long key, so quarter hours would cost four times the rows): a window's
-- minutes beyond whole hours are counted from the events.
CREATE OR REPLACE FUNCTION msgevents_reason_rollup_statement(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT format($sql$
INSERT INTO reason_rollups AS r (bucket_minutes, dimension, bucket_start, value, reason, count_delayed,
  count_delayed_first, count_policy_rejection, count_generation_rejection, count_generation_failed)
SELECT i.minutes, d.dimension,
       date_bin(make_interval(mins => i.minutes), e.event_time, timestamptz '2000-01-01 00:00:00+00'),
       d.value, coalesce(e.reason, ''),
       sum(m.count_delayed), sum(m.count_delayed_first), sum(m.count_policy_rejection),
       sum(m.count_generation_rejection), sum(m.count_generation_failed)
FROM %1$s AS e
CROSS JOIN (VALUES (60::smallint), (1440::smallint)) AS i(minutes)
CROSS JOIN LATERAL msgevents_event_metrics(e.type, e.bounce_class, e.payload) AS m
CROSS JOIN LATERAL msgevents_metric_dimensions(e.recipient_domain, e.campaign_id, e.template_id, e.sending_ip,
  e.ip_pool, e.sending_domain, e.subaccount_id, e.mailbox_provider, e.mailbox_provider_region) AS d
WHERE e.type IN ('delay', 'policy_rejection', 'generation_rejection', 'generation_failure')
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
ON CONFLICT (bucket_minutes, dimension, bucket_start, value, reason) DO UPDATE SET
  count_delayed = r.count_delayed + EXCLUDED.count_delayed,
  count_delayed_first = r.count_delayed_first + EXCLUDED.count_delayed_first,
  count_policy_rejection = r.count_policy_rejection + EXCLUDED.count_policy_rejection,
  count_generation_rejection = r.count_generation_rejection + EXCLUDED.count_generation_rejection,
  count_generation_failed = r.count_generation_failed + EXCLUDED.count_generation_failed
$sql$, source)
$fn$;
--> statement-breakpoint
-- Runs once per INSERT statement on events, over the rows it actually inserted, in the loader's transaction.
CREATE OR REPLACE FUNCTION msgevents_add_to_reason_rollups() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  EXECUTE msgevents_reason_rollup_statement('new_events');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_add_to_reason_rollups
AFTER INSERT ON events
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION msgevents_add_to_reason_rollups();
--> statement-breakpoint
-- A second argument (below) replaces 0008's one-argument version; callers with one argument get the new one.
DROP FUNCTION IF EXISTS msgevents_rollup_statement(text);
--> statement-breakpoint
-- The one statement that adds the events of `source` (a table or transition table of events rows) to the rollups, as
-- text: the trigger runs it over its transition table, a backfill over a day's events. Counts as in migration 0008.
-- Unique metrics follow SparkPost's roll-up increments ("unique within one increment"): a message counts once per
-- minute (metric_rollups' count_unique_*, summed over the row's quarter hour or day), once per hour of each phase
-- (:00, :15, :30) and once per UTC day (metric_unique_rollups). Whether an increment is new for a message is read
-- from its metric_engagement rows as they were before this statement (RETURNING old, after the upsert has waited for
-- any concurrent loader's row): only then is it counted, credited to the message's earliest event of the statement in
-- that increment. So a replayed batch, an event in two batches, two loaders at once or an earlier event arriving late
-- never count a message twice in one increment. An hour of phase :15 or :30 that starts late in a UTC day runs into
-- the next one: its events of the next day are also kept in the day's row (minutes 1440-1469). Rows are written in
-- key order so that concurrent loaders wait for each other instead of deadlocking.
-- With `fill_day` (a backfill of that day, whose rows it has deleted), `source` holds the day's events and those of
-- the next day's first half hour; it writes only the day's rows: the counts of its own events, and the increments
-- whose metric_engagement row is the day's (the next day's events count there only in the hours they share with it).
CREATE OR REPLACE FUNCTION msgevents_rollup_statement(source text, fill_day date DEFAULT NULL) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT format($sql$
WITH counted AS (
  SELECT e.event_id, e.type, e.event_time, e.message_id, e.reason, e.bounce_class, e.payload,
         e.recipient_domain, e.campaign_id, e.template_id, e.sending_ip, e.ip_pool, e.sending_domain,
         e.subaccount_id, e.mailbox_provider, e.mailbox_provider_region,
         %2$L::date IS NULL OR (e.event_time AT TIME ZONE 'UTC')::date = %2$L::date AS own
  FROM %1$s AS e
  WHERE e.type IN ('injection', 'policy_rejection', 'generation_rejection', 'generation_failure', 'delivery', 'delay',
                   'bounce', 'out_of_band', 'open', 'amp_open', 'initial_open', 'amp_initial_open', 'click',
                   'amp_click', 'spam_complaint', 'list_unsubscribe', 'link_unsubscribe')
),
engaged AS (
  SELECT c.event_id, c.type, c.event_time, c.message_id, k.kind,
         (c.event_time AT TIME ZONE 'UTC')::date AS day,
         mod(floor(extract(epoch FROM c.event_time) / 60)::bigint, 1440)::integer AS minute
  FROM counted AS c CROSS JOIN LATERAL unnest(msgevents_unique_kinds(c.type)) AS k(kind)
  WHERE c.message_id IS NOT NULL AND k.kind < 4
),
seen AS (
  INSERT INTO metric_engagement AS g (day, message_id, seen)
  SELECT a.day, a.message_id, array_agg(DISTINCT a.element ORDER BY a.element)
  FROM (
    SELECT x.day, x.message_id, (x.minute * 4 + x.kind - 1)::smallint AS element FROM engaged AS x
    UNION ALL
    SELECT x.day - 1, x.message_id, ((1440 + x.minute) * 4 + x.kind - 1)::smallint FROM engaged AS x WHERE x.minute
      < 30
  ) AS a
  WHERE %2$L::date IS NULL OR a.day = %2$L::date
  GROUP BY 1, 2
  ORDER BY 1, 2
  ON CONFLICT (day, message_id) DO UPDATE SET
    seen = ARRAY(SELECT DISTINCT s.element FROM unnest(g.seen || EXCLUDED.seen) AS s(element) ORDER BY 1)
  RETURNING g.day, g.message_id, old.seen AS before
),
spans AS (
  -- Each engagement's increments (1 minute, 2 hour from :00, 3 hour from :15, 4 hour from :30, 5 day), each as the
  -- metric_engagement row that holds it and its minutes there [lo, lo + length), for its own kind and for
  -- confirmed_opened.
  SELECT x.event_id, x.type, x.event_time, x.message_id, s.increment, s.row_day, s.lo, s.lo + s.length AS hi,
         u.kind AS unique_kind
  FROM engaged AS x
  CROSS JOIN LATERAL (VALUES
    (1, x.day, x.minute, 1),
    (2, x.day, x.minute / 60 * 60, 60),
    (3, CASE WHEN x.minute < 15 THEN x.day - 1 ELSE x.day END,
        CASE WHEN x.minute < 15 THEN 1395 ELSE (x.minute - 15) / 60 * 60 + 15 END, 60),
    (4, CASE WHEN x.minute < 30 THEN x.day - 1 ELSE x.day END,
        CASE WHEN x.minute < 30 THEN 1410 ELSE (x.minute - 30) / 60 * 60 + 30 END, 60),
    (5, x.day, 0, 1440)
  ) AS s(increment, row_day, lo, length)
  CROSS JOIN LATERAL (VALUES (x.kind), (4)) AS u(kind)
  WHERE %2$L::date IS NULL OR s.row_day = %2$L::date
),
earliest AS (
  SELECT DISTINCT ON (p.increment, p.row_day, p.lo, p.unique_kind, p.message_id)
         p.increment, p.row_day, p.lo, p.hi, p.unique_kind, p.message_id, p.event_id, p.type, p.event_time
  FROM spans AS p
  ORDER BY p.increment, p.row_day, p.lo, p.unique_kind, p.message_id, p.event_time, p.event_id, p.type
),
new_firsts AS (
  SELECT n.* FROM earliest AS n
  JOIN seen AS s ON s.day = n.row_day AND s.message_id = n.message_id
  WHERE NOT EXISTS (
    SELECT 1 FROM unnest(s.before) AS b(element)
    WHERE b.element / 4 >= n.lo AND b.element / 4 < n.hi AND (n.unique_kind = 4 OR mod(b.element, 4) = n.unique_kind
      - 1)
  )
),
flags AS (
  SELECT n.event_id, n.type, n.event_time,
         count(*) FILTER (WHERE n.increment = 1 AND n.unique_kind = 1) AS minute_rendered,
         count(*) FILTER (WHERE n.increment = 1 AND n.unique_kind = 2) AS minute_initial_rendered,
         count(*) FILTER (WHERE n.increment = 1 AND n.unique_kind = 3) AS minute_clicked,
         count(*) FILTER (WHERE n.increment = 1 AND n.unique_kind = 4) AS minute_confirmed_opened,
         count(*) FILTER (WHERE n.increment = 2 AND n.unique_kind = 1) AS hour_rendered,
         count(*) FILTER (WHERE n.increment = 2 AND n.unique_kind = 2) AS hour_initial_rendered,
         count(*) FILTER (WHERE n.increment = 2 AND n.unique_kind = 3) AS hour_clicked,
         count(*) FILTER (WHERE n.increment = 2 AND n.unique_kind = 4) AS hour_confirmed_opened,
         count(*) FILTER (WHERE n.increment = 3 AND n.unique_kind = 1) AS hour15_rendered,
         count(*) FILTER (WHERE n.increment = 3 AND n.unique_kind = 2) AS hour15_initial_rendered,
         count(*) FILTER (WHERE n.increment = 3 AND n.unique_kind = 3) AS hour15_clicked,
         count(*) FILTER (WHERE n.increment = 3 AND n.unique_kind = 4) AS hour15_confirmed_opened,
         count(*) FILTER (WHERE n.increment = 4 AND n.unique_kind = 1) AS hour30_rendered,
         count(*) FILTER (WHERE n.increment = 4 AND n.unique_kind = 2) AS hour30_initial_rendered,
         count(*) FILTER (WHERE n.increment = 4 AND n.unique_kind = 3) AS hour30_clicked,
         count(*) FILTER (WHERE n.increment = 4 AND n.unique_kind = 4) AS hour30_confirmed_opened,
         count(*) FILTER (WHERE n.increment = 5 AND n.unique_kind = 1) AS day_rendered,
         count(*) FILTER (WHERE n.increment = 5 AND n.unique_kind = 2) AS day_initial_rendered,
         count(*) FILTER (WHERE n.increment = 5 AND n.unique_kind = 3) AS day_clicked,
         count(*) FILTER (WHERE n.increment = 5 AND n.unique_kind = 4) AS day_confirmed_opened
  FROM new_firsts AS n
  GROUP BY 1, 2, 3
),
unique_rows AS (
  SELECT r.bucket_minutes, d.dimension, r.bucket_start, d.value, r.hour_rendered, r.hour_initial_rendered,
    r.hour_clicked, r.hour_confirmed_opened, r.hour15_rendered, r.hour15_initial_rendered, r.hour15_clicked,
    r.hour15_confirmed_opened, r.hour30_rendered, r.hour30_initial_rendered, r.hour30_clicked,
    r.hour30_confirmed_opened, r.day_rendered, r.day_initial_rendered, r.day_clicked, r.day_confirmed_opened
  FROM flags AS f
  JOIN counted AS c ON c.event_id = f.event_id AND c.type = f.type AND c.event_time = f.event_time
  CROSS JOIN LATERAL msgevents_metric_dimensions(c.recipient_domain, c.campaign_id, c.template_id, c.sending_ip,
    c.ip_pool, c.sending_domain, c.subaccount_id, c.mailbox_provider, c.mailbox_provider_region) AS d
  CROSS JOIN LATERAL (VALUES
    (60::smallint, date_bin('1 hour', c.event_time, timestamptz '2000-01-01 00:00:00+00'), f.hour_rendered,
      f.hour_initial_rendered, f.hour_clicked, f.hour_confirmed_opened, 0, 0, 0, 0, 0, 0, 0, 0, NULL::integer,
      NULL::integer, NULL::integer, NULL::integer),
    (60::smallint, date_bin('1 hour', c.event_time - interval '15 minutes', timestamptz '2000-01-01 00:00:00+00'),
      0, 0, 0, 0, f.hour15_rendered, f.hour15_initial_rendered, f.hour15_clicked, f.hour15_confirmed_opened, 0, 0, 0,
      0, NULL::integer, NULL::integer, NULL::integer, NULL::integer),
    (60::smallint, date_bin('1 hour', c.event_time - interval '30 minutes', timestamptz '2000-01-01 00:00:00+00'),
      0, 0, 0, 0, 0, 0, 0, 0, f.hour30_rendered, f.hour30_initial_rendered, f.hour30_clicked,
      f.hour30_confirmed_opened, NULL::integer, NULL::integer, NULL::integer, NULL::integer),
    (1440::smallint, date_bin('1 day', c.event_time, timestamptz '2000-01-01 00:00:00+00'), f.hour_rendered,
      f.hour_initial_rendered, f.hour_clicked, f.hour_confirmed_opened, 0, 0, 0, 0, 0, 0, 0, 0, f.day_rendered,
      f.day_initial_rendered, f.day_clicked, f.day_confirmed_opened),
    (1440::smallint, date_bin('1 day', c.event_time - interval '15 minutes', timestamptz '2000-01-01 00:00:00+00'),
      0, 0, 0, 0, f.hour15_rendered, f.hour15_initial_rendered, f.hour15_clicked, f.hour15_confirmed_opened, 0, 0, 0,
      0, 0, 0, 0, 0),
    (1440::smallint, date_bin('1 day', c.event_time - interval '30 minutes', timestamptz '2000-01-01 00:00:00+00'),
      0, 0, 0, 0, 0, 0, 0, 0, f.hour30_rendered, f.hour30_initial_rendered, f.hour30_clicked,
      f.hour30_confirmed_opened, 0, 0, 0, 0)
  ) AS r(bucket_minutes, bucket_start, hour_rendered, hour_initial_rendered, hour_clicked, hour_confirmed_opened,
    hour15_rendered, hour15_initial_rendered, hour15_clicked, hour15_confirmed_opened, hour30_rendered,
    hour30_initial_rendered, hour30_clicked, hour30_confirmed_opened, day_rendered, day_initial_rendered, day_clicked,
    day_confirmed_opened)
  WHERE coalesce(r.hour_rendered, 0) + coalesce(r.hour_initial_rendered, 0) + coalesce(r.hour_clicked, 0) +
    coalesce(r.hour_confirmed_opened, 0) + coalesce(r.hour15_rendered, 0) + coalesce(r.hour15_initial_rendered, 0) +
    coalesce(r.hour15_clicked, 0) + coalesce(r.hour15_confirmed_opened, 0) + coalesce(r.hour30_rendered, 0) +
    coalesce(r.hour30_initial_rendered, 0) + coalesce(r.hour30_clicked, 0) + coalesce(r.hour30_confirmed_opened, 0) +
    coalesce(r.day_rendered, 0) + coalesce(r.day_initial_rendered, 0) + coalesce(r.day_clicked, 0) +
    coalesce(r.day_confirmed_opened, 0) > 0
),
uniques AS (
  INSERT INTO metric_unique_rollups AS u (bucket_minutes, dimension, bucket_start, value, hour_rendered,
    hour_initial_rendered, hour_clicked, hour_confirmed_opened, hour15_rendered, hour15_initial_rendered,
    hour15_clicked, hour15_confirmed_opened, hour30_rendered, hour30_initial_rendered, hour30_clicked,
    hour30_confirmed_opened, day_rendered, day_initial_rendered, day_clicked, day_confirmed_opened)
  SELECT r.bucket_minutes, r.dimension, r.bucket_start, r.value, sum(r.hour_rendered), sum(r.hour_initial_rendered),
    sum(r.hour_clicked), sum(r.hour_confirmed_opened), sum(r.hour15_rendered), sum(r.hour15_initial_rendered),
    sum(r.hour15_clicked), sum(r.hour15_confirmed_opened), sum(r.hour30_rendered), sum(r.hour30_initial_rendered),
    sum(r.hour30_clicked), sum(r.hour30_confirmed_opened), sum(r.day_rendered), sum(r.day_initial_rendered),
    sum(r.day_clicked), sum(r.day_confirmed_opened)
  FROM unique_rows AS r
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (bucket_minutes, dimension, bucket_start, value) DO UPDATE SET
    hour_rendered = u.hour_rendered + EXCLUDED.hour_rendered,
    hour_initial_rendered = u.hour_initial_rendered + EXCLUDED.hour_initial_rendered,
    hour_clicked = u.hour_clicked + EXCLUDED.hour_clicked,
    hour_confirmed_opened = u.hour_confirmed_opened + EXCLUDED.hour_confirmed_opened,
    hour15_rendered = u.hour15_rendered + EXCLUDED.hour15_rendered,
    hour15_initial_rendered = u.hour15_initial_rendered + EXCLUDED.hour15_initial_rendered,
    hour15_clicked = u.hour15_clicked + EXCLUDED.hour15_clicked,
    hour15_confirmed_opened = u.hour15_confirmed_opened + EXCLUDED.hour15_confirmed_opened,
    hour30_rendered = u.hour30_rendered + EXCLUDED.hour30_rendered,
    hour30_initial_rendered = u.hour30_initial_rendered + EXCLUDED.hour30_initial_rendered,
    hour30_clicked = u.hour30_clicked + EXCLUDED.hour30_clicked,
    hour30_confirmed_opened = u.hour30_confirmed_opened + EXCLUDED.hour30_confirmed_opened,
    day_rendered = u.day_rendered + EXCLUDED.day_rendered,
    day_initial_rendered = u.day_initial_rendered + EXCLUDED.day_initial_rendered,
    day_clicked = u.day_clicked + EXCLUDED.day_clicked,
    day_confirmed_opened = u.day_confirmed_opened + EXCLUDED.day_confirmed_opened
),
per_event AS (
  SELECT i.minutes, date_bin(make_interval(mins => i.minutes), c.event_time, timestamptz '2000-01-01 00:00:00+00')
    AS bucket_start,
         c.reason, c.bounce_class, d.dimension, d.value, m.*,
         coalesce(f.minute_rendered, 0) AS count_unique_rendered,
         coalesce(f.minute_initial_rendered, 0) AS count_unique_initial_rendered,
         coalesce(f.minute_clicked, 0) AS count_unique_clicked,
         coalesce(f.minute_confirmed_opened, 0) AS count_unique_confirmed_opened
  FROM counted AS c
  CROSS JOIN (VALUES (15::smallint), (1440::smallint)) AS i(minutes)
  CROSS JOIN LATERAL msgevents_event_metrics(c.type, c.bounce_class, c.payload) AS m
  CROSS JOIN LATERAL msgevents_metric_dimensions(c.recipient_domain, c.campaign_id, c.template_id, c.sending_ip,
    c.ip_pool, c.sending_domain, c.subaccount_id, c.mailbox_provider, c.mailbox_provider_region) AS d
  LEFT JOIN flags AS f ON f.event_id = c.event_id AND f.type = c.type AND f.event_time = c.event_time
  WHERE c.own
),
bounces AS (
  INSERT INTO bounce_rollups AS b (bucket_minutes, dimension, bucket_start, value, reason, bounce_class,
                                   count_inband_bounce, count_outofband_bounce, count_admin_bounce)
  SELECT p.minutes, p.dimension, p.bucket_start, p.value, coalesce(p.reason, ''), coalesce(p.bounce_class, 1),
         sum(p.count_inband_bounce), sum(p.count_outofband_bounce), sum(p.count_admin_bounce)
  FROM per_event AS p
  WHERE p.count_inband_bounce + p.count_outofband_bounce + p.count_admin_bounce > 0
  GROUP BY 1, 2, 3, 4, 5, 6
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (bucket_minutes, dimension, bucket_start, value, reason, bounce_class) DO UPDATE SET
    count_inband_bounce = b.count_inband_bounce + EXCLUDED.count_inband_bounce,
    count_outofband_bounce = b.count_outofband_bounce + EXCLUDED.count_outofband_bounce,
    count_admin_bounce = b.count_admin_bounce + EXCLUDED.count_admin_bounce
)
INSERT INTO metric_rollups AS r (bucket_minutes, dimension, bucket_start, value,
  count_injected, count_policy_rejection, count_generation_rejection, count_generation_failed, count_delivered,
  count_delivered_first, count_delivered_subsequent, count_delayed, count_delayed_first, count_inband_bounce,
  count_outofband_bounce, count_hard_bounce, count_soft_bounce, count_block_bounce, count_undetermined_bounce,
  count_admin_bounce, count_rendered, count_initial_rendered, count_clicked, count_spam_complaint, count_unsubscribe,
  count_unique_rendered, count_unique_initial_rendered, count_unique_clicked, count_unique_confirmed_opened,
  total_delivery_time_first, total_delivery_time_subsequent, total_msg_volume)
SELECT p.minutes, p.dimension, p.bucket_start, p.value,
  sum(p.count_injected), sum(p.count_policy_rejection), sum(p.count_generation_rejection),
  sum(p.count_generation_failed), sum(p.count_delivered), sum(p.count_delivered_first),
  sum(p.count_delivered_subsequent), sum(p.count_delayed), sum(p.count_delayed_first), sum(p.count_inband_bounce),
  sum(p.count_outofband_bounce), sum(p.count_hard_bounce), sum(p.count_soft_bounce), sum(p.count_block_bounce),
  sum(p.count_undetermined_bounce), sum(p.count_admin_bounce), sum(p.count_rendered), sum(p.count_initial_rendered),
  sum(p.count_clicked), sum(p.count_spam_complaint), sum(p.count_unsubscribe), sum(p.count_unique_rendered),
  sum(p.count_unique_initial_rendered), sum(p.count_unique_clicked), sum(p.count_unique_confirmed_opened),
  sum(p.total_delivery_time_first), sum(p.total_delivery_time_subsequent), sum(p.total_msg_volume)
FROM per_event AS p
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (bucket_minutes, dimension, bucket_start, value) DO UPDATE SET
  count_injected = r.count_injected + EXCLUDED.count_injected,
  count_policy_rejection = r.count_policy_rejection + EXCLUDED.count_policy_rejection,
  count_generation_rejection = r.count_generation_rejection + EXCLUDED.count_generation_rejection,
  count_generation_failed = r.count_generation_failed + EXCLUDED.count_generation_failed,
  count_delivered = r.count_delivered + EXCLUDED.count_delivered,
  count_delivered_first = r.count_delivered_first + EXCLUDED.count_delivered_first,
  count_delivered_subsequent = r.count_delivered_subsequent + EXCLUDED.count_delivered_subsequent,
  count_delayed = r.count_delayed + EXCLUDED.count_delayed,
  count_delayed_first = r.count_delayed_first + EXCLUDED.count_delayed_first,
  count_inband_bounce = r.count_inband_bounce + EXCLUDED.count_inband_bounce,
  count_outofband_bounce = r.count_outofband_bounce + EXCLUDED.count_outofband_bounce,
  count_hard_bounce = r.count_hard_bounce + EXCLUDED.count_hard_bounce,
  count_soft_bounce = r.count_soft_bounce + EXCLUDED.count_soft_bounce,
  count_block_bounce = r.count_block_bounce + EXCLUDED.count_block_bounce,
  count_undetermined_bounce = r.count_undetermined_bounce + EXCLUDED.count_undetermined_bounce,
  count_admin_bounce = r.count_admin_bounce + EXCLUDED.count_admin_bounce,
  count_rendered = r.count_rendered + EXCLUDED.count_rendered,
  count_initial_rendered = r.count_initial_rendered + EXCLUDED.count_initial_rendered,
  count_clicked = r.count_clicked + EXCLUDED.count_clicked,
  count_spam_complaint = r.count_spam_complaint + EXCLUDED.count_spam_complaint,
  count_unsubscribe = r.count_unsubscribe + EXCLUDED.count_unsubscribe,
  count_unique_rendered = r.count_unique_rendered + EXCLUDED.count_unique_rendered,
  count_unique_initial_rendered = r.count_unique_initial_rendered + EXCLUDED.count_unique_initial_rendered,
  count_unique_clicked = r.count_unique_clicked + EXCLUDED.count_unique_clicked,
  count_unique_confirmed_opened = r.count_unique_confirmed_opened + EXCLUDED.count_unique_confirmed_opened,
  total_delivery_time_first = r.total_delivery_time_first + EXCLUDED.total_delivery_time_first,
  total_delivery_time_subsequent = r.total_delivery_time_subsequent + EXCLUDED.total_delivery_time_subsequent,
  total_msg_volume = r.total_msg_volume + EXCLUDED.total_msg_volume
$sql$, source, fill_day)
$fn$;
--> statement-breakpoint
-- Whether the day has a partition of events, read from the catalog (no lock).
CREATE OR REPLACE FUNCTION msgevents_day_stored(day date) RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT EXISTS (
    SELECT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass AND c.relname = msgevents_partition_name(day)
  )
$$;
--> statement-breakpoint
-- The Metrics API rollups' backfill of this migration (`metric_rollups_0016`), one day: every metric rollup of the day
-- (metric_rollups, bounce_rollups, reason_rollups, the rows of metric_unique_rollups of the hours that start in the
-- day and the day's own, the day's metric_engagement rows) replaced by a recount of the day's events and of the next
-- day's first half hour (the part of the day's last hours of :15 and :30 zones). Both days are locked
-- (msgevents_lock_day_for_backfill, migration 0011), so each event is counted exactly once, whether it was loaded
-- before the fill or after it. When the day before has no partition (the first day stored, or one retention dropped),
-- no fill of its own will come: this fill also writes its rows, those of the hours that start in it and run into this
-- day. Returns the events read.
CREATE OR REPLACE FUNCTION msgevents_fill_metric_rollups_0016(fill_day date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_lock_day_for_backfill(fill_day);
  next_partition regclass := msgevents_lock_day_for_backfill(fill_day + 1);
  previous_stored boolean;
  day_start timestamptz := fill_day::timestamp AT TIME ZONE 'UTC';
  day_end timestamptz := (fill_day + 1)::timestamp AT TIME ZONE 'UTC';
  stored bigint := 0;
BEGIN
  DELETE FROM metric_rollups
  WHERE bucket_minutes IN (15, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
        'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
    AND bucket_start >= day_start AND bucket_start < day_end;
  DELETE FROM bounce_rollups
  WHERE bucket_minutes IN (15, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
        'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
    AND bucket_start >= day_start AND bucket_start < day_end;
  DELETE FROM reason_rollups
  WHERE bucket_minutes IN (60, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
        'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
    AND bucket_start >= day_start AND bucket_start < day_end;
  DELETE FROM metric_unique_rollups
  WHERE bucket_minutes IN (60, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
        'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
    AND bucket_start >= day_start AND bucket_start < day_end;
  DELETE FROM metric_engagement WHERE day = fill_day;
  IF day_partition IS NOT NULL OR next_partition IS NOT NULL THEN
    EXECUTE msgevents_rollup_statement(
      format('(SELECT * FROM events WHERE event_time >= %L AND event_time < %L)', day_start,
             day_end + interval '30 minutes'),
      fill_day);
  END IF;
  IF day_partition IS NOT NULL THEN
    EXECUTE msgevents_reason_rollup_statement(day_partition::text);
    EXECUTE format('SELECT count(*) FROM %s', day_partition) INTO stored;
  END IF;
  -- The day before stored nothing: partition creators (and retention) wait for this fill, so none can store an event
  -- of it until this fill's rows of it are written.
  previous_stored := msgevents_day_stored(fill_day - 1);
  IF NOT previous_stored THEN
    PERFORM pg_advisory_xact_lock(727110002);
    previous_stored := msgevents_day_stored(fill_day - 1);
  END IF;
  IF NOT previous_stored THEN
    DELETE FROM metric_unique_rollups
    WHERE bucket_minutes IN (60, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
          'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
      AND bucket_start >= day_start - interval '1 day' AND bucket_start < day_start;
    DELETE FROM metric_engagement WHERE day = fill_day - 1;
    IF day_partition IS NOT NULL THEN
      EXECUTE msgevents_rollup_statement(
        format('(SELECT * FROM events WHERE event_time >= %L AND event_time < %L)', day_start,
               day_start + interval '30 minutes'),
        fill_day - 1);
    END IF;
  END IF;
  RETURN stored;
END
$$;
--> statement-breakpoint
-- Migration 0011's fill of the metric rollups (events stored before 0008) has nothing left to do: this migration's
-- backfill fills every metric rollup of every day stored (it is queued for all of them), and answers count a day from
-- the events until both are done. (Its old body cleared metric_first_seen, which this migration drops; two fills
-- recounting the same rows at once would also count them twice.)
CREATE OR REPLACE FUNCTION msgevents_fill_metric_rollups(day date) RETURNS bigint
LANGUAGE sql
AS $$
  SELECT 0::bigint
$$;
--> statement-breakpoint
-- The uniques of the hours of phase :15 and :30 that start at the end of the day before `day_start` and run into it
-- (23:15-00:15, 23:30-00:30), counted from the events of their part in this day alone: retention calls it once it has
-- dropped the day before, so that what remains of those hours agrees with the events that remain. Adds to the rows of
-- the UTC hour 23:00 and of the day before (deleted with that day just before).
CREATE OR REPLACE FUNCTION msgevents_recount_hours_into(day_start timestamptz) RETURNS void
LANGUAGE sql
AS $$
  WITH engaged AS (
    SELECT e.event_id, e.type, e.event_time, e.message_id, k.kind, p.phase,
           e.recipient_domain, e.campaign_id, e.template_id, e.sending_ip, e.ip_pool, e.sending_domain,
           e.subaccount_id, e.mailbox_provider, e.mailbox_provider_region
    FROM events AS e
    CROSS JOIN LATERAL unnest(msgevents_unique_kinds(e.type)) AS k(kind)
    CROSS JOIN (VALUES (15), (30)) AS p(phase)
    WHERE e.event_time >= day_start AND e.event_time < day_start + interval '30 minutes'
      AND e.event_time < day_start + make_interval(mins => p.phase) AND e.message_id IS NOT NULL
  ),
  earliest AS (
    SELECT DISTINCT ON (x.phase, x.kind, x.message_id) x.*
    FROM engaged AS x
    ORDER BY x.phase, x.kind, x.message_id, x.event_time, x.event_id, x.type
  ),
  counted AS (
    SELECT b.bucket_minutes, b.bucket_start, d.dimension, d.value,
           count(*) FILTER (WHERE x.phase = 15 AND x.kind = 1) AS r15,
           count(*) FILTER (WHERE x.phase = 15 AND x.kind = 2) AS i15,
           count(*) FILTER (WHERE x.phase = 15 AND x.kind = 3) AS c15,
           count(*) FILTER (WHERE x.phase = 15 AND x.kind = 4) AS o15,
           count(*) FILTER (WHERE x.phase = 30 AND x.kind = 1) AS r30,
           count(*) FILTER (WHERE x.phase = 30 AND x.kind = 2) AS i30,
           count(*) FILTER (WHERE x.phase = 30 AND x.kind = 3) AS c30,
           count(*) FILTER (WHERE x.phase = 30 AND x.kind = 4) AS o30
    FROM earliest AS x
    CROSS JOIN LATERAL msgevents_metric_dimensions(x.recipient_domain, x.campaign_id, x.template_id, x.sending_ip,
      x.ip_pool, x.sending_domain, x.subaccount_id, x.mailbox_provider, x.mailbox_provider_region) AS d
    CROSS JOIN (VALUES (60::smallint, day_start - interval '1 hour'), (1440::smallint, day_start - interval '1 day'))
      AS b(bucket_minutes, bucket_start)
    GROUP BY 1, 2, 3, 4
  )
  INSERT INTO metric_unique_rollups AS u (bucket_minutes, dimension, bucket_start, value, hour15_rendered,
    hour15_initial_rendered, hour15_clicked, hour15_confirmed_opened, hour30_rendered, hour30_initial_rendered,
    hour30_clicked, hour30_confirmed_opened, day_rendered, day_initial_rendered, day_clicked, day_confirmed_opened)
  SELECT c.bucket_minutes, c.dimension, c.bucket_start, c.value, c.r15, c.i15, c.c15, c.o15, c.r30, c.i30, c.c30,
         c.o30, d.zero, d.zero, d.zero, d.zero
  FROM counted AS c
  CROSS JOIN LATERAL (SELECT CASE WHEN c.bucket_minutes = 1440 THEN 0 END AS zero) AS d
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (bucket_minutes, dimension, bucket_start, value) DO UPDATE SET
    hour15_rendered = u.hour15_rendered + EXCLUDED.hour15_rendered,
    hour15_initial_rendered = u.hour15_initial_rendered + EXCLUDED.hour15_initial_rendered,
    hour15_clicked = u.hour15_clicked + EXCLUDED.hour15_clicked,
    hour15_confirmed_opened = u.hour15_confirmed_opened + EXCLUDED.hour15_confirmed_opened,
    hour30_rendered = u.hour30_rendered + EXCLUDED.hour30_rendered,
    hour30_initial_rendered = u.hour30_initial_rendered + EXCLUDED.hour30_initial_rendered,
    hour30_clicked = u.hour30_clicked + EXCLUDED.hour30_clicked,
    hour30_confirmed_opened = u.hour30_confirmed_opened + EXCLUDED.hour30_confirmed_opened
$$;
--> statement-breakpoint
-- Retention (as in 0010) now also deletes the reason rollups and the uniques of each dropped day, after the DROP;
-- of a message's engagement in that day it keeps only its minutes of the next day (which hours of phase :15 and :30
-- starting in the dropped day still need, so a late event there is not counted twice), and counts those hours' part
-- in the next day again.
CREATE OR REPLACE FUNCTION msgevents_drop_partitions_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  expired record;
  day_start timestamptz;
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
    day_start := to_date(substr(expired.table_name, 8), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC';
    DELETE FROM metric_rollups
    WHERE bucket_minutes IN (15, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
          'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
      AND bucket_start >= day_start AND bucket_start < day_start + interval '1 day';
    DELETE FROM bounce_rollups
    WHERE bucket_minutes IN (15, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
          'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
      AND bucket_start >= day_start AND bucket_start < day_start + interval '1 day';
    DELETE FROM reason_rollups
    WHERE bucket_minutes IN (60, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
          'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
      AND bucket_start >= day_start AND bucket_start < day_start + interval '1 day';
    DELETE FROM search_token_counts
    WHERE bucket_start >= day_start AND bucket_start < day_start + interval '1 day';
    -- Older rows are what the previous day's drop kept of its last hours, which ran into this day.
    DELETE FROM metric_unique_rollups
    WHERE bucket_minutes IN (60, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
          'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
      AND bucket_start < day_start + interval '1 day';
    PERFORM msgevents_recount_hours_into(day_start + interval '1 day');
    DELETE FROM metric_engagement WHERE day < (day_start AT TIME ZONE 'UTC')::date;
    UPDATE metric_engagement SET seen = ARRAY(SELECT s.element FROM unnest(seen) AS s(element) WHERE s.element >= 5760)
    WHERE day = (day_start AT TIME ZONE 'UTC')::date;
    DELETE FROM metric_engagement WHERE day = (day_start AT TIME ZONE 'UTC')::date AND cardinality(seen) = 0;
    RETURN NEXT expired.table_name;
  END LOOP;
END
$$;
--> statement-breakpoint
-- The events stored before this migration: their uniques followed other increments and their delays and rejections
-- were in no reason rollup. Every day partition that exists now is filled again by the backfill (src/backfills);
-- until a day is, answers count it from the events.
SELECT msgevents_register_backfill('metric_rollups_0016', true);

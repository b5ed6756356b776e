CREATE TABLE "bounce_rollups" (
	"bucket_minutes" smallint NOT NULL,
	"dimension" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"value" text NOT NULL,
	"reason" text NOT NULL,
	"bounce_class" smallint NOT NULL,
	"count_inband_bounce" integer DEFAULT 0 NOT NULL,
	"count_outofband_bounce" integer DEFAULT 0 NOT NULL,
	"count_admin_bounce" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "bounce_rollups_pkey" PRIMARY KEY("bucket_minutes","dimension","bucket_start","value","reason","bounce_class")
);
--> statement-breakpoint
CREATE TABLE "metric_first_seen" (
	"bucket_minutes" smallint NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"kind" smallint NOT NULL,
	"message_id" text NOT NULL,
	CONSTRAINT "metric_first_seen_pkey" PRIMARY KEY("bucket_minutes","bucket_start","kind","message_id")
);
--> statement-breakpoint
CREATE TABLE "metric_rollups" (
	"bucket_minutes" smallint NOT NULL,
	"dimension" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"value" text NOT NULL,
	"count_injected" integer DEFAULT 0 NOT NULL,
	"count_policy_rejection" integer DEFAULT 0 NOT NULL,
	"count_generation_rejection" integer DEFAULT 0 NOT NULL,
	"count_generation_failed" integer DEFAULT 0 NOT NULL,
	"count_delivered" integer DEFAULT 0 NOT NULL,
	"count_delivered_first" integer DEFAULT 0 NOT NULL,
	"count_delivered_subsequent" integer DEFAULT 0 NOT NULL,
	"count_delayed" integer DEFAULT 0 NOT NULL,
	"count_delayed_first" integer DEFAULT 0 NOT NULL,
	"count_inband_bounce" integer DEFAULT 0 NOT NULL,
	"count_outofband_bounce" integer DEFAULT 0 NOT NULL,
	"count_hard_bounce" integer DEFAULT 0 NOT NULL,
	"count_soft_bounce" integer DEFAULT 0 NOT NULL,
	"count_block_bounce" integer DEFAULT 0 NOT NULL,
	"count_undetermined_bounce" integer DEFAULT 0 NOT NULL,
	"count_admin_bounce" integer DEFAULT 0 NOT NULL,
	"count_rendered" integer DEFAULT 0 NOT NULL,
	"count_initial_rendered" integer DEFAULT 0 NOT NULL,
	"count_clicked" integer DEFAULT 0 NOT NULL,
	"count_spam_complaint" integer DEFAULT 0 NOT NULL,
	"count_unsubscribe" integer DEFAULT 0 NOT NULL,
	"count_unique_rendered" integer DEFAULT 0 NOT NULL,
	"count_unique_initial_rendered" integer DEFAULT 0 NOT NULL,
	"count_unique_clicked" integer DEFAULT 0 NOT NULL,
	"count_unique_confirmed_opened" integer DEFAULT 0 NOT NULL,
	"total_delivery_time_first" bigint DEFAULT 0 NOT NULL,
	"total_delivery_time_subsequent" bigint DEFAULT 0 NOT NULL,
	"total_msg_volume" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "metric_rollups_pkey" PRIMARY KEY("bucket_minutes","dimension","bucket_start","value")
);
--> statement-breakpoint
-- Hand-written from here (drizzle-kit cannot express functions or triggers): the Metrics API rollups, kept by a
-- statement trigger on events. See packages/query/README.md ("Metrics API") for what each metric means.

-- A whole number from the payload (num_retries, queue_time, msg_size arrive as text or numbers), or NULL when the
-- field is missing or not a plain non-negative integer of at most 12 digits: a malformed field must never fail its
-- batch, and sums of a million such values still fit a bigint.
CREATE OR REPLACE FUNCTION msgevents_payload_count(payload jsonb, field text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN payload ->> field ~ '^[0-9]{1,12}$' THEN (payload ->> field)::bigint END
$$;
--> statement-breakpoint
-- What one event adds to each rollup counter (the unique counters are added by msgevents_rollup_statement). A
-- missing num_retries counts as a first attempt. Bounce categories by bounce_class: Hard 10, 30, 90; Soft 20-24, 40,
-- 60, 70, 100; Block 50-54; Admin 25, 80 (not part of count_bounce); anything else, or none (read as class 1),
-- Undetermined. Every value is 0 or more, never NULL, whatever the event lacks.
CREATE OR REPLACE FUNCTION msgevents_event_metrics(type text, bounce_class smallint, payload jsonb)
RETURNS TABLE (
  count_injected integer, count_policy_rejection integer, count_generation_rejection integer,
  count_generation_failed integer, count_delivered integer, count_delivered_first integer,
  count_delivered_subsequent integer, count_delayed integer, count_delayed_first integer,
  count_inband_bounce integer, count_outofband_bounce integer, count_hard_bounce integer, count_soft_bounce integer,
  count_block_bounce integer, count_undetermined_bounce integer, count_admin_bounce integer, count_rendered integer,
  count_initial_rendered integer, count_clicked integer, count_spam_complaint integer, count_unsubscribe integer,
  total_delivery_time_first bigint, total_delivery_time_subsequent bigint, total_msg_volume bigint
)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT
    (type = 'injection')::integer,
    (type = 'policy_rejection')::integer,
    (type = 'generation_rejection')::integer,
    (type = 'generation_failure')::integer,
    (type = 'delivery')::integer,
    (type = 'delivery' AND NOT retried)::integer,
    (type = 'delivery' AND retried)::integer,
    (type = 'delay')::integer,
    (type = 'delay' AND NOT retried)::integer,
    (type = 'bounce' AND NOT admin)::integer,
    (type = 'out_of_band' AND NOT admin)::integer,
    (bounced AND code IN (10, 30, 90))::integer,
    (bounced AND code IN (20, 21, 22, 23, 24, 40, 60, 70, 100))::integer,
    (bounced AND code IN (50, 51, 52, 53, 54))::integer,
    (bounced AND code NOT IN (10, 30, 90, 20, 21, 22, 23, 24, 40, 60, 70, 100, 50, 51, 52, 53, 54, 25, 80))::integer,
    (bounced AND admin)::integer,
    (type IN ('open', 'amp_open'))::integer,
    (type IN ('initial_open', 'amp_initial_open'))::integer,
    (type IN ('click', 'amp_click'))::integer,
    (type = 'spam_complaint')::integer,
    (type IN ('list_unsubscribe', 'link_unsubscribe'))::integer,
    CASE WHEN type = 'delivery' AND NOT retried THEN coalesce(msgevents_payload_count(payload, 'queue_time'), 0) ELSE 0 END,
    CASE WHEN type = 'delivery' AND retried THEN coalesce(msgevents_payload_count(payload, 'queue_time'), 0) ELSE 0 END,
    CASE WHEN type = 'delivery' THEN coalesce(msgevents_payload_count(payload, 'msg_size'), 0) ELSE 0 END
  FROM (
    SELECT
      coalesce(msgevents_payload_count(payload, 'num_retries'), 0) > 0 AS retried,
      type IN ('bounce', 'out_of_band') AS bounced,
      coalesce(bounce_class, 1) IN (25, 80) AS admin,
      coalesce(bounce_class, 1) AS code
  ) AS facts
$$;
--> statement-breakpoint
-- The unique counters an event of this type can add to: 1 rendered, 2 initial_rendered, 3 clicked, 4 confirmed_opened.
CREATE OR REPLACE FUNCTION msgevents_unique_kinds(type text) RETURNS smallint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN type IN ('open', 'amp_open') THEN '{1,4}'::smallint[]
    WHEN type IN ('initial_open', 'amp_initial_open') THEN '{2,4}'::smallint[]
    WHEN type IN ('click', 'amp_click') THEN '{3,4}'::smallint[]
    ELSE '{}'::smallint[]
  END
$$;
--> statement-breakpoint
-- The (dimension, value) rows an event counts in: the whole account ('') and each dimension it has a value for; an
-- event without a subaccount belongs to the primary account, subaccount 0, as in SparkPost's reports.
CREATE OR REPLACE FUNCTION msgevents_metric_dimensions(
  recipient_domain text, campaign_id text, template_id text, sending_ip text, ip_pool text, sending_domain text,
  subaccount_id integer, mailbox_provider text, mailbox_provider_region text
) RETURNS TABLE (dimension text, value text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT d.dimension, d.value
  FROM (VALUES
    ('', ''),
    ('domain', recipient_domain),
    ('campaign', campaign_id),
    ('template', template_id),
    ('sending_ip', sending_ip),
    ('ip_pool', ip_pool),
    ('sending_domain', sending_domain),
    ('subaccount', coalesce(subaccount_id, 0)::text),
    ('mailbox_provider', mailbox_provider),
    ('mailbox_provider_region', mailbox_provider_region)
  ) AS d(dimension, value)
  WHERE d.value IS NOT NULL
$$;
--> statement-breakpoint
-- The one statement that adds the events of `source` (a table or transition table of events rows) to the rollups,
-- as text: the trigger runs it over its transition table, the backfill (0011) over one day partition. A unique
-- counter counts a message in an increment only when its metric_first_seen row is new, credited to its earliest event
-- of the statement; rows are written in key order so that concurrent loaders wait for each other instead of
-- deadlocking.
CREATE OR REPLACE FUNCTION msgevents_rollup_statement(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT format($sql$
WITH increments AS (
  SELECT i.minutes,
         date_bin(make_interval(mins => i.minutes), e.event_time, timestamptz '2000-01-01 00:00:00+00') AS bucket_start,
         e.event_id, e.type, e.event_time, e.message_id, e.reason, e.bounce_class, e.payload,
         e.recipient_domain, e.campaign_id, e.template_id, e.sending_ip, e.ip_pool, e.sending_domain,
         e.subaccount_id, e.mailbox_provider, e.mailbox_provider_region
  FROM %1$s AS e CROSS JOIN (VALUES (15::smallint), (1440::smallint)) AS i(minutes)
  WHERE e.type IN ('injection', 'policy_rejection', 'generation_rejection', 'generation_failure', 'delivery', 'delay',
                   'bounce', 'out_of_band', 'open', 'amp_open', 'initial_open', 'amp_initial_open', 'click',
                   'amp_click', 'spam_complaint', 'list_unsubscribe', 'link_unsubscribe')
),
candidates AS (
  SELECT DISTINCT ON (x.minutes, x.bucket_start, k.kind, x.message_id)
         x.minutes, x.bucket_start, k.kind, x.message_id, x.event_id, x.type, x.event_time
  FROM increments AS x CROSS JOIN LATERAL unnest(msgevents_unique_kinds(x.type)) AS k(kind)
  WHERE x.message_id IS NOT NULL
  ORDER BY x.minutes, x.bucket_start, k.kind, x.message_id, x.event_time, x.event_id, x.type
),
firsts AS (
  INSERT INTO metric_first_seen AS f (bucket_minutes, bucket_start, kind, message_id)
  SELECT c.minutes, c.bucket_start, c.kind, c.message_id FROM candidates AS c ORDER BY 1, 2, 3, 4
  ON CONFLICT DO NOTHING
  RETURNING f.bucket_minutes, f.bucket_start, f.kind, f.message_id
),
uniques AS (
  SELECT c.minutes, c.event_id, c.type, c.event_time,
         count(*) FILTER (WHERE c.kind = 1) AS rendered,
         count(*) FILTER (WHERE c.kind = 2) AS initial_rendered,
         count(*) FILTER (WHERE c.kind = 3) AS clicked,
         count(*) FILTER (WHERE c.kind = 4) AS confirmed_opened
  FROM firsts AS f
  JOIN candidates AS c ON c.minutes = f.bucket_minutes AND c.bucket_start = f.bucket_start AND c.kind = f.kind
                      AND c.message_id = f.message_id
  GROUP BY 1, 2, 3, 4
),
per_event AS (
  SELECT x.minutes, x.bucket_start, x.reason, x.bounce_class, d.dimension, d.value, m.*,
         coalesce(u.rendered, 0) AS count_unique_rendered,
         coalesce(u.initial_rendered, 0) AS count_unique_initial_rendered,
         coalesce(u.clicked, 0) AS count_unique_clicked,
         coalesce(u.confirmed_opened, 0) AS count_unique_confirmed_opened
  FROM increments AS x
  CROSS JOIN LATERAL msgevents_event_metrics(x.type, x.bounce_class, x.payload) AS m
  CROSS JOIN LATERAL msgevents_metric_dimensions(x.recipient_domain, x.campaign_id, x.template_id, x.sending_ip,
    x.ip_pool, x.sending_domain, x.subaccount_id, x.mailbox_provider, x.mailbox_provider_region) AS d
  LEFT JOIN uniques AS u ON u.minutes = x.minutes AND u.event_id = x.event_id AND u.type = x.type
                        AND u.event_time = x.event_time
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
$sql$, source)
$fn$;
--> statement-breakpoint
-- Runs once per INSERT statement on events, over the rows it actually inserted (ON CONFLICT skips are not in
-- new_events), inside the loader's transaction: an event is counted exactly when it is stored, and never twice.
CREATE OR REPLACE FUNCTION msgevents_add_to_metric_rollups() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  EXECUTE msgevents_rollup_statement('new_events');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_add_to_metric_rollups
AFTER INSERT ON events
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION msgevents_add_to_metric_rollups();
--> statement-breakpoint
-- Events stored before this migration are not read here (a migration's time must not grow with the events stored):
-- the metric_rollups backfill (migration 0011, packages/schema/src/backfills) fills their days in the background, and
-- until a day is filled the Metrics API counts it from the events. Databases that ran this migration before 0011
-- existed had their rollups filled here, inside the migration.
-- Retention (as in 0001) now also deletes the rollup rows of each dropped day, after the DROP: from then on the lock
-- DROP TABLE took on events keeps every loader out until commit, so no late event of that day can be counted in
-- between and outlive its partition in the rollups.
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
    DELETE FROM metric_first_seen
    WHERE bucket_minutes IN (15, 1440) AND bucket_start >= day_start AND bucket_start < day_start + interval '1 day';
    RETURN NEXT expired.table_name;
  END LOOP;
END
$$;

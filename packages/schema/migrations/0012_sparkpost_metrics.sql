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
-- Hand-written from here (drizzle-kit cannot express functions or triggers). See packages/query/README.md
-- ("Metrics API").

-- The one statement that adds the delays and rejections of `source` (a table or transition table of events rows) to
-- reason_rollups, as text, like msgevents_rollup_statement (migration 0008): counted by msgevents_event_metrics, in
-- the same increments and dimension rows, upserted in key order so concurrent loaders wait instead of deadlocking.
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
CROSS JOIN (VALUES (15::smallint), (1440::smallint)) AS i(minutes)
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
-- Retention (as in 0010) now also deletes the reason rollups of each dropped day, after the DROP.
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
    DELETE FROM reason_rollups
    WHERE bucket_minutes IN (15, 1440) AND dimension IN ('', 'domain', 'campaign', 'template', 'sending_ip', 'ip_pool',
          'sending_domain', 'subaccount', 'mailbox_provider', 'mailbox_provider_region')
      AND bucket_start >= day_start AND bucket_start < day_start + interval '1 day';
    DELETE FROM search_token_counts
    WHERE bucket_start >= day_start AND bucket_start < day_start + interval '1 day';
    RETURN NEXT expired.table_name;
  END LOOP;
END
$$;

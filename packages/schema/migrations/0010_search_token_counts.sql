CREATE TABLE "search_token_counts" (
	"token" text NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"events" integer NOT NULL,
	CONSTRAINT "search_token_counts_pkey" PRIMARY KEY("token","bucket_start")
);
--> statement-breakpoint
CREATE INDEX "search_token_counts_bucket_idx" ON "search_token_counts" USING brin ("bucket_start");
--> statement-breakpoint
-- Hand-written from here (drizzle-kit cannot express functions or triggers): search counts, kept by a statement
-- trigger on events. See packages/query/README.md ("Counting matches").

-- Every run of consecutive keywords of a domain (each keyword, and each phrase of several in order: 'rd:gmail',
-- 'rd:gmail com', 'rd:com'), prefixed: a domain search is a phrase ('gmail.com' matches the keywords gmail, com in
-- that order), and its count is the count of that run. A domain has a handful of keywords, so a handful of runs.
CREATE OR REPLACE FUNCTION msgevents_keyword_runs(prefix text, value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT ARRAY(
    SELECT prefix || array_to_string(k.keywords[run_start:run_end], ' ')
    FROM (SELECT msgevents_keywords(value, true) AS keywords) AS k
    CROSS JOIN LATERAL generate_series(1, cardinality(k.keywords)) AS run_start
    CROSS JOIN LATERAL generate_series(run_start, cardinality(k.keywords)) AS run_end
  );
END;
--> statement-breakpoint
-- The tokens an event is counted under in search_token_counts, each once: the keywords of every keyword filter's field
-- (prefixed and split exactly as msgevents_search_hashes splits them, so a keyword's count is the number of events
-- its search matches) and, for the two domain fields, every run of keywords; the whole value of the exact filters
-- whose values many events share (from address, sending IP, subaccount, bounce class), the event type, and '*'.
-- Recipients, message and transmission ids and rcpt_meta values are left out: each belongs to a handful of events,
-- which the search-token index counts at once, and counting them here would add a row per event. So are tokens over
-- 200 characters, which a B-tree may not hold (searches for them count over the search-token index).
CREATE OR REPLACE FUNCTION msgevents_counted_tokens(
  recipient_domain text, friendly_from text, sending_domain text, subject text, campaign_id text, template_id text,
  ip_pool text, sending_ip text, reason text, mailbox_provider text, mailbox_provider_region text, ab_test_id text,
  subaccount_id integer, bounce_class smallint, type text, payload jsonb
) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT ARRAY(
    SELECT DISTINCT token
    FROM unnest(
      string_to_array(concat_ws(' ',
        msgevents_prefixed_keywords('su:', coalesce(subject, payload ->> 'subject'), false),
        msgevents_prefixed_keywords('re:', coalesce(reason, payload ->> 'reason'), false),
        msgevents_prefixed_keywords('ca:', coalesce(campaign_id, payload ->> 'campaign_id'), false),
        msgevents_prefixed_keywords('te:', coalesce(template_id, payload ->> 'template_id'), false),
        msgevents_prefixed_keywords('ip:', coalesce(ip_pool, payload ->> 'ip_pool'), false),
        msgevents_prefixed_keywords('mp:', coalesce(mailbox_provider, payload ->> 'mailbox_provider'), false),
        msgevents_prefixed_keywords('mr:', coalesce(mailbox_provider_region, payload ->> 'mailbox_provider_region'), false),
        msgevents_prefixed_keywords('ab:', coalesce(ab_test_id, payload ->> 'ab_test_id'), false)
      ), ' ')
      || msgevents_keyword_runs('rd:', coalesce(recipient_domain, payload ->> 'recipient_domain'))
      || msgevents_keyword_runs('sd:', coalesce(sending_domain, payload ->> 'sending_domain'))
      || ARRAY[
        '*',
        't=' || type,
        'f=' || lower(coalesce(friendly_from, payload ->> 'friendly_from')),
        's=' || coalesce(sending_ip, payload ->> 'sending_ip'),
        'a=' || subaccount_id::text,
        'b=' || bounce_class::text
      ]
    ) AS token
    WHERE token IS NOT NULL AND token !~ '^[a-z]{2}:$' AND length(token) <= 200
  );
END;
--> statement-breakpoint
-- The statement that adds the events of `source` (a table or transition table of events rows) to
-- search_token_counts, as text: the trigger runs it over its transition table, the backfill (0011) over one day
-- partition. Rows are written in key order so that concurrent loaders wait for each other instead of deadlocking.
CREATE OR REPLACE FUNCTION msgevents_token_count_statement(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT format($sql$
INSERT INTO search_token_counts AS c (token, bucket_start, events)
SELECT t.token, date_bin(interval '15 minutes', e.event_time, timestamptz '2000-01-01 00:00:00+00'), count(*)
FROM %1$s AS e
CROSS JOIN LATERAL unnest(msgevents_counted_tokens(e.recipient_domain, e.friendly_from, e.sending_domain, e.subject,
  e.campaign_id, e.template_id, e.ip_pool, e.sending_ip, e.reason, e.mailbox_provider, e.mailbox_provider_region,
  e.ab_test_id, e.subaccount_id, e.bounce_class, e.type, e.payload)) AS t(token)
GROUP BY 1, 2
ORDER BY 1, 2
ON CONFLICT (token, bucket_start) DO UPDATE SET events = c.events + EXCLUDED.events
$sql$, source)
$fn$;
--> statement-breakpoint
-- Runs once per INSERT statement on events, over the rows it actually inserted (ON CONFLICT skips are not in
-- new_events), inside the loader's transaction: an event is counted exactly when it is stored, and never twice.
CREATE OR REPLACE FUNCTION msgevents_add_to_search_token_counts() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  EXECUTE msgevents_token_count_statement('new_events');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_add_to_search_token_counts
AFTER INSERT ON events
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION msgevents_add_to_search_token_counts();
--> statement-breakpoint
-- Events stored before this migration are not read here: the search_token_counts backfill (migration 0011) fills
-- their days in the background, and until a day is filled searches count it without these counts. Databases that ran
-- this migration before 0011 existed had their counts filled here, inside the migration.
-- Retention (as in 0008) now also deletes the search counts of each dropped day, after the DROP, for the same reason
-- as the rollups: the lock DROP TABLE took on events keeps every loader out until commit.
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
    DELETE FROM search_token_counts
    WHERE bucket_start >= day_start AND bucket_start < day_start + interval '1 day';
    RETURN NEXT expired.table_name;
  END LOOP;
END
$$;

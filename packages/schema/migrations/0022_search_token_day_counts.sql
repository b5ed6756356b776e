CREATE TABLE "search_token_day_counts" (
	"token" text NOT NULL,
	"day" date NOT NULL,
	"quarters" smallint[] NOT NULL,
	"events" integer[] NOT NULL,
	CONSTRAINT "search_token_day_counts_pkey" PRIMARY KEY("token","day")
);
--> statement-breakpoint
-- Hand-written from here (drizzle-kit cannot express functions or triggers). The search counts of ended days,
-- compacted: see src/db/tables.ts (searchTokenDayCounts) and packages/query/README.md ("Counting matches"). Nothing
-- stored is converted here: the hourly maintenance compacts each ended day (this migration's first run takes every
-- day stored so far, a day per transaction), and until it has, the day's counts are read from search_token_counts.
--
-- Who writes a day's counts, and how they keep out of each other's way: loaders only upsert search_token_counts rows
-- (migration 0010), in key order. The compaction, the search counts' backfill of a day and an erasure's subtraction
-- all take this advisory lock of the day first (class 727110022, the day's number since 2000-01-01), then rows in key
-- order; so none of them reads a day's compacted row while another is replacing it.
--
-- One ended day's counts moved into search_token_day_counts: the day's search_token_counts rows (locked in key order,
-- as loaders take them, then deleted) merged with the day's compacted rows of the same tokens, if an earlier run made
-- some (events that arrived after it). Returns how many rows of search_token_counts it moved.
CREATE OR REPLACE FUNCTION msgevents_compact_search_token_counts(ended date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  ended_start timestamptz := ended::timestamp AT TIME ZONE 'UTC';
  moved bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(727110022, ended - date '2000-01-01');
  WITH locked AS (
    SELECT c.token, c.bucket_start FROM search_token_counts AS c
    WHERE c.bucket_start >= ended_start AND c.bucket_start < ended_start + interval '1 day'
    ORDER BY c.token, c.bucket_start
    FOR UPDATE
  ),
  quarter_rows AS (
    DELETE FROM search_token_counts AS c USING locked AS l
    WHERE c.token = l.token AND c.bucket_start = l.bucket_start
    RETURNING c.token, c.bucket_start, c.events
  ),
  -- The CTEs run in order here: `merged` reads every row `earlier` deleted before `compacted` inserts a row.
  earlier AS (
    DELETE FROM search_token_day_counts AS d
    WHERE d.day = ended AND d.token IN (SELECT q.token FROM quarter_rows AS q)
    RETURNING d.token, d.quarters, d.events
  ),
  merged AS (
    SELECT m.token, m.quarter, sum(m.events)::integer AS events
    FROM (
      SELECT q.token, (extract(epoch FROM q.bucket_start - ended_start) / 900)::smallint AS quarter, q.events
      FROM quarter_rows AS q
      UNION ALL
      SELECT e.token, u.quarter, u.events FROM earlier AS e CROSS JOIN LATERAL unnest(e.quarters, e.events) AS u(quarter, events)
    ) AS m
    GROUP BY m.token, m.quarter
    HAVING sum(m.events) > 0
  ),
  compacted AS (
    INSERT INTO search_token_day_counts (token, day, quarters, events)
    SELECT m.token, ended, array_agg(m.quarter ORDER BY m.quarter), array_agg(m.events ORDER BY m.quarter)
    FROM merged AS m
    GROUP BY m.token
    ORDER BY m.token
  )
  SELECT count(*) INTO moved FROM quarter_rows;
  RETURN moved;
END
$$;
--> statement-breakpoint
-- The search_token_counts backfill, one day (as in 0011): the day's counts, compacted or not, replaced by a recount of
-- the day's events, which land in search_token_counts until the maintenance compacts the day again.
CREATE OR REPLACE FUNCTION msgevents_fill_search_token_counts(day date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_lock_day_for_backfill(day);
  day_start timestamptz := day::timestamp AT TIME ZONE 'UTC';
  stored bigint := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(727110022, day - date '2000-01-01');
  DELETE FROM search_token_counts
  WHERE bucket_start >= day_start AND bucket_start < (day + 1)::timestamp AT TIME ZONE 'UTC';
  DELETE FROM search_token_day_counts AS d WHERE d.day = msgevents_fill_search_token_counts.day;
  IF day_partition IS NOT NULL THEN
    EXECUTE msgevents_token_count_statement(day_partition::text);
    EXECUTE format('SELECT count(*) FROM %s', day_partition) INTO stored;
  END IF;
  RETURN stored;
END
$$;
--> statement-breakpoint
-- An erasure's subtraction (as in 0015), now from both tables. A quarter hour's count is its search_token_counts row
-- plus its element in the day's compacted row: the erased events are taken from the row first, as far as it goes,
-- and the rest from the element. Elements and rows that reach 0 are removed, as are compacted rows left empty.
CREATE OR REPLACE FUNCTION msgevents_subtract_from_search_token_counts() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  emptied_tokens text[];
  emptied_buckets timestamptz[];
  rest_tokens text[];
  rest_buckets timestamptz[];
  rest_events integer[];
BEGIN
  PERFORM pg_advisory_xact_lock(727110022, d.day_number)
  FROM (SELECT DISTINCT (e.event_time AT TIME ZONE 'UTC')::date - date '2000-01-01' AS day_number FROM old_events AS e
        ORDER BY 1) AS d;
  WITH gone AS (
    SELECT t.token, date_bin(interval '15 minutes', e.event_time, timestamptz '2000-01-01 00:00:00+00') AS bucket_start,
           count(*)::integer AS events
    FROM old_events AS e
    CROSS JOIN LATERAL unnest(msgevents_counted_tokens(e.recipient_domain, e.friendly_from, e.sending_domain,
      e.subject, e.campaign_id, e.template_id, e.ip_pool, e.sending_ip, e.reason, e.mailbox_provider,
      e.mailbox_provider_region, e.ab_test_id, e.subaccount_id, e.bounce_class, e.type, e.payload)) AS t(token)
    GROUP BY 1, 2
  ),
  locked AS (
    SELECT c.token, c.bucket_start, least(c.events, g.events) AS taken
    FROM search_token_counts AS c JOIN gone AS g ON g.token = c.token AND g.bucket_start = c.bucket_start
    ORDER BY c.token, c.bucket_start
    FOR UPDATE OF c
  ),
  lowered AS (
    UPDATE search_token_counts AS c SET events = c.events - l.taken
    FROM locked AS l
    WHERE c.token = l.token AND c.bucket_start = l.bucket_start
    RETURNING c.token, c.bucket_start, c.events
  ),
  emptied AS (
    SELECT array_agg(w.token) AS tokens, array_agg(w.bucket_start) AS buckets FROM lowered AS w WHERE w.events <= 0
  ),
  rest AS (
    SELECT array_agg(g.token) AS tokens, array_agg(g.bucket_start) AS buckets,
           array_agg(g.events - coalesce(l.taken, 0)) AS events
    FROM gone AS g LEFT JOIN locked AS l ON l.token = g.token AND l.bucket_start = g.bucket_start
    WHERE g.events > coalesce(l.taken, 0)
  )
  SELECT emptied.tokens, emptied.buckets, rest.tokens, rest.buckets, rest.events
  INTO emptied_tokens, emptied_buckets, rest_tokens, rest_buckets, rest_events
  FROM emptied, rest;
  IF emptied_tokens IS NOT NULL THEN
    DELETE FROM search_token_counts AS c
    USING unnest(emptied_tokens, emptied_buckets) AS z(token, bucket_start)
    WHERE c.token = z.token AND c.bucket_start = z.bucket_start AND c.events <= 0;
  END IF;
  IF rest_tokens IS NOT NULL THEN
    WITH rest AS (
      SELECT r.token, (r.bucket_start AT TIME ZONE 'UTC')::date AS day,
             (extract(epoch FROM r.bucket_start - date_bin(interval '1 day', r.bucket_start, timestamptz '2000-01-01 00:00:00+00')) / 900)::smallint AS quarter,
             r.events
      FROM unnest(rest_tokens, rest_buckets, rest_events) AS r(token, bucket_start, events)
    )
    UPDATE search_token_day_counts AS d
    SET (quarters, events) = (
      SELECT coalesce(array_agg(k.quarter ORDER BY k.quarter), '{}'), coalesce(array_agg(k.events ORDER BY k.quarter), '{}')
      FROM (
        SELECT u.quarter, u.events - coalesce(sum(r.events), 0) AS events
        FROM unnest(d.quarters, d.events) AS u(quarter, events)
        LEFT JOIN rest AS r ON r.token = d.token AND r.day = d.day AND r.quarter = u.quarter
        GROUP BY u.quarter, u.events
      ) AS k
      WHERE k.events > 0)
    WHERE (d.token, d.day) IN (SELECT r.token, r.day FROM rest AS r);
    DELETE FROM search_token_day_counts AS d
    USING (SELECT DISTINCT r.token, (r.bucket_start AT TIME ZONE 'UTC')::date AS day
           FROM unnest(rest_tokens, rest_buckets) AS r(token, bucket_start)) AS r
    WHERE d.token = r.token AND d.day = r.day AND cardinality(d.quarters) = 0;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- Retention (as in 0016) now also deletes the compacted search counts of each dropped day.
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
    DELETE FROM search_token_day_counts WHERE day = (day_start AT TIME ZONE 'UTC')::date;
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
-- The UTC days before `today` that still have search_token_counts rows, oldest first: the days the maintenance
-- compacts next (all of them ended; their rows are the whole day's counts, or those of events that arrived after it
-- was compacted).
CREATE OR REPLACE FUNCTION msgevents_search_count_days_to_compact(today date) RETURNS SETOF date
LANGUAGE sql STABLE
AS $$
  SELECT DISTINCT (c.bucket_start AT TIME ZONE 'UTC')::date AS day
  FROM search_token_counts AS c
  WHERE c.bucket_start < today::timestamp AT TIME ZONE 'UTC'
  ORDER BY 1
$$;

-- A subject, a friendly_from and a transmission_id repeat across a day's events (a few subjects and senders, the
-- events of one transmission), and each took its full text in every row and its keywords in the search-token index.
-- From here on the loader stores each as an id into event_texts (src/db/tables.ts, TEXT_REFS), in the columns
-- subject_ref, friendly_from_ref and transmission_ref, and leaves the text column NULL: a 4-byte id where the texts
-- took about 90 bytes of a row, and a GIN over the row's ids in place of the texts' tokens. Rows stored before keep
-- their texts and are searched and read as before; a row has a field's text or its id, never both.
--
-- Hand edits (drizzle-kit wrote the tables and indexes): `ON ONLY events` for the ids' index, as 0021 did, so that
-- this migration builds nothing whatever is stored; the functions below.
CREATE TABLE "event_texts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "event_texts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"field" smallint NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "subject_ref" integer;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "friendly_from_ref" integer;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "transmission_ref" integer;--> statement-breakpoint
CREATE UNIQUE INDEX "event_texts_field_value_key" ON "event_texts" USING btree ("field","value");--> statement-breakpoint
CREATE INDEX "event_texts_keywords_idx" ON "event_texts" USING gin (msgevents_keyword_hashes('', "value", false)) WHERE field = 1;--> statement-breakpoint
-- Only rows with an id are in it (the predicate), so the days stored before hold no entries.
CREATE INDEX "events_text_refs_idx" ON ONLY "events" USING gin (array_remove(ARRAY[subject_ref, friendly_from_ref, transmission_ref], NULL)) WHERE (subject_ref IS NOT NULL OR friendly_from_ref IS NOT NULL OR transmission_ref IS NOT NULL);
--> statement-breakpoint
-- Whether loads store texts as ids: once the index above is valid, i.e. every day partition has its copy (at once on
-- a database with no events yet; after the text_refs_index_0030 backfill otherwise), so that no day holds ids its
-- searches could only find by reading every row.
CREATE OR REPLACE FUNCTION msgevents_text_refs_enabled() RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT coalesce((SELECT i.indisvalid FROM pg_index AS i WHERE i.indexrelid = to_regclass('events_text_refs_idx')), false)
$$;
--> statement-breakpoint
-- The ids of a load's texts (`fields` and `texts` side by side: TEXT_REFS' field numbers and the values). Texts not yet
-- named are added first, in key order (two loads adding the same texts wait for each other instead of deadlocking),
-- unless event_texts holds about 100,000 texts already: past that, traffic whose texts rarely repeat (a subject or a
-- transmission per message) would make the list a second copy of them, and its matching slower than the rows' own;
-- those texts stay in the rows. Nothing is named before msgevents_text_refs_enabled(). The load holds the texts'
-- lock shared until it commits (see msgevents_collect_event_texts): an advisory lock, where locking the texts' rows
-- would write to them at every load.
CREATE OR REPLACE FUNCTION msgevents_name_event_texts(fields smallint[], texts text[])
RETURNS TABLE (text_field smallint, text_value text, text_id integer)
LANGUAGE plpgsql
AS $$
BEGIN
  IF NOT msgevents_text_refs_enabled() THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(727110030);
  IF (SELECT c.reltuples FROM pg_class AS c WHERE c.oid = 'event_texts'::regclass) < 100000 THEN
    INSERT INTO event_texts (field, value)
    SELECT DISTINCT w.field, w.value FROM unnest(fields, texts) AS w(field, value)
    WHERE w.value IS NOT NULL
      AND NOT EXISTS (SELECT FROM event_texts AS x WHERE x.field = w.field AND x.value = w.value)
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN QUERY
    SELECT t.field, t.value, t.id
    FROM event_texts AS t
    WHERE (t.field, t.value) IN (SELECT w.field, w.value FROM unnest(fields, texts) AS w(field, value));
END
$$;
--> statement-breakpoint
-- The text_refs_index_0030 backfill, one day, as 0021's: the day partition's copy of the ids' index, built (no entries:
-- the day's rows have no ids) and attached to the parent's. The last day attached makes the parent's valid. Days
-- created from here on get their copy at creation, with a short pending list (msgevents_ensure_partitions, 0027).
CREATE OR REPLACE FUNCTION msgevents_fill_text_refs_index(day date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_lock_day_for_backfill(day);
  parent_index regclass := 'events_text_refs_idx'::regclass;
  day_schema text;
  day_name text;
BEGIN
  IF day_partition IS NULL THEN
    RETURN 0;
  END IF;
  IF NOT EXISTS (
    SELECT FROM pg_inherits ih JOIN pg_index i ON i.indexrelid = ih.inhrelid
    WHERE ih.inhparent = parent_index AND i.indrelid = day_partition
  ) THEN
    SELECT n.nspname, c.relname INTO STRICT day_schema, day_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = day_partition;
    EXECUTE format(
      'CREATE INDEX %I ON %s%s',
      day_name || '_array_remove_idx',
      day_partition,
      substring(pg_get_indexdef(parent_index) FROM ' USING .*$')
    );
    -- A short pending list, as every day's GIN indexes have (0007, 0027).
    EXECUTE format('ALTER INDEX %I.%I SET (gin_pending_list_limit = 256)', day_schema, day_name || '_array_remove_idx');
    EXECUTE format('ALTER INDEX %s ATTACH PARTITION %I.%I', parent_index, day_schema, day_name || '_array_remove_idx');
  END IF;
  RETURN (SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = day_partition);
END
$$;
--> statement-breakpoint
SELECT msgevents_register_backfill('text_refs_index_0030', true);
--> statement-breakpoint
-- The search counts read a row's subject and friendly_from from its text or, since this migration, from the text its
-- id names: the statement that adds events to search_token_counts (0010's), with those two texts looked up.
CREATE OR REPLACE FUNCTION msgevents_token_count_statement(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT format($sql$
INSERT INTO search_token_counts AS c (token, bucket_start, events)
SELECT t.token, date_bin(interval '15 minutes', e.event_time, timestamptz '2000-01-01 00:00:00+00'), count(*)
FROM %1$s AS e
LEFT JOIN event_texts AS subject_text ON subject_text.id = e.subject_ref
LEFT JOIN event_texts AS from_text ON from_text.id = e.friendly_from_ref
CROSS JOIN LATERAL unnest(msgevents_counted_tokens(e.recipient_domain, coalesce(e.friendly_from, from_text.value),
  e.sending_domain, coalesce(e.subject, subject_text.value), e.campaign_id, e.template_id, e.ip_pool, e.sending_ip,
  e.reason, e.mailbox_provider, e.mailbox_provider_region, e.ab_test_id, e.subaccount_id, e.bounce_class, e.type,
  e.payload)) AS t(token)
GROUP BY 1, 2
ORDER BY 1, 2
ON CONFLICT (token, bucket_start) DO UPDATE SET events = c.events + EXCLUDED.events
$sql$, source)
$fn$;
--> statement-breakpoint
-- An erasure's subtraction (0022's), with the two texts looked up the same way. The deleting statement runs before
-- any text of the deleted rows can be removed (msgevents_collect_event_texts removes only texts no row names).
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
    LEFT JOIN event_texts AS subject_text ON subject_text.id = e.subject_ref
    LEFT JOIN event_texts AS from_text ON from_text.id = e.friendly_from_ref
    CROSS JOIN LATERAL unnest(msgevents_counted_tokens(e.recipient_domain, coalesce(e.friendly_from, from_text.value),
      e.sending_domain, coalesce(e.subject, subject_text.value), e.campaign_id, e.template_id, e.ip_pool, e.sending_ip,
      e.reason, e.mailbox_provider, e.mailbox_provider_region, e.ab_test_id, e.subaccount_id, e.bounce_class, e.type,
      e.payload)) AS t(token)
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
-- Removes the texts among `candidates` that no stored event names; returns how many. A load names texts only while
-- it holds their lock shared (msgevents_name_event_texts, until it commits), so the lock is taken here first: once it
-- is granted, each load that named one of them has committed, and the check (a statement of its own, so with a
-- snapshot taken after the lock; the caller's transaction must be READ COMMITTED) sees its events. Loads that come
-- meanwhile wait at their naming, then add again the texts removed here. Candidates come from erasures (the texts of
-- the events they deleted) and from the maintenance after retention dropped days.
CREATE OR REPLACE FUNCTION msgevents_collect_event_texts(candidates integer[]) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  removed integer;
BEGIN
  PERFORM pg_advisory_xact_lock(727110030);
  DELETE FROM event_texts AS t
  WHERE t.id = ANY(candidates)
    AND NOT EXISTS (
      SELECT FROM events AS e
      WHERE array_remove(ARRAY[e.subject_ref, e.friendly_from_ref, e.transmission_ref], NULL) @> ARRAY[t.id]
        AND (e.subject_ref IS NOT NULL OR e.friendly_from_ref IS NOT NULL OR e.transmission_ref IS NOT NULL)
    );
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END
$$;

-- Two of the statement triggers' statements on events get faster, with the same results: a load spends most of its
-- time in them (2-core machine, a 350-event realistic batch into 35,000 stored events: the search counts statement
-- about 30 ms, the rollup statement about 38, the whole INSERT about 130).
--
-- 1. The search counts statement (msgevents_token_count_statement, 0030) spent most of its time in
-- msgevents_counted_tokens (0019): about 57 µs an event of the generator's realistic corpus, of which about half was
-- its last line, a query per event (ARRAY(SELECT DISTINCT ...)) that removed the duplicate tokens and the empty ones.
-- Here the tokens are made by expressions only, without any query, and their duplicates go as they become the keys of
-- one jsonb object (jsonb_object keeps each key once); the statement reads the keys (jsonb_object_keys) and keeps the
-- counted ones (msgevents_is_counted_token). A domain of up to three keywords (most: 'gmail.com', 'mail.example.com')
-- gets its runs of keywords from one expression instead of a loop. Measured on 3,500 realistic events (one backend):
-- the statement's tokens and their sums 226 -> 157 ms.
--
-- The same tokens for every event: msgevents_counted_tokens is now these keys, filtered, as an array, and
-- test/counted-tokens.test.ts compares it with 0010's definition and the counts written by loads with a recount under
-- 0019's, so the counts stored before stay exact and nothing is recounted.
--
-- 2. The rollup statement: see its definition below.
--
-- Only functions change: no table, and nothing stored is rewritten.
CREATE OR REPLACE FUNCTION msgevents_search_token_set(
  recipient_domain text, friendly_from text, sending_domain text, subject text, campaign_id text, template_id text,
  ip_pool text, sending_ip text, reason text, mailbox_provider text, mailbox_provider_region text, ab_test_id text,
  subaccount_id integer, bounce_class smallint, type text, payload jsonb
) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $fn$
DECLARE
  tokens text[];
  -- Each domain field as (prefix, value): its keywords split at periods too, as domain searches split them.
  domain text[];
  keywords text[];
  keyword_count integer;
BEGIN
  tokens := string_to_array(concat_ws(' ',
      'su:' || regexp_replace(lower(coalesce(subject, payload ->> 'subject')), '[\s_-]+', ' su:', 'g'),
      're:' || regexp_replace(lower(coalesce(reason, payload ->> 'reason')), '[\s_-]+', ' re:', 'g'),
      'ca:' || regexp_replace(lower(coalesce(campaign_id, payload ->> 'campaign_id')), '[\s_-]+', ' ca:', 'g'),
      'te:' || regexp_replace(lower(coalesce(template_id, payload ->> 'template_id')), '[\s_-]+', ' te:', 'g'),
      'ip:' || regexp_replace(lower(coalesce(ip_pool, payload ->> 'ip_pool')), '[\s_-]+', ' ip:', 'g'),
      'mp:' || regexp_replace(lower(coalesce(mailbox_provider, payload ->> 'mailbox_provider')), '[\s_-]+', ' mp:', 'g'),
      'mr:' || regexp_replace(lower(coalesce(mailbox_provider_region, payload ->> 'mailbox_provider_region')), '[\s_-]+',
        ' mr:', 'g'),
      'ab:' || regexp_replace(lower(coalesce(ab_test_id, payload ->> 'ab_test_id')), '[\s_-]+', ' ab:', 'g')
    ), ' ') || ARRAY[
    '*',
    't=' || type,
    'f=' || lower(coalesce(friendly_from, payload ->> 'friendly_from')),
    's=' || coalesce(sending_ip, payload ->> 'sending_ip'),
    'a=' || subaccount_id::text,
    'b=' || bounce_class::text
  ];
  -- Every run of consecutive keywords of a domain ('rd:gmail', 'rd:gmail com', 'rd:com'): a domain search is a phrase.
  FOREACH domain SLICE 1 IN ARRAY ARRAY[
    ['rd:', coalesce(recipient_domain, payload ->> 'recipient_domain')],
    ['sd:', coalesce(sending_domain, payload ->> 'sending_domain')]
  ] LOOP
    keywords := array_remove(regexp_split_to_array(lower(domain[2]), '[\s._-]+'), '');
    keyword_count := coalesce(cardinality(keywords), 0);
    IF keyword_count <= 3 THEN
      tokens := tokens || CASE keyword_count
        WHEN 0 THEN NULL::text[]
        WHEN 1 THEN ARRAY[domain[1] || keywords[1]]
        WHEN 2 THEN ARRAY[domain[1] || keywords[1], domain[1] || keywords[1] || ' ' || keywords[2],
                          domain[1] || keywords[2]]
        ELSE ARRAY[domain[1] || keywords[1], domain[1] || keywords[1] || ' ' || keywords[2],
                   domain[1] || keywords[1] || ' ' || keywords[2] || ' ' || keywords[3], domain[1] || keywords[2],
                   domain[1] || keywords[2] || ' ' || keywords[3], domain[1] || keywords[3]]
      END;
    ELSE
      FOR run_start IN 1..keyword_count LOOP
        FOR run_end IN run_start..keyword_count LOOP
          tokens := tokens || (domain[1] || array_to_string(keywords[run_start:run_end], ' '));
        END LOOP;
      END LOOP;
    END IF;
  END LOOP;
  -- A field without a value made a NULL token, which no object key may be.
  tokens := array_remove(tokens, NULL);
  RETURN jsonb_object(tokens, array_fill(NULL::text, ARRAY[cardinality(tokens)]));
END;
$fn$;
--> statement-breakpoint
-- Which tokens are counted: not a prefix alone ('su:' of an empty subject), nor one longer than 200 characters (a
-- B-tree entry must fit a third of a page). 0019's filter, its regular expression tried only on 3-character tokens.
CREATE OR REPLACE FUNCTION msgevents_is_counted_token(token text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN length(token) = 3 THEN token !~ '^[a-z]{2}:$' ELSE length(token) <= 200 END;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION msgevents_counted_tokens(
  recipient_domain text, friendly_from text, sending_domain text, subject text, campaign_id text, template_id text,
  ip_pool text, sending_ip text, reason text, mailbox_provider text, mailbox_provider_region text, ab_test_id text,
  subaccount_id integer, bounce_class smallint, type text, payload jsonb
) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(
  SELECT t.token
  FROM jsonb_object_keys(msgevents_search_token_set(recipient_domain, friendly_from, sending_domain, subject,
    campaign_id, template_id, ip_pool, sending_ip, reason, mailbox_provider, mailbox_provider_region, ab_test_id,
    subaccount_id, bounce_class, type, payload)) AS t(token)
  WHERE msgevents_is_counted_token(t.token)
);
--> statement-breakpoint
-- 0030's statement, its tokens read from the set.
CREATE OR REPLACE FUNCTION msgevents_token_count_statement(source text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT format($sql$
INSERT INTO search_token_counts AS c (token, bucket_start, events)
SELECT t.token, date_bin(interval '15 minutes', e.event_time, timestamptz '2000-01-01 00:00:00+00'), count(*)
FROM %1$s AS e
LEFT JOIN event_texts AS subject_text ON subject_text.id = e.subject_ref
LEFT JOIN event_texts AS from_text ON from_text.id = e.friendly_from_ref
CROSS JOIN LATERAL jsonb_object_keys(msgevents_search_token_set(e.recipient_domain,
  coalesce(e.friendly_from, from_text.value), e.sending_domain, coalesce(e.subject, subject_text.value), e.campaign_id,
  e.template_id, e.ip_pool, e.sending_ip, e.reason, e.mailbox_provider, e.mailbox_provider_region, e.ab_test_id,
  e.subaccount_id, e.bounce_class, e.type, e.payload)) AS t(token)
WHERE msgevents_is_counted_token(t.token)
GROUP BY 1, 2
ORDER BY 1, 2
ON CONFLICT (token, bucket_start) DO UPDATE SET events = c.events + EXCLUDED.events
$sql$, source)
$fn$;
--> statement-breakpoint
-- The rollup statement (0028's) with the same rows, written in the same key order: each event's counters are summed
-- into every dimension it counts in by one aggregation over grouping sets (the whole account and each of the nine
-- dimension columns; a set whose column is NULL for the event is dropped, as msgevents_metric_dimensions left it out),
-- instead of one row per event and dimension (about 2,800 rows a 350-event batch, each with 28 counters) summed
-- afterwards; likewise the unique counters' increments. Measured on a 350-event realistic batch new to the rollups,
-- into 35,000 stored (one backend, 2-core machine): 38.5 -> 28.4 ms. test/rollup-statement.test.ts compares what it
-- writes with 0016's version, row for row, in every table, in loads and in the backfills' one-day form.
CREATE OR REPLACE FUNCTION msgevents_rollup_statement(source text, fill_day date DEFAULT NULL) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT format($sql$
WITH counted AS (
  SELECT e.event_id, e.type, e.event_time, e.message_id, e.reason, e.bounce_class, e.payload,
         e.num_retries, e.queue_time, e.msg_size,
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
unique_increments AS (
  SELECT r.bucket_minutes, r.bucket_start, c.recipient_domain, c.campaign_id, c.template_id, c.sending_ip, c.ip_pool,
    c.sending_domain, coalesce(c.subaccount_id, 0)::text AS subaccount_value, c.mailbox_provider,
    c.mailbox_provider_region, r.hour_rendered, r.hour_initial_rendered,
    r.hour_clicked, r.hour_confirmed_opened, r.hour15_rendered, r.hour15_initial_rendered, r.hour15_clicked,
    r.hour15_confirmed_opened, r.hour30_rendered, r.hour30_initial_rendered, r.hour30_clicked,
    r.hour30_confirmed_opened, r.day_rendered, r.day_initial_rendered, r.day_clicked, r.day_confirmed_opened
  FROM flags AS f
  JOIN counted AS c ON c.event_id = f.event_id AND c.type = f.type AND c.event_time = f.event_time
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
  SELECT g.* FROM (
    SELECT r.bucket_minutes,
      CASE WHEN GROUPING(r.recipient_domain) = 0 THEN 'domain'
        WHEN GROUPING(r.campaign_id) = 0 THEN 'campaign'
        WHEN GROUPING(r.template_id) = 0 THEN 'template'
        WHEN GROUPING(r.sending_ip) = 0 THEN 'sending_ip'
        WHEN GROUPING(r.ip_pool) = 0 THEN 'ip_pool'
        WHEN GROUPING(r.sending_domain) = 0 THEN 'sending_domain'
        WHEN GROUPING(r.subaccount_value) = 0 THEN 'subaccount'
        WHEN GROUPING(r.mailbox_provider) = 0 THEN 'mailbox_provider'
        WHEN GROUPING(r.mailbox_provider_region) = 0 THEN 'mailbox_provider_region'
        ELSE '' END AS dimension,
      r.bucket_start,
      CASE WHEN GROUPING(r.recipient_domain) = 0 THEN r.recipient_domain
        WHEN GROUPING(r.campaign_id) = 0 THEN r.campaign_id
        WHEN GROUPING(r.template_id) = 0 THEN r.template_id
        WHEN GROUPING(r.sending_ip) = 0 THEN r.sending_ip
        WHEN GROUPING(r.ip_pool) = 0 THEN r.ip_pool
        WHEN GROUPING(r.sending_domain) = 0 THEN r.sending_domain
        WHEN GROUPING(r.subaccount_value) = 0 THEN r.subaccount_value
        WHEN GROUPING(r.mailbox_provider) = 0 THEN r.mailbox_provider
        WHEN GROUPING(r.mailbox_provider_region) = 0 THEN r.mailbox_provider_region
        ELSE '' END AS value,
      nullif(sum(r.hour_rendered), 0),
      nullif(sum(r.hour_initial_rendered), 0), nullif(sum(r.hour_clicked), 0), nullif(sum(r.hour_confirmed_opened), 0),
      nullif(sum(r.hour15_rendered), 0), nullif(sum(r.hour15_initial_rendered), 0), nullif(sum(r.hour15_clicked), 0),
      nullif(sum(r.hour15_confirmed_opened), 0), nullif(sum(r.hour30_rendered), 0),
      nullif(sum(r.hour30_initial_rendered), 0), nullif(sum(r.hour30_clicked), 0),
      nullif(sum(r.hour30_confirmed_opened), 0), nullif(sum(r.day_rendered), 0), nullif(sum(r.day_initial_rendered), 0),
      nullif(sum(r.day_clicked), 0), nullif(sum(r.day_confirmed_opened), 0)
    FROM unique_increments AS r
    GROUP BY r.bucket_minutes, r.bucket_start,
      GROUPING SETS ((), (r.recipient_domain), (r.campaign_id), (r.template_id), (r.sending_ip), (r.ip_pool),
        (r.sending_domain), (r.subaccount_value), (r.mailbox_provider), (r.mailbox_provider_region))
  ) AS g
  WHERE g.value IS NOT NULL
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (bucket_minutes, dimension, bucket_start, value) DO UPDATE SET
    hour_rendered = coalesce(u.hour_rendered + EXCLUDED.hour_rendered, u.hour_rendered, EXCLUDED.hour_rendered),
    hour_initial_rendered = coalesce(u.hour_initial_rendered + EXCLUDED.hour_initial_rendered,
      u.hour_initial_rendered, EXCLUDED.hour_initial_rendered),
    hour_clicked = coalesce(u.hour_clicked + EXCLUDED.hour_clicked, u.hour_clicked, EXCLUDED.hour_clicked),
    hour_confirmed_opened = coalesce(u.hour_confirmed_opened + EXCLUDED.hour_confirmed_opened,
      u.hour_confirmed_opened, EXCLUDED.hour_confirmed_opened),
    hour15_rendered = coalesce(u.hour15_rendered + EXCLUDED.hour15_rendered,
      u.hour15_rendered, EXCLUDED.hour15_rendered),
    hour15_initial_rendered = coalesce(u.hour15_initial_rendered + EXCLUDED.hour15_initial_rendered,
      u.hour15_initial_rendered, EXCLUDED.hour15_initial_rendered),
    hour15_clicked = coalesce(u.hour15_clicked + EXCLUDED.hour15_clicked, u.hour15_clicked, EXCLUDED.hour15_clicked),
    hour15_confirmed_opened = coalesce(u.hour15_confirmed_opened + EXCLUDED.hour15_confirmed_opened,
      u.hour15_confirmed_opened, EXCLUDED.hour15_confirmed_opened),
    hour30_rendered = coalesce(u.hour30_rendered + EXCLUDED.hour30_rendered,
      u.hour30_rendered, EXCLUDED.hour30_rendered),
    hour30_initial_rendered = coalesce(u.hour30_initial_rendered + EXCLUDED.hour30_initial_rendered,
      u.hour30_initial_rendered, EXCLUDED.hour30_initial_rendered),
    hour30_clicked = coalesce(u.hour30_clicked + EXCLUDED.hour30_clicked, u.hour30_clicked, EXCLUDED.hour30_clicked),
    hour30_confirmed_opened = coalesce(u.hour30_confirmed_opened + EXCLUDED.hour30_confirmed_opened,
      u.hour30_confirmed_opened, EXCLUDED.hour30_confirmed_opened),
    day_rendered = coalesce(u.day_rendered + EXCLUDED.day_rendered, u.day_rendered, EXCLUDED.day_rendered),
    day_initial_rendered = coalesce(u.day_initial_rendered + EXCLUDED.day_initial_rendered,
      u.day_initial_rendered, EXCLUDED.day_initial_rendered),
    day_clicked = coalesce(u.day_clicked + EXCLUDED.day_clicked, u.day_clicked, EXCLUDED.day_clicked),
    day_confirmed_opened = coalesce(u.day_confirmed_opened + EXCLUDED.day_confirmed_opened,
      u.day_confirmed_opened, EXCLUDED.day_confirmed_opened)
),
measured AS MATERIALIZED (
  -- What each event adds to every counter, computed once per event rather than once per dimension it counts in.
  SELECT date_bin(interval '15 minutes', c.event_time, timestamptz '2000-01-01 00:00:00+00') AS bucket_start,
         c.reason, c.bounce_class, c.recipient_domain, c.campaign_id, c.template_id, c.sending_ip, c.ip_pool,
         c.sending_domain, coalesce(c.subaccount_id, 0)::text AS subaccount_value, c.mailbox_provider,
         c.mailbox_provider_region, m.*,
         coalesce(f.minute_rendered, 0) AS count_unique_rendered,
         coalesce(f.minute_initial_rendered, 0) AS count_unique_initial_rendered,
         coalesce(f.minute_clicked, 0) AS count_unique_clicked,
         coalesce(f.minute_confirmed_opened, 0) AS count_unique_confirmed_opened
  FROM counted AS c
  CROSS JOIN LATERAL msgevents_event_metrics(c.type, c.bounce_class, c.payload, c.num_retries, c.queue_time,
    c.msg_size) AS m
  LEFT JOIN flags AS f ON f.event_id = c.event_id AND f.type = c.type AND f.event_time = c.event_time
  WHERE c.own
),
-- Events are summed into quarter hours once; a day's row is the sum of its quarter hours (a day is 96 of them).
bounce_quarters AS (
  SELECT g.* FROM (
    SELECT CASE WHEN GROUPING(p.recipient_domain) = 0 THEN 'domain'
        WHEN GROUPING(p.campaign_id) = 0 THEN 'campaign'
        WHEN GROUPING(p.template_id) = 0 THEN 'template'
        WHEN GROUPING(p.sending_ip) = 0 THEN 'sending_ip'
        WHEN GROUPING(p.ip_pool) = 0 THEN 'ip_pool'
        WHEN GROUPING(p.sending_domain) = 0 THEN 'sending_domain'
        WHEN GROUPING(p.subaccount_value) = 0 THEN 'subaccount'
        WHEN GROUPING(p.mailbox_provider) = 0 THEN 'mailbox_provider'
        WHEN GROUPING(p.mailbox_provider_region) = 0 THEN 'mailbox_provider_region'
        ELSE '' END AS dimension,
      p.bucket_start,
      CASE WHEN GROUPING(p.recipient_domain) = 0 THEN p.recipient_domain
        WHEN GROUPING(p.campaign_id) = 0 THEN p.campaign_id
        WHEN GROUPING(p.template_id) = 0 THEN p.template_id
        WHEN GROUPING(p.sending_ip) = 0 THEN p.sending_ip
        WHEN GROUPING(p.ip_pool) = 0 THEN p.ip_pool
        WHEN GROUPING(p.sending_domain) = 0 THEN p.sending_domain
        WHEN GROUPING(p.subaccount_value) = 0 THEN p.subaccount_value
        WHEN GROUPING(p.mailbox_provider) = 0 THEN p.mailbox_provider
        WHEN GROUPING(p.mailbox_provider_region) = 0 THEN p.mailbox_provider_region
        ELSE '' END AS value,
      coalesce(p.reason, '') AS reason, coalesce(p.bounce_class, 1) AS bounce_class,
      sum(p.count_inband_bounce) AS count_inband_bounce, sum(p.count_outofband_bounce) AS count_outofband_bounce,
      sum(p.count_admin_bounce) AS count_admin_bounce
    FROM measured AS p
    WHERE p.count_inband_bounce + p.count_outofband_bounce + p.count_admin_bounce > 0
    GROUP BY p.bucket_start, coalesce(p.reason, ''), coalesce(p.bounce_class, 1),
      GROUPING SETS ((), (p.recipient_domain), (p.campaign_id), (p.template_id), (p.sending_ip), (p.ip_pool),
        (p.sending_domain), (p.subaccount_value), (p.mailbox_provider), (p.mailbox_provider_region))
  ) AS g
  WHERE g.value IS NOT NULL
),
bounces AS (
  INSERT INTO bounce_rollups AS b (bucket_minutes, dimension, bucket_start, value, reason, bounce_class,
                                   count_inband_bounce, count_outofband_bounce, count_admin_bounce)
  SELECT 15::smallint, q.dimension, q.bucket_start, q.value, q.reason, q.bounce_class, q.count_inband_bounce,
         q.count_outofband_bounce, q.count_admin_bounce
  FROM bounce_quarters AS q
  UNION ALL
  SELECT 1440::smallint, q.dimension, date_bin(interval '1 day', q.bucket_start, timestamptz '2000-01-01 00:00:00+00'),
         q.value, q.reason, q.bounce_class, sum(q.count_inband_bounce), sum(q.count_outofband_bounce),
         sum(q.count_admin_bounce)
  FROM bounce_quarters AS q
  GROUP BY 2, 3, 4, 5, 6
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (bucket_minutes, dimension, bucket_start, value, reason, bounce_class) DO UPDATE SET
    count_inband_bounce = b.count_inband_bounce + EXCLUDED.count_inband_bounce,
    count_outofband_bounce = b.count_outofband_bounce + EXCLUDED.count_outofband_bounce,
    count_admin_bounce = b.count_admin_bounce + EXCLUDED.count_admin_bounce
),
quarters AS (
  SELECT g.* FROM (
    SELECT CASE WHEN GROUPING(p.recipient_domain) = 0 THEN 'domain'
        WHEN GROUPING(p.campaign_id) = 0 THEN 'campaign'
        WHEN GROUPING(p.template_id) = 0 THEN 'template'
        WHEN GROUPING(p.sending_ip) = 0 THEN 'sending_ip'
        WHEN GROUPING(p.ip_pool) = 0 THEN 'ip_pool'
        WHEN GROUPING(p.sending_domain) = 0 THEN 'sending_domain'
        WHEN GROUPING(p.subaccount_value) = 0 THEN 'subaccount'
        WHEN GROUPING(p.mailbox_provider) = 0 THEN 'mailbox_provider'
        WHEN GROUPING(p.mailbox_provider_region) = 0 THEN 'mailbox_provider_region'
        ELSE '' END AS dimension,
      p.bucket_start,
      CASE WHEN GROUPING(p.recipient_domain) = 0 THEN p.recipient_domain
        WHEN GROUPING(p.campaign_id) = 0 THEN p.campaign_id
        WHEN GROUPING(p.template_id) = 0 THEN p.template_id
        WHEN GROUPING(p.sending_ip) = 0 THEN p.sending_ip
        WHEN GROUPING(p.ip_pool) = 0 THEN p.ip_pool
        WHEN GROUPING(p.sending_domain) = 0 THEN p.sending_domain
        WHEN GROUPING(p.subaccount_value) = 0 THEN p.subaccount_value
        WHEN GROUPING(p.mailbox_provider) = 0 THEN p.mailbox_provider
        WHEN GROUPING(p.mailbox_provider_region) = 0 THEN p.mailbox_provider_region
        ELSE '' END AS value,
      sum(p.count_injected) AS count_injected, sum(p.count_policy_rejection) AS count_policy_rejection,
      sum(p.count_generation_rejection) AS count_generation_rejection,
      sum(p.count_generation_failed) AS count_generation_failed, sum(p.count_delivered) AS count_delivered,
      sum(p.count_delivered_first) AS count_delivered_first,
      sum(p.count_delivered_subsequent) AS count_delivered_subsequent, sum(p.count_delayed) AS count_delayed,
      sum(p.count_delayed_first) AS count_delayed_first, sum(p.count_inband_bounce) AS count_inband_bounce,
      sum(p.count_outofband_bounce) AS count_outofband_bounce, sum(p.count_hard_bounce) AS count_hard_bounce,
      sum(p.count_soft_bounce) AS count_soft_bounce, sum(p.count_block_bounce) AS count_block_bounce,
      sum(p.count_undetermined_bounce) AS count_undetermined_bounce, sum(p.count_admin_bounce) AS count_admin_bounce,
      sum(p.count_rendered) AS count_rendered, sum(p.count_initial_rendered) AS count_initial_rendered,
      sum(p.count_clicked) AS count_clicked, sum(p.count_spam_complaint) AS count_spam_complaint,
      sum(p.count_unsubscribe) AS count_unsubscribe, sum(p.count_unique_rendered) AS count_unique_rendered,
      sum(p.count_unique_initial_rendered) AS count_unique_initial_rendered,
      sum(p.count_unique_clicked) AS count_unique_clicked,
      sum(p.count_unique_confirmed_opened) AS count_unique_confirmed_opened,
      sum(p.total_delivery_time_first) AS total_delivery_time_first,
      sum(p.total_delivery_time_subsequent) AS total_delivery_time_subsequent,
      sum(p.total_msg_volume) AS total_msg_volume
    FROM measured AS p
    GROUP BY p.bucket_start, GROUPING SETS ((), (p.recipient_domain), (p.campaign_id), (p.template_id),
      (p.sending_ip), (p.ip_pool), (p.sending_domain), (p.subaccount_value), (p.mailbox_provider),
      (p.mailbox_provider_region))
  ) AS g
  WHERE g.value IS NOT NULL
)
INSERT INTO metric_rollups AS r (bucket_minutes, dimension, bucket_start, value,
  count_injected, count_policy_rejection, count_generation_rejection, count_generation_failed, count_delivered,
  count_delivered_first, count_delivered_subsequent, count_delayed, count_delayed_first, count_inband_bounce,
  count_outofband_bounce, count_hard_bounce, count_soft_bounce, count_block_bounce, count_undetermined_bounce,
  count_admin_bounce, count_rendered, count_initial_rendered, count_clicked, count_spam_complaint, count_unsubscribe,
  count_unique_rendered, count_unique_initial_rendered, count_unique_clicked, count_unique_confirmed_opened,
  total_delivery_time_first, total_delivery_time_subsequent, total_msg_volume)
SELECT 15::smallint, q.dimension, q.bucket_start, q.value,
  nullif(q.count_injected, 0), nullif(q.count_policy_rejection, 0), nullif(q.count_generation_rejection, 0),
  nullif(q.count_generation_failed, 0), nullif(q.count_delivered, 0), nullif(q.count_delivered_first, 0),
  nullif(q.count_delivered_subsequent, 0), nullif(q.count_delayed, 0), nullif(q.count_delayed_first, 0),
  nullif(q.count_inband_bounce, 0), nullif(q.count_outofband_bounce, 0), nullif(q.count_hard_bounce, 0),
  nullif(q.count_soft_bounce, 0), nullif(q.count_block_bounce, 0), nullif(q.count_undetermined_bounce, 0),
  nullif(q.count_admin_bounce, 0), nullif(q.count_rendered, 0), nullif(q.count_initial_rendered, 0),
  nullif(q.count_clicked, 0), nullif(q.count_spam_complaint, 0), nullif(q.count_unsubscribe, 0),
  nullif(q.count_unique_rendered, 0), nullif(q.count_unique_initial_rendered, 0), nullif(q.count_unique_clicked, 0),
  nullif(q.count_unique_confirmed_opened, 0), nullif(q.total_delivery_time_first, 0),
  nullif(q.total_delivery_time_subsequent, 0), nullif(q.total_msg_volume, 0)
FROM quarters AS q
UNION ALL
SELECT 1440::smallint, q.dimension, date_bin(interval '1 day', q.bucket_start, timestamptz '2000-01-01 00:00:00+00'),
  q.value, nullif(sum(q.count_injected), 0), nullif(sum(q.count_policy_rejection), 0),
    nullif(sum(q.count_generation_rejection), 0), nullif(sum(q.count_generation_failed), 0),
    nullif(sum(q.count_delivered), 0), nullif(sum(q.count_delivered_first), 0),
    nullif(sum(q.count_delivered_subsequent), 0), nullif(sum(q.count_delayed), 0),
    nullif(sum(q.count_delayed_first), 0), nullif(sum(q.count_inband_bounce), 0),
    nullif(sum(q.count_outofband_bounce), 0), nullif(sum(q.count_hard_bounce), 0),
    nullif(sum(q.count_soft_bounce), 0), nullif(sum(q.count_block_bounce), 0),
    nullif(sum(q.count_undetermined_bounce), 0), nullif(sum(q.count_admin_bounce), 0),
    nullif(sum(q.count_rendered), 0), nullif(sum(q.count_initial_rendered), 0), nullif(sum(q.count_clicked), 0),
    nullif(sum(q.count_spam_complaint), 0), nullif(sum(q.count_unsubscribe), 0),
    nullif(sum(q.count_unique_rendered), 0), nullif(sum(q.count_unique_initial_rendered), 0),
    nullif(sum(q.count_unique_clicked), 0), nullif(sum(q.count_unique_confirmed_opened), 0),
    nullif(sum(q.total_delivery_time_first), 0), nullif(sum(q.total_delivery_time_subsequent), 0),
    nullif(sum(q.total_msg_volume), 0)
FROM quarters AS q
GROUP BY 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (bucket_minutes, dimension, bucket_start, value) DO UPDATE SET
  count_injected = coalesce(r.count_injected + EXCLUDED.count_injected, r.count_injected, EXCLUDED.count_injected),
  count_policy_rejection = coalesce(r.count_policy_rejection + EXCLUDED.count_policy_rejection,
    r.count_policy_rejection, EXCLUDED.count_policy_rejection),
  count_generation_rejection = coalesce(r.count_generation_rejection + EXCLUDED.count_generation_rejection,
    r.count_generation_rejection, EXCLUDED.count_generation_rejection),
  count_generation_failed = coalesce(r.count_generation_failed + EXCLUDED.count_generation_failed,
    r.count_generation_failed, EXCLUDED.count_generation_failed),
  count_delivered = coalesce(r.count_delivered + EXCLUDED.count_delivered,
    r.count_delivered, EXCLUDED.count_delivered),
  count_delivered_first = coalesce(r.count_delivered_first + EXCLUDED.count_delivered_first,
    r.count_delivered_first, EXCLUDED.count_delivered_first),
  count_delivered_subsequent = coalesce(r.count_delivered_subsequent + EXCLUDED.count_delivered_subsequent,
    r.count_delivered_subsequent, EXCLUDED.count_delivered_subsequent),
  count_delayed = coalesce(r.count_delayed + EXCLUDED.count_delayed, r.count_delayed, EXCLUDED.count_delayed),
  count_delayed_first = coalesce(r.count_delayed_first + EXCLUDED.count_delayed_first,
    r.count_delayed_first, EXCLUDED.count_delayed_first),
  count_inband_bounce = coalesce(r.count_inband_bounce + EXCLUDED.count_inband_bounce,
    r.count_inband_bounce, EXCLUDED.count_inband_bounce),
  count_outofband_bounce = coalesce(r.count_outofband_bounce + EXCLUDED.count_outofband_bounce,
    r.count_outofband_bounce, EXCLUDED.count_outofband_bounce),
  count_hard_bounce = coalesce(r.count_hard_bounce + EXCLUDED.count_hard_bounce,
    r.count_hard_bounce, EXCLUDED.count_hard_bounce),
  count_soft_bounce = coalesce(r.count_soft_bounce + EXCLUDED.count_soft_bounce,
    r.count_soft_bounce, EXCLUDED.count_soft_bounce),
  count_block_bounce = coalesce(r.count_block_bounce + EXCLUDED.count_block_bounce,
    r.count_block_bounce, EXCLUDED.count_block_bounce),
  count_undetermined_bounce = coalesce(r.count_undetermined_bounce + EXCLUDED.count_undetermined_bounce,
    r.count_undetermined_bounce, EXCLUDED.count_undetermined_bounce),
  count_admin_bounce = coalesce(r.count_admin_bounce + EXCLUDED.count_admin_bounce,
    r.count_admin_bounce, EXCLUDED.count_admin_bounce),
  count_rendered = coalesce(r.count_rendered + EXCLUDED.count_rendered, r.count_rendered, EXCLUDED.count_rendered),
  count_initial_rendered = coalesce(r.count_initial_rendered + EXCLUDED.count_initial_rendered,
    r.count_initial_rendered, EXCLUDED.count_initial_rendered),
  count_clicked = coalesce(r.count_clicked + EXCLUDED.count_clicked, r.count_clicked, EXCLUDED.count_clicked),
  count_spam_complaint = coalesce(r.count_spam_complaint + EXCLUDED.count_spam_complaint,
    r.count_spam_complaint, EXCLUDED.count_spam_complaint),
  count_unsubscribe = coalesce(r.count_unsubscribe + EXCLUDED.count_unsubscribe,
    r.count_unsubscribe, EXCLUDED.count_unsubscribe),
  count_unique_rendered = coalesce(r.count_unique_rendered + EXCLUDED.count_unique_rendered,
    r.count_unique_rendered, EXCLUDED.count_unique_rendered),
  count_unique_initial_rendered = coalesce(r.count_unique_initial_rendered + EXCLUDED.count_unique_initial_rendered,
    r.count_unique_initial_rendered, EXCLUDED.count_unique_initial_rendered),
  count_unique_clicked = coalesce(r.count_unique_clicked + EXCLUDED.count_unique_clicked,
    r.count_unique_clicked, EXCLUDED.count_unique_clicked),
  count_unique_confirmed_opened = coalesce(r.count_unique_confirmed_opened + EXCLUDED.count_unique_confirmed_opened,
    r.count_unique_confirmed_opened, EXCLUDED.count_unique_confirmed_opened),
  total_delivery_time_first = coalesce(r.total_delivery_time_first + EXCLUDED.total_delivery_time_first,
    r.total_delivery_time_first, EXCLUDED.total_delivery_time_first),
  total_delivery_time_subsequent = coalesce(r.total_delivery_time_subsequent + EXCLUDED.total_delivery_time_subsequent,
    r.total_delivery_time_subsequent, EXCLUDED.total_delivery_time_subsequent),
  total_msg_volume = coalesce(r.total_msg_volume + EXCLUDED.total_msg_volume,
    r.total_msg_volume, EXCLUDED.total_msg_volume)
$sql$, source, fill_day)
$fn$;

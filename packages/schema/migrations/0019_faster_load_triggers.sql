-- Loads spend most of their time in the statement triggers on events, which keep the derived tables. Two of their
-- statements get faster here, with the same results. Measured per 350-event batch into 100k stored events on 2 cores:
-- the search-count trigger 53 -> 23 ms, the rollup trigger 49 -> 35 ms, the whole INSERT 145 -> 99 ms.
--
-- 1. The tokens an event is counted under in search_token_counts (migration 0010), computed in PL/pgSQL instead of one
-- SQL query per event, about three times faster: the SQL version ran a query per event, and one more per domain for
-- its runs of keywords. Here only the final DISTINCT is a query; the keyword runs are loops over arrays.
-- The result is the same set of tokens for every input (test/counted-tokens.test.ts compares it with 0010's
-- definition on the generator's corpus, the samples and unusual values), so the counts already stored stay exact and
-- nothing needs recounting. The body calls built-in functions only, each as 0002's msgevents_prefixed_keywords and
-- msgevents_keywords call them (inlined here), so it does not depend on search_path.
CREATE OR REPLACE FUNCTION msgevents_counted_tokens(
  recipient_domain text, friendly_from text, sending_domain text, subject text, campaign_id text, template_id text,
  ip_pool text, sending_ip text, reason text, mailbox_provider text, mailbox_provider_region text, ab_test_id text,
  subaccount_id integer, bounce_class smallint, type text, payload jsonb
) RETURNS text[]
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
    ), ' ');
  -- Every run of consecutive keywords of a domain ('rd:gmail', 'rd:gmail com', 'rd:com'): a domain search is a phrase.
  FOREACH domain SLICE 1 IN ARRAY ARRAY[
    ['rd:', coalesce(recipient_domain, payload ->> 'recipient_domain')],
    ['sd:', coalesce(sending_domain, payload ->> 'sending_domain')]
  ] LOOP
    keywords := array_remove(regexp_split_to_array(lower(domain[2]), '[\s._-]+'), '');
    keyword_count := coalesce(cardinality(keywords), 0);
    FOR run_start IN 1..keyword_count LOOP
      FOR run_end IN run_start..keyword_count LOOP
        tokens := tokens || (domain[1] || array_to_string(keywords[run_start:run_end], ' '));
      END LOOP;
    END LOOP;
  END LOOP;
  tokens := tokens || ARRAY[
    '*',
    't=' || type,
    'f=' || lower(coalesce(friendly_from, payload ->> 'friendly_from')),
    's=' || coalesce(sending_ip, payload ->> 'sending_ip'),
    'a=' || subaccount_id::text,
    'b=' || bounce_class::text
  ];
  RETURN ARRAY(
    SELECT DISTINCT token FROM unnest(tokens) AS token
    WHERE token IS NOT NULL AND token !~ '^[a-z]{2}:$' AND length(token) <= 200
  );
END;
$fn$;
--> statement-breakpoint
-- 0010's helper for the keyword runs, which only msgevents_counted_tokens called.
DROP FUNCTION msgevents_keyword_runs(text, text);
--> statement-breakpoint
-- 2. The rollup statement (0016) with the same CTEs up to the unique counters, then: what an event adds to each
-- counter is computed once per event (it was once per event, increment and dimension: 16 times), and events are summed
-- into quarter hours once, each day's rows being the sums of its quarter hours (they were summed twice from the
-- events, once per increment). The same rows, in the same key order; test/rollup-statement.test.ts compares the
-- rollups it writes with 0016's.
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
measured AS MATERIALIZED (
  -- What each event adds to every counter, computed once per event rather than once per dimension it counts in.
  SELECT date_bin(interval '15 minutes', c.event_time, timestamptz '2000-01-01 00:00:00+00') AS bucket_start,
         c.reason, c.bounce_class, c.recipient_domain, c.campaign_id, c.template_id, c.sending_ip, c.ip_pool,
         c.sending_domain, c.subaccount_id, c.mailbox_provider, c.mailbox_provider_region, m.*,
         coalesce(f.minute_rendered, 0) AS count_unique_rendered,
         coalesce(f.minute_initial_rendered, 0) AS count_unique_initial_rendered,
         coalesce(f.minute_clicked, 0) AS count_unique_clicked,
         coalesce(f.minute_confirmed_opened, 0) AS count_unique_confirmed_opened
  FROM counted AS c
  CROSS JOIN LATERAL msgevents_event_metrics(c.type, c.bounce_class, c.payload) AS m
  LEFT JOIN flags AS f ON f.event_id = c.event_id AND f.type = c.type AND f.event_time = c.event_time
  WHERE c.own
),
per_event AS (
  SELECT e.*, d.dimension, d.value
  FROM measured AS e
  CROSS JOIN LATERAL msgevents_metric_dimensions(e.recipient_domain, e.campaign_id, e.template_id, e.sending_ip,
    e.ip_pool, e.sending_domain, e.subaccount_id, e.mailbox_provider, e.mailbox_provider_region) AS d
),
-- Events are summed into quarter hours once; a day's row is the sum of its quarter hours (a day is 96 of them).
bounce_quarters AS (
  SELECT p.dimension, p.bucket_start, p.value, coalesce(p.reason, '') AS reason,
         coalesce(p.bounce_class, 1) AS bounce_class, sum(p.count_inband_bounce) AS count_inband_bounce,
         sum(p.count_outofband_bounce) AS count_outofband_bounce, sum(p.count_admin_bounce) AS count_admin_bounce
  FROM per_event AS p
  WHERE p.count_inband_bounce + p.count_outofband_bounce + p.count_admin_bounce > 0
  GROUP BY 1, 2, 3, 4, 5
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
  SELECT p.dimension, p.bucket_start, p.value,
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
  FROM per_event AS p
  GROUP BY 1, 2, 3
)
INSERT INTO metric_rollups AS r (bucket_minutes, dimension, bucket_start, value,
  count_injected, count_policy_rejection, count_generation_rejection, count_generation_failed, count_delivered,
  count_delivered_first, count_delivered_subsequent, count_delayed, count_delayed_first, count_inband_bounce,
  count_outofband_bounce, count_hard_bounce, count_soft_bounce, count_block_bounce, count_undetermined_bounce,
  count_admin_bounce, count_rendered, count_initial_rendered, count_clicked, count_spam_complaint, count_unsubscribe,
  count_unique_rendered, count_unique_initial_rendered, count_unique_clicked, count_unique_confirmed_opened,
  total_delivery_time_first, total_delivery_time_subsequent, total_msg_volume)
SELECT 15::smallint, q.dimension, q.bucket_start, q.value,
  q.count_injected, q.count_policy_rejection, q.count_generation_rejection, q.count_generation_failed,
  q.count_delivered, q.count_delivered_first, q.count_delivered_subsequent, q.count_delayed, q.count_delayed_first,
  q.count_inband_bounce, q.count_outofband_bounce, q.count_hard_bounce, q.count_soft_bounce, q.count_block_bounce,
  q.count_undetermined_bounce, q.count_admin_bounce, q.count_rendered, q.count_initial_rendered, q.count_clicked,
  q.count_spam_complaint, q.count_unsubscribe, q.count_unique_rendered, q.count_unique_initial_rendered,
  q.count_unique_clicked, q.count_unique_confirmed_opened, q.total_delivery_time_first,
  q.total_delivery_time_subsequent, q.total_msg_volume
FROM quarters AS q
UNION ALL
SELECT 1440::smallint, q.dimension, date_bin(interval '1 day', q.bucket_start, timestamptz '2000-01-01 00:00:00+00'),
  q.value, sum(q.count_injected), sum(q.count_policy_rejection), sum(q.count_generation_rejection),
  sum(q.count_generation_failed), sum(q.count_delivered), sum(q.count_delivered_first),
  sum(q.count_delivered_subsequent), sum(q.count_delayed), sum(q.count_delayed_first), sum(q.count_inband_bounce),
  sum(q.count_outofband_bounce), sum(q.count_hard_bounce), sum(q.count_soft_bounce), sum(q.count_block_bounce),
  sum(q.count_undetermined_bounce), sum(q.count_admin_bounce), sum(q.count_rendered), sum(q.count_initial_rendered),
  sum(q.count_clicked), sum(q.count_spam_complaint), sum(q.count_unsubscribe), sum(q.count_unique_rendered),
  sum(q.count_unique_initial_rendered), sum(q.count_unique_clicked), sum(q.count_unique_confirmed_opened),
  sum(q.total_delivery_time_first), sum(q.total_delivery_time_subsequent), sum(q.total_msg_volume)
FROM quarters AS q
GROUP BY 2, 3, 4
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

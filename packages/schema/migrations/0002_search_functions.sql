-- Search support for the Events API (packages/query). Owned by the query package; see packages/query/README.md.
--
-- Every searchable value of an event becomes one or more tokens ("<prefix><text>"), hashed to int4 with hashtext and
-- de-duplicated, under one GIN expression index on events (next migration). Hashes keep the index a
-- fraction of the size of text tokens; a collision only adds a candidate row, because every query also
-- re-checks the exact condition on the candidates. The functions use SQL-standard bodies so their references are
-- bound at creation (safe for generated columns, indexes and restores whatever the search_path).

-- SparkPost keyword semantics: keywords are the lower-cased parts of a value between spaces, dashes and underscores,
-- and also periods for the domain filters.
CREATE OR REPLACE FUNCTION msgevents_keywords(value text, split_periods boolean) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_remove(
  regexp_split_to_array(lower(value), CASE WHEN split_periods THEN '[\s._-]+' ELSE '[\s_-]+' END),
  ''
);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION msgevents_keyword_hashes(prefix text, value text, split_periods boolean) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT ARRAY(SELECT hashtext(prefix || keyword) FROM unnest(msgevents_keywords(value, split_periods)) AS keyword);
END;
--> statement-breakpoint
-- True when the keywords of `value` contain `phrase` (' k1 k2 ', built by msgevents_keyword_phrase) in order.
CREATE OR REPLACE FUNCTION msgevents_keyword_phrase(value text, split_periods boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ' ' || array_to_string(msgevents_keywords(value, split_periods), ' ') || ' ';
--> statement-breakpoint
CREATE OR REPLACE FUNCTION msgevents_has_keywords(value text, split_periods boolean, phrase text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN strpos(msgevents_keyword_phrase(value, split_periods), phrase) > 0;
--> statement-breakpoint
-- The searchable texts of one rcpt_meta value: a scalar's text, or each scalar element of an array.
CREATE OR REPLACE FUNCTION msgevents_meta_values(value jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT element #>> '{}'
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(value) = 'array' THEN value ELSE jsonb_build_array(value) END)
    AS element
  WHERE jsonb_typeof(element) IN ('string', 'number', 'boolean');
END;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION msgevents_meta_matches(meta jsonb, key text, wanted text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT EXISTS (
    SELECT 1 FROM msgevents_meta_values(CASE WHEN jsonb_typeof(meta) = 'object' THEN meta -> key END) AS value
    WHERE value = wanted
  );
END;
--> statement-breakpoint
-- A value's keywords as space-separated tokens, each with the prefix ('rd:mail rd:yahoo rd:com'). A value that starts
-- or ends with a delimiter also yields the bare prefix, which msgevents_search_hashes drops.
CREATE OR REPLACE FUNCTION msgevents_prefixed_keywords(prefix text, value text, split_periods boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN prefix || regexp_replace(lower(value), CASE WHEN split_periods THEN '[\s._-]+' ELSE '[\s_-]+' END, ' ' || prefix, 'g');
--> statement-breakpoint
-- All search tokens of an event, hashed. Text values too long for their column live only in the payload, hence the
-- coalesce. Prefixes: keyword fields end in ':', exact fields in '='. Written as one array expression (not a union
-- of subqueries): it runs for every inserted row.
CREATE OR REPLACE FUNCTION msgevents_search_hashes(
  rcpt_to text,
  recipient_domain text,
  friendly_from text,
  sending_domain text,
  subject text,
  campaign_id text,
  template_id text,
  ip_pool text,
  sending_ip text,
  reason text,
  mailbox_provider text,
  mailbox_provider_region text,
  ab_test_id text,
  message_id text,
  transmission_id text,
  subaccount_id integer,
  bounce_class smallint,
  payload jsonb
) RETURNS integer[]
-- The high cost steers the planner away from plans that would compute every row's tokens in a filter.
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 10000
BEGIN ATOMIC
  SELECT ARRAY(
    SELECT DISTINCT hashtext(token)
    FROM unnest(
      string_to_array(concat_ws(' ',
        msgevents_prefixed_keywords('rd:', coalesce(recipient_domain, payload ->> 'recipient_domain'), true),
        msgevents_prefixed_keywords('sd:', coalesce(sending_domain, payload ->> 'sending_domain'), true),
        msgevents_prefixed_keywords('su:', coalesce(subject, payload ->> 'subject'), false),
        msgevents_prefixed_keywords('re:', coalesce(reason, payload ->> 'reason'), false),
        msgevents_prefixed_keywords('ca:', coalesce(campaign_id, payload ->> 'campaign_id'), false),
        msgevents_prefixed_keywords('te:', coalesce(template_id, payload ->> 'template_id'), false),
        msgevents_prefixed_keywords('ip:', coalesce(ip_pool, payload ->> 'ip_pool'), false),
        msgevents_prefixed_keywords('mp:', coalesce(mailbox_provider, payload ->> 'mailbox_provider'), false),
        msgevents_prefixed_keywords('mr:', coalesce(mailbox_provider_region, payload ->> 'mailbox_provider_region'), false),
        msgevents_prefixed_keywords('ab:', coalesce(ab_test_id, payload ->> 'ab_test_id'), false)
      ), ' ')
      || ARRAY[
        'r=' || lower(coalesce(rcpt_to, payload ->> 'rcpt_to')),
        'f=' || lower(coalesce(friendly_from, payload ->> 'friendly_from')),
        'm=' || coalesce(message_id, payload ->> 'message_id'),
        'x=' || coalesce(transmission_id, payload ->> 'transmission_id'),
        's=' || coalesce(sending_ip, payload ->> 'sending_ip'),
        'a=' || subaccount_id::text,
        'b=' || bounce_class::text
      ]
      || ARRAY(
        SELECT 'k=' || meta.key || '=' || meta_value
        FROM jsonb_each(CASE WHEN jsonb_typeof(payload -> 'rcpt_meta') = 'object' THEN payload -> 'rcpt_meta' END)
            AS meta,
          msgevents_meta_values(meta.value) AS meta_value
      )
      || ARRAY(
        SELECT 'g=' || tag
        FROM jsonb_array_elements_text(
          CASE WHEN jsonb_typeof(payload -> 'rcpt_tags') = 'array' THEN payload -> 'rcpt_tags' END
        ) AS tag
      )
    ) AS token
    WHERE token IS NOT NULL AND token !~ '^[a-z]{2}:$'
  );
END;

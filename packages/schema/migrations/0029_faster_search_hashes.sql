-- Custom SQL migration file, put your code below! --
-- The search-token index's expression, msgevents_search_hashes (0002), rewritten in PL/pgSQL for speed: every inserted
-- row computes it for the index, and as a SQL function with subqueries it ran the executor's subplans for each event
-- (about 57-78 µs an event; this definition about 36-56, measured on 52,000 generated events). It returns the same set
-- of hashes for every row, so the index built from the old definition stays exact (test/search-hashes.test.ts
-- compares the two on every sample type, the generator's realistic and lean events, unusual records and odd values).
-- A hash may now appear more than once in the array, where the old one listed each once: nothing reads the array but
-- GIN, which keeps each key once, and the && and @> operators, which ignore repeats. Nothing stored is rewritten.
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
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 10000
AS $$
DECLARE
  -- The keyword fields' tokens (split at delimiters, each with its prefix), then the exact fields' whole values.
  -- msgevents_prefixed_keywords (0002) is written out here: a PL/pgSQL body looks names up when it runs, and
  -- PostgreSQL runs index expressions for ANALYZE, VACUUM and CREATE INDEX with only pg_catalog on the search path,
  -- so the body calls built-in functions alone.
  keyword_tokens text[] := string_to_array(concat_ws(' ',
    'rd:' || regexp_replace(lower(coalesce(recipient_domain, payload ->> 'recipient_domain')), '[\s._-]+', ' rd:', 'g'),
    'sd:' || regexp_replace(lower(coalesce(sending_domain, payload ->> 'sending_domain')), '[\s._-]+', ' sd:', 'g'),
    'su:' || regexp_replace(lower(coalesce(subject, payload ->> 'subject')), '[\s_-]+', ' su:', 'g'),
    're:' || regexp_replace(lower(coalesce(reason, payload ->> 'reason')), '[\s_-]+', ' re:', 'g'),
    'ca:' || regexp_replace(lower(coalesce(campaign_id, payload ->> 'campaign_id')), '[\s_-]+', ' ca:', 'g'),
    'te:' || regexp_replace(lower(coalesce(template_id, payload ->> 'template_id')), '[\s_-]+', ' te:', 'g'),
    'ip:' || regexp_replace(lower(coalesce(ip_pool, payload ->> 'ip_pool')), '[\s_-]+', ' ip:', 'g'),
    'mp:' || regexp_replace(lower(coalesce(mailbox_provider, payload ->> 'mailbox_provider')), '[\s_-]+', ' mp:', 'g'),
    'mr:' || regexp_replace(lower(coalesce(mailbox_provider_region, payload ->> 'mailbox_provider_region')), '[\s_-]+', ' mr:', 'g'),
    'ab:' || regexp_replace(lower(coalesce(ab_test_id, payload ->> 'ab_test_id')), '[\s_-]+', ' ab:', 'g')
  ), ' ');
  exact_tokens text[] := ARRAY[
    'r=' || lower(coalesce(rcpt_to, payload ->> 'rcpt_to')),
    'f=' || lower(coalesce(friendly_from, payload ->> 'friendly_from')),
    'm=' || coalesce(message_id, payload ->> 'message_id'),
    'x=' || coalesce(transmission_id, payload ->> 'transmission_id'),
    's=' || coalesce(sending_ip, payload ->> 'sending_ip'),
    'a=' || subaccount_id::text,
    'b=' || bounce_class::text
  ];
  meta jsonb := payload -> 'rcpt_meta';
  tags jsonb := payload -> 'rcpt_tags';
  entry record;
  element jsonb;
  token text;
  hashes integer[] := '{}';
BEGIN
  -- A value that starts or ends with a delimiter also yields its bare prefix ('rd:'), which is no keyword.
  FOREACH token IN ARRAY keyword_tokens LOOP
    IF NOT (length(token) = 3 AND token ~ '^[a-z]{2}:$') THEN
      hashes := hashes || hashtext(token);
    END IF;
  END LOOP;
  FOREACH token IN ARRAY exact_tokens LOOP
    IF token IS NOT NULL THEN
      hashes := hashes || hashtext(token);
    END IF;
  END LOOP;
  -- rcpt_meta: each key with a scalar's text, or with each scalar element of an array (msgevents_meta_values).
  IF jsonb_typeof(meta) = 'object' THEN
    FOR entry IN SELECT e.key, e.value FROM jsonb_each(meta) AS e LOOP
      IF jsonb_typeof(entry.value) = 'array' THEN
        FOR element IN SELECT a.element FROM jsonb_array_elements(entry.value) AS a(element) LOOP
          IF jsonb_typeof(element) IN ('string', 'number', 'boolean') THEN
            hashes := hashes || hashtext('k=' || entry.key || '=' || (element #>> '{}'));
          END IF;
        END LOOP;
      ELSIF jsonb_typeof(entry.value) IN ('string', 'number', 'boolean') THEN
        hashes := hashes || hashtext('k=' || entry.key || '=' || (entry.value #>> '{}'));
      END IF;
    END LOOP;
  END IF;
  -- rcpt_tags: each element's text (a JSON null has none).
  IF jsonb_typeof(tags) = 'array' THEN
    FOR element IN SELECT a.element FROM jsonb_array_elements(tags) AS a(element) LOOP
      token := 'g=' || (element #>> '{}');
      IF token IS NOT NULL THEN
        hashes := hashes || hashtext(token);
      END IF;
    END LOOP;
  END IF;
  RETURN hashes;
END
$$;

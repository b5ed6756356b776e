-- Most of a realistic event's `payload` (jsonb) is its recipient's rcpt_meta and rcpt_tags: 182 B of a 522 B row on
-- 100,000 generated events, the largest field of the row, and the same in every event of the recipient (the 5M
-- corpus has 100,000 distinct ones, 50 events each). From here on the loader stores them, the two fields together, as
-- an id into event_payloads (src/db/tables.ts), in the column payload_ref, and leaves them out of `payload`, which
-- keeps the row's other fields SQL reads (a value too long for its column, a metric count not SparkPost's way) or is
-- NULL. Rows stored before keep them in `payload`, searched and read as before, until the payloads_by_id_0032 backfill
-- (below) converts them; a row has them in `payload` or by id, never both.
--
-- Hand edits (drizzle-kit wrote the table, the column and the indexes): the hashes' function before the index that
-- uses it; `ON ONLY events` for the ids' index, as 0021 and 0030 did, so that this migration builds nothing whatever
-- is stored; the functions below.
CREATE TABLE "event_payloads" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "event_payloads_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"value" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "payload_ref" integer;--> statement-breakpoint
-- Unique by the SHA-256 of the value's text (jsonb's canonical form): a 32-byte key where the value took about 170
-- bytes, and probed in half the time (14 against 28 µs a known value, 28 against 50 a new one, measured on 45,000).
CREATE UNIQUE INDEX "event_payloads_value_key" ON "event_payloads" USING btree (sha256(("value")::text::bytea));--> statement-breakpoint
-- The rcpt_meta and rcpt_tags tokens of a payload, hashed: those msgevents_search_hashes (0029) gives an event whose
-- only fields are the payload's. Calling it (bound at creation, as a BEGIN ATOMIC body is, so the index works under
-- any search path) keeps one definition of the tokens: a search for rcpt_meta or rcpt_tags resolves to the same
-- hashes in this index as in the events' own.
CREATE OR REPLACE FUNCTION msgevents_payload_hashes(payload jsonb) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT msgevents_search_hashes(NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
    NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::integer,
    NULL::smallint, payload);
END;
--> statement-breakpoint
CREATE INDEX "event_payloads_hashes_idx" ON "event_payloads" USING gin (msgevents_payload_hashes("value"));--> statement-breakpoint
-- Only rows with an id are in it (the predicate), so the days stored before hold no entries.
CREATE INDEX "events_payload_ref_idx" ON ONLY "events" USING btree ("payload_ref") WHERE payload_ref IS NOT NULL;
--> statement-breakpoint
-- Whether loads store recipient fields as ids: once the index above is valid, i.e. every day partition has its copy
-- (at once on a database with no events yet; after the payload_refs_index_0032 backfill otherwise), so that no day
-- holds ids its searches could only find by reading every row.
CREATE OR REPLACE FUNCTION msgevents_payload_refs_enabled() RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT coalesce((SELECT i.indisvalid FROM pg_index AS i WHERE i.indexrelid = to_regclass('events_payload_ref_idx')), false)
$$;
--> statement-breakpoint
-- The ids of a load's recipient fields (each a jsonb object with the event's rcpt_meta and rcpt_tags), as
-- msgevents_name_event_texts (0030) names texts: values not yet named are added first, in key order (two loads
-- adding the same values wait for each other instead of deadlocking), unless event_payloads holds about 1,000,000
-- already (about 250 MB with its indexes: past that, traffic whose recipient fields rarely repeat would make the table
-- a second copy of them; those stay in the rows), or the value's text is over 1,024 bytes (rare, and unlikely to
-- repeat; such a value stays in its row too). Values are found by the SHA-256 of their text, then compared whole.
-- Nothing is named before
-- msgevents_payload_refs_enabled(). The load holds the payloads' lock shared until it commits (see
-- msgevents_collect_event_payloads).
CREATE OR REPLACE FUNCTION msgevents_name_event_payloads(payloads jsonb[])
RETURNS TABLE (payload_value jsonb, payload_id integer)
LANGUAGE plpgsql
AS $$
BEGIN
  IF NOT msgevents_payload_refs_enabled() THEN
    RETURN;
  END IF;
  -- The texts' lock first, whichever of the two namings a statement runs first: an erasure removes texts, then
  -- payloads, each under its lock held to its commit, so a load holding the payloads' lock while it waited for the
  -- texts' would deadlock with it.
  PERFORM pg_advisory_xact_lock_shared(727110030);
  PERFORM pg_advisory_xact_lock_shared(727110032);
  IF (SELECT c.reltuples FROM pg_class AS c WHERE c.oid = 'event_payloads'::regclass) < 1000000 THEN
    INSERT INTO event_payloads (value)
    SELECT DISTINCT ON (k.key) k.value
    FROM (SELECT w.value, sha256(w.value::text::bytea) AS key FROM unnest(payloads) AS w(value)
          WHERE w.value IS NOT NULL AND octet_length(w.value::text) <= 1024) AS k
    WHERE NOT EXISTS (SELECT FROM event_payloads AS x WHERE sha256(x.value::text::bytea) = k.key)
    ORDER BY k.key
    ON CONFLICT DO NOTHING;
  END IF;
  -- One probe of the unique index a value (the LIMIT keeps the planner from hashing the whole table instead: it did,
  -- at 19 ms a batch of 300 values against 40,000 stored, where the probes take 4).
  RETURN QUERY
    SELECT w.value, p.id
    FROM (SELECT DISTINCT u.value FROM unnest(payloads) AS u(value) WHERE u.value IS NOT NULL) AS w
    CROSS JOIN LATERAL (
      SELECT x.id FROM event_payloads AS x
      WHERE sha256(x.value::text::bytea) = sha256(w.value::text::bytea) AND x.value = w.value LIMIT 1
    ) AS p;
END
$$;
--> statement-breakpoint
-- The payload_refs_index_0032 backfill, one day, as 0030's (with 0031's fix): the day partition's copy of the ids'
-- index, built (no entries: the day's rows have no ids) or found, and attached to the parent's; the last day attached
-- makes the parent's valid. Days created from here on get their copy at creation, its leaf pages filled
-- (msgevents_ensure_partitions, 0027).
CREATE OR REPLACE FUNCTION msgevents_fill_payload_refs_index(day date) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_lock_day_for_backfill(day);
  parent_index regclass := 'events_payload_ref_idx'::regclass;
  day_schema text;
  day_name text;
  day_copy regclass;
BEGIN
  IF day_partition IS NULL THEN
    RETURN 0;
  END IF;
  SELECT ih.inhrelid::regclass INTO day_copy
  FROM pg_inherits ih JOIN pg_index i ON i.indexrelid = ih.inhrelid
  WHERE ih.inhparent = parent_index AND i.indrelid = day_partition;
  IF day_copy IS NULL THEN
    SELECT n.nspname, c.relname INTO STRICT day_schema, day_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = day_partition;
    EXECUTE format(
      'CREATE INDEX %I ON %s%s',
      day_name || '_payload_ref_idx',
      day_partition,
      substring(pg_get_indexdef(parent_index) FROM ' USING .*$')
    );
    EXECUTE format('ALTER INDEX %I.%I SET (fillfactor = 100)', day_schema, day_name || '_payload_ref_idx');
    day_copy := format('%I.%I', day_schema, day_name || '_payload_ref_idx')::regclass;
  END IF;
  EXECUTE format('ALTER INDEX %s ATTACH PARTITION %s', parent_index, day_copy);
  IF msgevents_payload_refs_enabled() THEN
    PERFORM msgevents_register_backfill('payloads_by_id_0032', true);
  END IF;
  RETURN (SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = day_partition);
END
$$;
--> statement-breakpoint
SELECT msgevents_register_backfill('payload_refs_index_0032', true);
--> statement-breakpoint
-- The recipient fields of a payload (its rcpt_meta and rcpt_tags, the value a load names), NULL when it has none.
CREATE OR REPLACE FUNCTION msgevents_recipient_payload(payload jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE WHEN jsonb_typeof(payload) = 'object' AND payload ?| ARRAY['rcpt_meta', 'rcpt_tags']
    THEN payload - ARRAY(SELECT k FROM jsonb_object_keys(payload) AS k WHERE k NOT IN ('rcpt_meta', 'rcpt_tags'))
  END;
END;
--> statement-breakpoint
-- Whether a day holds a row the payloads_by_id_0032 backfill would change: recipient fields in its payload that
-- event_payloads names, or could name (fewer than about 1,000,000 values, text up to 1,024 bytes, as a load names
-- them). A day without one is done without being copied.
CREATE OR REPLACE FUNCTION msgevents_day_has_unnamed_payloads(day date) RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT EXISTS (
    SELECT FROM events AS e
    CROSS JOIN LATERAL (SELECT msgevents_recipient_payload(e.payload) AS value) AS p
    WHERE e.event_time >= day::timestamp AT TIME ZONE 'UTC' AND e.event_time < (day + 1)::timestamp AT TIME ZONE 'UTC'
      AND e.payload_ref IS NULL
      AND p.value IS NOT NULL
      AND octet_length(p.value::text) <= 1024
      AND ((SELECT c.reltuples FROM pg_class AS c WHERE c.oid = 'event_payloads'::regclass) < 1000000
           OR EXISTS (SELECT FROM event_payloads AS x
                      WHERE sha256(x.value::text::bytea) = sha256(p.value::text::bytea) AND x.value = p.value))
  )
$$;
--> statement-breakpoint
-- The payloads_by_id_0032 backfill: rows stored before this migration (or before every day had the ids' index) get
-- their recipient fields as an id, as loads store them now, by the same copy and swap as texts_by_id_0031 (which names
-- a row's texts and recipient payload alike). Its days are queued once loads name payloads: here when they do already
-- (a database without events), else by the last day's payload_refs_index_0032 fill above.
SELECT msgevents_register_backfill('payloads_by_id_0032', msgevents_payload_refs_enabled());
--> statement-breakpoint
-- Removes the values among `candidates` that no stored event names; returns how many. As 0030's
-- msgevents_collect_event_texts with 0031's care for the shadows: the lock first (each load that named one of them
-- has committed once it is granted; the check, a statement of its own, sees its events; the caller's transaction must
-- be READ COMMITTED), and the values a day's shadow names kept (a copy of the day commits its rows step by step before
-- they are in `events`). A shadow begun before this migration has no payload_ref and names none. Candidates come from
-- erasures (the values of the events they deleted) and from the maintenance after retention dropped days.
CREATE OR REPLACE FUNCTION msgevents_collect_event_payloads(candidates integer[]) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  shadow regclass;
  named integer[];
  kept integer[] := '{}';
  removed integer;
BEGIN
  PERFORM pg_advisory_xact_lock(727110032);
  FOR shadow IN
    SELECT c.oid::regclass FROM pg_class AS c
    WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'events'::regclass)
      AND c.relkind = 'r' AND c.relname ~ '^events_[0-9]{8}_shadow$'
      AND EXISTS (SELECT FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attname = 'payload_ref' AND NOT a.attisdropped)
  LOOP
    EXECUTE format(
      'SELECT array_agg(DISTINCT e.payload_ref) FROM %s AS e WHERE e.payload_ref IN (SELECT unnest($1::integer[]))',
      shadow
    ) INTO named USING candidates;
    kept := kept || coalesce(named, '{}');
  END LOOP;
  DELETE FROM event_payloads AS p
  WHERE p.id = ANY(candidates)
    AND p.id NOT IN (SELECT unnest(kept))
    AND NOT EXISTS (SELECT FROM events AS e WHERE e.payload_ref = p.id AND e.payload_ref IS NOT NULL);
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END
$$;

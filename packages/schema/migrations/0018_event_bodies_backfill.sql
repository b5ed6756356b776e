-- Hand-written (custom migration; the schema drizzle sees is unchanged, the snapshot is 0017's).
-- The event-bodies backfill: events stored before 0013 (whole payload as jsonb, no body) and 0014 (batch named by
-- batch_id and received_at) are converted to the format the loader stores now, day by day, by runBackfills
-- (src/backfills/event-bodies.ts: the body codec is TypeScript, so the fill is TypeScript steps, not a SQL function).
--
-- A day is converted by copy and swap, not in place: rewriting rows with UPDATE leaves every old row version behind
-- in the day's files (the day grew from 1.19x to 1.82x the raw size and only VACUUM FULL, which locks the day, gave it
-- back). Instead the rows are copied, converted, into a shadow table of the day, which gets the day's indexes and is
-- then swapped in for the day partition in one short transaction; the old partition's files are dropped whole.
-- The functions below are the parts that need ownership of events (CREATE, ATTACH, DETACH, DROP); ensureLoginRoles
-- makes them SECURITY DEFINER with a pinned search_path and lets only the maintenance role execute them.
--
-- Schema only and instant: the functions are created, and registering the backfill queues one backfill_days row per
-- day partition that exists (the catalog only; no statement reads or writes the events). Days created later hold only
-- events the loader stored in the new format.

-- The shadow of a day: a plain table, never a partition until the swap, so the statement triggers of events (search
-- values, rollups, search counts) never see the rows copied into it and every derived count stays exact.
CREATE OR REPLACE FUNCTION msgevents_event_shadow_name(day date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT msgevents_partition_name(day) || '_shadow' $$;
--> statement-breakpoint
-- The day partition (a child of events named events_YYYYMMDD), or NULL when the day has none (retention dropped it).
CREATE OR REPLACE FUNCTION msgevents_day_partition(day date) RETURNS regclass
LANGUAGE sql STABLE
AS $$
  SELECT c.oid::regclass
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'events'::regclass AND c.relname = msgevents_partition_name(day)
$$;
--> statement-breakpoint
-- The shadow table of a day (a table beside events named events_YYYYMMDD_shadow), or NULL.
CREATE OR REPLACE FUNCTION msgevents_event_shadow(day date) RETURNS regclass
LANGUAGE sql STABLE
AS $$
  SELECT c.oid::regclass
  FROM pg_class c
  WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'events'::regclass)
    AND c.relname = msgevents_event_shadow_name(day) AND c.relkind = 'r'
$$;
--> statement-breakpoint
-- The name a shadow gives its copy of one of the day's indexes until the swap names it as the day's own.
CREATE OR REPLACE FUNCTION msgevents_event_shadow_index_name(index_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'events_shadow_' || left(md5(index_name), 24) $$;
--> statement-breakpoint
-- Starts or resumes the shadow of a day for one run, and returns the run's mark: a new token, kept as the shadow's
-- comment, which every later step of the run checks, so that a run that finds the day taken over by another (between
-- its steps, which do not hold the day) leaves it to that run. A shadow left by an earlier run is kept (its rows are
-- a prefix of the day in copy order, committed step by step: the run goes on after them, so a day larger than one
-- run's budget still gets done), unless events' columns changed since it was made: then it is dropped and made again.
-- A new shadow is events' columns with their defaults, storage and compression (as msgevents_ensure_partitions makes
-- a day), the day partition's storage parameters, a CHECK of the day's bounds (ATTACH PARTITION then needs no scan to
-- prove them) and no index (rows go in faster; the indexes are built once, at the end). Autovacuum leaves it alone
-- while it is filled: a vacuum holding it would make the swap's lock wait. The maintenance role may read, insert and
-- delete its rows until the swap. Returns NULL, with no shadow left, when the day has no partition.
CREATE OR REPLACE FUNCTION msgevents_start_event_shadow(day date) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  parent_schema text;
  day_partition regclass := msgevents_day_partition(day);
  shadow regclass := msgevents_event_shadow(day);
  options text[];
  token text := gen_random_uuid()::text;
BEGIN
  IF shadow IS NOT NULL AND (day_partition IS NULL OR EXISTS (
    (SELECT attname, atttypid, attnum FROM pg_attribute WHERE attrelid = shadow AND attnum > 0 AND NOT attisdropped
     EXCEPT
     SELECT attname, atttypid, attnum FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped)
    UNION ALL
    (SELECT attname, atttypid, attnum FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped
     EXCEPT
     SELECT attname, atttypid, attnum FROM pg_attribute WHERE attrelid = shadow AND attnum > 0 AND NOT attisdropped)
  )) THEN
    EXECUTE format('DROP TABLE %s', shadow);
    shadow := NULL;
  END IF;
  IF day_partition IS NULL THEN
    RETURN NULL;
  END IF;
  IF shadow IS NULL THEN
    SELECT n.nspname INTO STRICT parent_schema
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'events'::regclass;
    EXECUTE format(
      'CREATE TABLE %I.%I (LIKE %I.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)',
      parent_schema, msgevents_event_shadow_name(day), parent_schema
    );
    shadow := format('%I.%I', parent_schema, msgevents_event_shadow_name(day))::regclass;
    SELECT coalesce(reloptions, '{}') INTO options FROM pg_class WHERE oid = day_partition;
    options := array_append(
      ARRAY(SELECT o FROM unnest(options) AS o WHERE o NOT LIKE 'autovacuum_enabled=%'),
      'autovacuum_enabled=false'
    );
    EXECUTE format('ALTER TABLE %s SET (%s)', shadow, array_to_string(options, ', '));
    EXECUTE format(
      'ALTER TABLE %s ADD CONSTRAINT %I CHECK (event_time >= %L AND event_time < %L)',
      shadow, msgevents_event_shadow_name(day) || '_bounds',
      to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
    );
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'msgevents_maintenance') THEN
      EXECUTE format('GRANT SELECT, INSERT, DELETE ON %s TO msgevents_maintenance', shadow);
    END IF;
  END IF;
  EXECUTE format('COMMENT ON TABLE %s IS %L', shadow, token);
  RETURN token;
END
$$;
--> statement-breakpoint
-- Builds on the shadow of a day one index the day partition has and the shadow lacks (the same definition,
-- pg_get_indexdef, under the shadow's name for it; the primary key as a constraint, as ATTACH PARTITION requires to
-- take it for events' own), one per call so that each is committed by itself (a run that stops keeps those built, and
-- a large day's indexes are spread over steps); once the shadow has them all it is analyzed, so that it is swapped in
-- with its statistics. Only the shadow is locked (no one else uses it). Returns the indexes still to build.
CREATE OR REPLACE FUNCTION msgevents_index_event_shadow(day date) RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_day_partition(day);
  shadow regclass := msgevents_event_shadow(day);
  day_index record;
  missing integer := 0;
BEGIN
  IF day_partition IS NULL OR shadow IS NULL THEN
    RETURN 0;
  END IF;
  FOR day_index IN
    SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisunique AS is_unique,
           con.contype AS constraint_type
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
    WHERE i.indrelid = day_partition
      AND NOT EXISTS (
        SELECT FROM pg_index si JOIN pg_class sic ON sic.oid = si.indexrelid
        WHERE si.indrelid = shadow AND sic.relname = msgevents_event_shadow_index_name(ic.relname)
      )
    ORDER BY ic.relname
  LOOP
    missing := missing + 1;
    CONTINUE WHEN missing > 1;
    IF day_index.constraint_type IS NOT NULL AND day_index.constraint_type <> 'p' THEN
      RAISE EXCEPTION 'msgevents_index_event_shadow: % backs a constraint of type %', day_index.name, day_index.constraint_type;
    END IF;
    EXECUTE format(
      'CREATE %sINDEX %I ON %s%s',
      CASE WHEN day_index.is_unique THEN 'UNIQUE ' ELSE '' END,
      msgevents_event_shadow_index_name(day_index.name),
      shadow,
      substring(day_index.definition FROM ' USING .*$')
    );
    IF day_index.constraint_type = 'p' THEN
      EXECUTE format(
        'ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY USING INDEX %I',
        shadow, msgevents_event_shadow_index_name(day_index.name), msgevents_event_shadow_index_name(day_index.name)
      );
    END IF;
  END LOOP;
  IF missing <= 1 THEN
    EXECUTE format('ANALYZE %s', shadow);
    RETURN 0;
  END IF;
  RETURN missing - 1;
END
$$;
--> statement-breakpoint
-- Swaps the shadow of a day in for its partition, in the caller's transaction, which must hold the partition's SHARE
-- lock (msgevents_lock_day_for_backfill) since it made the shadow's rows the partition's. DETACH PARTITION takes
-- ACCESS EXCLUSIVE on events, so every search waits from here to the commit: everything below is catalog work (the
-- CHECK of the bounds spares ATTACH its scan, the shadow's indexes are attached to events' own instead of built). The
-- swapped-in table takes the partition's name, its indexes' names, storage parameters and privileges, and loses
-- its CHECK (the partition bound says the same), its run's mark and the maintenance role's rights on its rows. The old partition is
-- dropped with its files. Returns false, dropping the shadow, when the day has no partition any more.
CREATE OR REPLACE FUNCTION msgevents_swap_event_shadow(day date) RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  day_partition regclass := msgevents_day_partition(day);
  shadow regclass := msgevents_event_shadow(day);
  parent_schema text;
  options text[];
  day_acl aclitem[];
  day_owner oid;
  index_names text[];
  grantee_name text;
  privilege record;
BEGIN
  IF shadow IS NULL THEN
    RAISE EXCEPTION 'msgevents_swap_event_shadow: day % has no shadow', day;
  END IF;
  IF day_partition IS NULL THEN
    EXECUTE format('DROP TABLE %s', shadow);
    RETURN false;
  END IF;
  SELECT n.nspname INTO STRICT parent_schema
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'events'::regclass;
  -- Every index of the day has its copy on the shadow, or the swap would leave the day without it (or ATTACH would
  -- build it under the lock).
  SELECT array_agg(ic.relname::text ORDER BY ic.relname) INTO index_names
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = day_partition;
  IF EXISTS (
    SELECT FROM unnest(index_names) AS n
    WHERE NOT EXISTS (
      SELECT FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid = shadow AND ic.relname = msgevents_event_shadow_index_name(n)
    )
  ) THEN
    RAISE EXCEPTION 'msgevents_swap_event_shadow: the shadow of % lacks some of the day''s indexes', day;
  END IF;
  SELECT reloptions, relacl, relowner INTO options, day_acl, day_owner FROM pg_class WHERE oid = day_partition;

  EXECUTE format('ALTER TABLE %I.events DETACH PARTITION %s', parent_schema, day_partition);
  EXECUTE format('DROP TABLE %s', day_partition);
  EXECUTE format('ALTER TABLE %s RESET (autovacuum_enabled)', shadow);
  IF options IS NOT NULL THEN
    EXECUTE format('ALTER TABLE %s SET (%s)', shadow, array_to_string(options, ', '));
  END IF;
  EXECUTE format(
    'ALTER TABLE %I.events ATTACH PARTITION %s FOR VALUES FROM (%L) TO (%L)',
    parent_schema, shadow,
    to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
  );
  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', shadow, msgevents_event_shadow_name(day) || '_bounds');
  EXECUTE format('COMMENT ON TABLE %s IS NULL', shadow);
  EXECUTE format('ALTER TABLE %s RENAME TO %I', shadow, msgevents_partition_name(day));
  FOR i IN 1 .. coalesce(array_length(index_names, 1), 0) LOOP
    EXECUTE format(
      'ALTER INDEX %I.%I RENAME TO %I', parent_schema, msgevents_event_shadow_index_name(index_names[i]), index_names[i]
    );
  END LOOP;
  -- The day's privileges as the dropped partition had them: none but the owner's, then each of its grants.
  FOR grantee_name IN
    SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
    FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) AS a LEFT JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.oid = shadow AND a.grantee <> c.relowner
  LOOP
    EXECUTE format('REVOKE ALL ON %s FROM %s', shadow, grantee_name);
  END LOOP;
  FOR privilege IN
    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee, a.privilege_type
    FROM aclexplode(day_acl) AS a LEFT JOIN pg_roles r ON r.oid = a.grantee
    WHERE a.grantee <> day_owner
  LOOP
    EXECUTE format('GRANT %s ON %s TO %s', privilege.privilege_type, shadow, privilege.grantee);
  END LOOP;
  RETURN true;
END
$$;
--> statement-breakpoint
SELECT msgevents_register_backfill('event_bodies_0018', true);

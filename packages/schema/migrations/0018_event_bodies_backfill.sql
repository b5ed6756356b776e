-- Hand-written (custom migration; the schema drizzle sees is unchanged, the snapshot is 0017's).
-- Registers the event-bodies backfill: events stored before 0013 (whole payload as jsonb, no body) and 0014 (batch
-- named by batch_id and received_at) are rewritten as the loader stores events now, day by day, by runBackfills
-- (src/backfills/event-bodies.ts: the body codec is TypeScript, so the fill is TypeScript steps, not a SQL function).
-- Schema only and instant: it queues one backfill_days row per day partition that exists (the catalog only; no
-- statement reads or writes the events). Days created later hold only events the loader stored in the new format.
SELECT msgevents_register_backfill('event_bodies_0018', true);

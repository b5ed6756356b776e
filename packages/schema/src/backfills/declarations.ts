import type pg from "pg";
import { EVENT_BODIES_BACKFILL_NAME, type EventBodiesOptions, eventBodiesStep } from "./event-bodies.ts";
import { payloadsByIdStep, textsByIdStep } from "./texts-by-id.ts";

/**
 * A backfill: data derived from the stored events that a migration creates but must not compute itself (a migration's
 * time must not grow with the events stored). Declared here, beside the migration that registers it:
 *
 * 1. The migration creates the derived table and the trigger that keeps it from then on, defines the day's fill as
 *    a SQL function `<fill>(day date) RETURNS bigint` (lock the day with msgevents_lock_day_for_backfill, replace the
 *    day's derived rows with a recount of the day's events, return the events read), and registers the backfill in
 *    its own transaction: `SELECT msgevents_register_backfill('<name>', true)`.
 * 2. One declaration in BACKFILLS below. runBackfills fills the registered days in the background; the migrator
 *    makes the fill function SECURITY DEFINER and lets the maintenance role execute it (roles.ts); queries read the
 *    derived table only for the days that are done (see the query package's coverage).
 *
 * A backfill whose work needs this package's TypeScript (re-encoding stored events with the body codec) is a
 * StepBackfill instead: its `step` works through a day part by part, each part in a transaction of its own.
 */
export type Backfill = SqlBackfill | StepBackfill;

interface BackfillBase {
  /** The name the migration registered it under (backfills.name). */
  name: string;
  /** The migration that registers it. */
  migration: string;
  /** The tables it fills: a query may read them only for the days this backfill has done. */
  tables: readonly string[];
}

/** A backfill whose day is filled by one SQL function, in one transaction. */
export interface SqlBackfill extends BackfillBase {
  /** The SQL function that fills one day (`(day date) RETURNS bigint`, the events read). */
  fill: string;
}

/** What one step of a StepBackfill did. */
export interface BackfillStepResult {
  /** Events the step handled. */
  events: number;
  /** Where the day's next step starts (opaque to the runner), or null: the day is done. */
  next: string | null;
  /**
   * The step found the day taken over by another run (between this run's steps, which do not hold the day), or
   * waiting for another backfill's day: it did nothing, and this run leaves the day for later.
   */
  abandoned?: boolean;
  /**
   * Work the runner does once the step has committed, outside any transaction (on the step's connection, with the
   * step's statement_timeout): VACUUM, which cannot run in one. It fails the day if it fails.
   */
  afterCommit?: (client: pg.ClientBase) => Promise<unknown>;
}

/**
 * A backfill whose day is worked through in steps, each in its own short transaction that runBackfills commits with
 * the day's progress (events and time added, done when `next` is null). A step must leave nothing half done: a run
 * stopped anywhere loses at most the step in progress, and the next run starts the day again from `null`, so the
 * first step must find what earlier runs did (and go on from there, or start over), and report the day's events so
 * far. It must take no lock that makes loads or searches of the day wait for more than a moment.
 */
export interface StepBackfill extends BackfillBase {
  /** One step of `day` (YYYY-MM-DD) from `from` (null at the day's start), in the caller's transaction. */
  step: (client: pg.ClientBase, day: string, from: string | null) => Promise<BackfillStepResult>;
}

export function isStepBackfill(backfill: Backfill): backfill is StepBackfill {
  return "step" in backfill;
}

/** The Metrics API rollups, all of them and kept by their triggers. */
const METRIC_ROLLUP_TABLES = [
  "metric_rollups",
  "bounce_rollups",
  "reason_rollups",
  "metric_unique_rollups",
  "metric_engagement",
];

/**
 * The Metrics API rollups of events stored before 0008 created them. Since 0016 its fill does nothing: 0016's backfill
 * recounts every metric rollup of every day stored (queued for all of them), and answers wait for both.
 */
export const METRIC_ROLLUPS_BACKFILL: SqlBackfill = {
  name: "metric_rollups",
  migration: "0011_backfills",
  tables: METRIC_ROLLUP_TABLES,
  fill: "msgevents_fill_metric_rollups",
};

/**
 * The Metrics API rollups of events stored before 0016, which counted uniques per 15 minutes and per day (SparkPost
 * counts them per minute, hour and day) and kept no delay or rejection reasons: each day recounted from its events.
 */
export const METRIC_ROLLUPS_0016_BACKFILL: SqlBackfill = {
  name: "metric_rollups_0016",
  migration: "0016_sparkpost_metrics",
  tables: METRIC_ROLLUP_TABLES,
  fill: "msgevents_fill_metric_rollups_0016",
};

/** The search counts (created by 0010, kept by its trigger). */
export const SEARCH_TOKEN_COUNTS_BACKFILL: SqlBackfill = {
  name: "search_token_counts",
  migration: "0011_backfills",
  tables: ["search_token_counts"],
  fill: "msgevents_fill_search_token_counts",
};

/**
 * Events stored before event bodies (0013) and batch numbers (0014), converted to the format the loader stores now by
 * copying each day into a shadow table swapped in for it (src/backfills/event-bodies.ts). Both formats are read
 * alike, so no query waits for it: it fills no table.
 */
export function eventBodiesBackfill(options: EventBodiesOptions = {}): StepBackfill {
  return {
    name: EVENT_BODIES_BACKFILL_NAME,
    migration: "0018_event_bodies_backfill",
    tables: [],
    step: (client, day, from) => eventBodiesStep(client, day, from, options),
  };
}

export const EVENT_BODIES_BACKFILL = eventBodiesBackfill();

/**
 * The rare-type index (migration 0021) on the day partitions that existed before it: each day's copy built and
 * attached in one short transaction. It fills no table; a search plans each day with the indexes the day has.
 */
export const RARE_TYPE_INDEX_BACKFILL: SqlBackfill = {
  name: "rare_type_index_0021",
  migration: "0021_rare_type_index",
  tables: [],
  fill: "msgevents_fill_rare_type_index",
};

/**
 * The text-refs index (migration 0030) on the day partitions that existed before it, as the rare-type index's: each
 * day's copy (no entries: those days' rows name no text by id) built and attached in one short transaction. Loads
 * store texts as ids once the last day's copy makes the parent index valid.
 */
export const TEXT_REFS_INDEX_BACKFILL: SqlBackfill = {
  name: "text_refs_index_0030",
  migration: "0030_event_texts",
  tables: [],
  fill: "msgevents_fill_text_refs_index",
};

/**
 * Rows stored with their subject, friendly_from and transmission_id as texts (before 0030 named them by id), converted
 * by the event-bodies backfill's copy and swap with each row's texts named (src/backfills/texts-by-id.ts). Its days are
 * queued once loads name texts (every day has the ids' index). Both forms are read and searched alike: it fills no
 * table.
 */
export function textsByIdBackfill(options: EventBodiesOptions = {}): StepBackfill {
  return {
    name: "texts_by_id_0031",
    migration: "0031_texts_by_id_backfill",
    tables: [],
    step: (client, day, from) => textsByIdStep(client, day, from, options),
  };
}

export const TEXTS_BY_ID_BACKFILL = textsByIdBackfill();

/**
 * The payload-refs index (migration 0032) on the day partitions that existed before it, as the text-refs index's:
 * each day's copy built (no entries: rows stored before have no ids) and attached; once every day has one, loads
 * store recipient payloads as ids. Fills no table.
 */
export const PAYLOAD_REFS_INDEX_BACKFILL: SqlBackfill = {
  name: "payload_refs_index_0032",
  migration: "0032_recipient_payloads",
  tables: [],
  fill: "msgevents_fill_payload_refs_index",
};

/**
 * Rows stored with their rcpt_meta and rcpt_tags in payload (before 0032 named them by id), converted by the
 * texts-by-id backfill's copy and swap (src/backfills/texts-by-id.ts), which names a row's recipient payload too. Its
 * days are queued once loads name payloads (every day has the payload-refs index). Fills no table.
 */
export function payloadsByIdBackfill(options: EventBodiesOptions = {}): StepBackfill {
  return {
    name: "payloads_by_id_0032",
    migration: "0032_recipient_payloads",
    tables: [],
    step: (client, day, from) => payloadsByIdStep(client, day, from, options),
  };
}

export const PAYLOADS_BY_ID_BACKFILL = payloadsByIdBackfill();

/** Every backfill this version knows how to run. */
export const BACKFILLS: readonly Backfill[] = [
  METRIC_ROLLUPS_BACKFILL,
  SEARCH_TOKEN_COUNTS_BACKFILL,
  METRIC_ROLLUPS_0016_BACKFILL,
  EVENT_BODIES_BACKFILL,
  RARE_TYPE_INDEX_BACKFILL,
  TEXT_REFS_INDEX_BACKFILL,
  TEXTS_BY_ID_BACKFILL,
  PAYLOAD_REFS_INDEX_BACKFILL,
  PAYLOADS_BY_ID_BACKFILL,
];

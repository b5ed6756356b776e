import type pg from "pg";
import { compactEndedDays } from "./compaction.ts";
import { pruneEngagement } from "./engagement.ts";
import { collectUnnamedPayloads, collectUnnamedTexts } from "./event-texts.ts";
import { PartitionManager } from "./partitions.ts";
import { dropExpiredPartitions, type RetentionOptions } from "./retention.ts";
import {
  analyzeOpenPartitions,
  type UpsertedVacuumOptions,
  type VacuumOptions,
  vacuumEndedPartitions,
  vacuumUpsertedTables,
} from "./vacuum.ts";

export interface MaintenanceOptions
  extends RetentionOptions,
    VacuumOptions,
    Pick<UpsertedVacuumOptions, "minDeadRows"> {
  /** Days of partitions to have ready ahead of `now` (default 7), so loads never wait on DDL for current events. */
  daysAhead?: number;
  /** Days of partitions to have behind `now` (default 1), for events that arrive late. */
  daysBack?: number;
  /** Days before today whose metric_engagement rows are kept (default 3; see pruneEngagement). */
  engagementKeepDays?: number;
}

export interface MaintenanceResult {
  /** How many partitions were created. */
  created: number;
  /** Names of the partitions retention dropped, oldest first. */
  dropped: string[];
  /** How many texts named by id (event_texts) were removed after the drop, no event naming them any more. */
  textsRemoved: number;
  /** How many recipient payloads named by id (event_payloads) were removed after the drop, likewise. */
  payloadsRemoved: number;
  /** Names of the partitions still being written that were analyzed (their rows had doubled), oldest first. */
  analyzed: string[];
  /** Names of the ended partitions vacuumed and analyzed, oldest first. */
  vacuumed: string[];
  /** The UTC days (YYYY-MM-DD) whose metric_engagement rows were pruned past the late-arrival horizon, oldest first. */
  engagementPruned: string[];
  /** The pruned days late events had written to, whose rollups were recounted from the events, oldest first. */
  engagementRecounted: string[];
  /** The ended UTC days (YYYY-MM-DD) whose search counts and rollups were compacted, oldest first. */
  compacted: string[];
  /** The upserted tables (search counts, rollups) vacuumed, in UPSERTED_TABLES' order: those with enough dead rows. */
  vacuumedTables: string[];
}

/**
 * The periodic partition job (a scheduled Lambda and the local stack, hourly): creates the partitions around now,
 * applies retention (and removes the texts named by id that only the dropped days named), analyzes the days still being written whose rows have doubled, prunes the engagement rows of the
 * days past the late-arrival horizon (recounting those late events wrote to), compacts the search counts and
 * rollups of the days that have ended, vacuums the tables loads upsert, then the days that have ended, all within one
 * budget.
 * Safe to run concurrently with loads, queries and other maintenance runs.
 */
export async function maintainPartitions(pool: pg.Pool, options: MaintenanceOptions = {}): Promise<MaintenanceResult> {
  const {
    daysAhead = 7,
    daysBack = 1,
    now = new Date(),
    vacuumBudgetMs = 120_000,
    minDeadRows,
    engagementKeepDays,
    ...retention
  } = options;
  const created = await new PartitionManager(pool).ensureAround(now, { daysAhead, daysBack });
  const dropped = await dropExpiredPartitions(pool, { ...retention, now });
  const textsRemoved = dropped.length > 0 ? await collectUnnamedTexts(pool) : 0;
  const payloadsRemoved = dropped.length > 0 ? await collectUnnamedPayloads(pool) : 0;
  const vacuumStarted = Date.now();
  const analyzed = await analyzeOpenPartitions(pool, { now, vacuumBudgetMs });
  const engagement = await pruneEngagement(pool, {
    now,
    budgetMs: Math.max(0, vacuumBudgetMs - (Date.now() - vacuumStarted)),
    ...(engagementKeepDays === undefined ? {} : { keepDays: engagementKeepDays }),
  });
  // After the prune: a recounted day has quarter-hour rows again, which this run compacts.
  const compacted = await compactEndedDays(pool, {
    now,
    budgetMs: Math.max(0, vacuumBudgetMs - (Date.now() - vacuumStarted)),
  });
  const vacuumedTables = await vacuumUpsertedTables(pool, {
    vacuumBudgetMs: Math.max(0, vacuumBudgetMs - (Date.now() - vacuumStarted)),
    ...(minDeadRows === undefined ? {} : { minDeadRows }),
  });
  const vacuumed = await vacuumEndedPartitions(pool, {
    now,
    vacuumBudgetMs: Math.max(0, vacuumBudgetMs - (Date.now() - vacuumStarted)),
  });
  return {
    created,
    dropped,
    textsRemoved,
    payloadsRemoved,
    analyzed,
    engagementPruned: engagement.pruned,
    engagementRecounted: engagement.recounted,
    compacted,
    vacuumed,
    vacuumedTables,
  };
}

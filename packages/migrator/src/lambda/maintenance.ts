// The maintenance Lambda's entry point (bundled by build.ts), run hourly by an EventBridge schedule.
import { Logger } from "@aws-lambda-powertools/logger";
import { pgConnectionOptions } from "@msgevents/runtime-config/database";
import { BackfillError } from "@msgevents/schema";
import type { Context, ScheduledEvent } from "aws-lambda";
import pg from "pg";
import { readMaintenanceEnv } from "../env.ts";
import { type MaintenanceRunResult, maintain } from "../run.ts";

const logger = new Logger({ serviceName: "msgevents-maintenance" });
const config = readMaintenanceEnv(process.env);
// One connection is all the job uses; it closes while the instance idles between the hourly runs.
const pool = new pg.Pool({
  ...pgConnectionOptions(config.database),
  max: 1,
  idleTimeoutMillis: 10_000,
  connectionTimeoutMillis: 10_000,
  application_name: "msgevents-maintenance",
});
pool.on("error", (error) => logger.warn("idle database connection failed", { error: error.message }));

/**
 * Creates the partitions around now, applies MSGEVENTS_RETENTION_DAYS, vacuums ended days, then fills backfill days
 * in the time left; a failure fails the invocation.
 */
export async function handler(event: ScheduledEvent, context: Context): Promise<MaintenanceRunResult> {
  try {
    const result = await maintain(
      pool,
      { retentionDays: config.retentionDays, remainingMs: context.getRemainingTimeInMillis() },
      (backfills) => {
        if (backfills.filled.length > 0 || backfills.remaining > 0) {
          logger.info("backfill days filled", { ...backfills, filled: backfills.filled });
        }
        for (const failed of backfills.failed) logger.warn("backfill day failed; retried next run", { ...failed });
      },
    );
    logger.info("partition maintenance done", { scheduledTime: event.time, ...result });
    return result;
  } catch (error) {
    if (error instanceof BackfillError) {
      logger.error("backfill keeps failing", { error: error.message, failed: error.result.failed });
    } else {
      logger.error("maintenance failed", { error: error instanceof Error ? error.message : String(error) });
    }
    throw error;
  }
}

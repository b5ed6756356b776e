// The maintenance Lambda's entry point (bundled by build.ts), run hourly by an EventBridge schedule.
import { Logger } from "@aws-lambda-powertools/logger";
import { pgConnectionOptions } from "@msgevents/runtime-config/database";
import { type MaintenanceResult, maintainPartitions } from "@msgevents/schema";
import type { ScheduledEvent } from "aws-lambda";
import pg from "pg";
import { readMaintenanceEnv } from "../env.ts";

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

/** Creates the partitions around now and applies MSGEVENTS_RETENTION_DAYS; a failure fails the invocation. */
export async function handler(event: ScheduledEvent): Promise<MaintenanceResult> {
  const result = await maintainPartitions(pool, { retentionDays: config.retentionDays });
  logger.info("partition maintenance done", { scheduledTime: event.time, ...result });
  return result;
}

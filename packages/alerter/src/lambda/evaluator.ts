// The alert evaluator Lambda's entry point (bundled by build.ts), run every 5 minutes by an EventBridge schedule, in
// the VPC: reads the database as msgevents_alerts, hands deliveries to the sender through the outbox bucket.
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { type AlertCycleResult, runAlertCycle } from "@msgevents/alerts";
import { createAlertMetricsSource, QUERY_SESSION_OPTIONS } from "@msgevents/query";
import { pgConnectionOptions } from "@msgevents/runtime-config/database";
import type { ScheduledEvent } from "aws-lambda";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { readEvaluatorEnv } from "../env.ts";
import { outboxTransport } from "../outbox-bucket.ts";

const logger = new Logger({ serviceName: "msgevents-alert-evaluator" });
const config = readEvaluatorEnv(process.env);
// The source's queries run side by side on the pool; it closes while the instance idles between cycles.
const pool = new pg.Pool({
  ...pgConnectionOptions(config.database),
  max: config.poolMax,
  idleTimeoutMillis: 10_000,
  connectionTimeoutMillis: 10_000,
  statement_timeout: config.statementTimeoutMs,
  application_name: "msgevents-alerts",
  options: QUERY_SESSION_OPTIONS,
});
pool.on("error", (error) => logger.warn("idle database connection failed", { error: error.message }));
const db = drizzle({ client: pool });
const deps = {
  db,
  source: createAlertMetricsSource(db),
  transport: outboxTransport(new S3Client({}), config.bucket),
  publicUrl: config.publicUrl,
};

/** One cycle at the invocation's time; a failure fails the invocation (the schedule retries, then the next runs). */
export async function handler(event: ScheduledEvent): Promise<AlertCycleResult> {
  const result = await runAlertCycle(deps, new Date());
  logger.info("alert cycle", { scheduledTime: event.time, ...result });
  return result;
}

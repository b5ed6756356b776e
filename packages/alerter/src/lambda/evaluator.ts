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
const transport = outboxTransport(new S3Client({}), config.bucket);

/**
 * One cycle at the invocation's time; a failure fails the invocation (the schedule retries, then the next runs).
 * The source's queries run side by side on a pool opened for the cycle and closed before it returns: cycles are
 * minutes apart, and an environment frozen between them (or left behind by a deploy) holds no connection (infra's
 * connection budget counts the evaluator once, not once per version).
 */
export async function handler(event: ScheduledEvent): Promise<AlertCycleResult> {
  const pool = new pg.Pool({
    ...pgConnectionOptions(config.database),
    max: config.poolMax,
    connectionTimeoutMillis: 10_000,
    statement_timeout: config.statementTimeoutMs,
    application_name: "msgevents-alerts",
    options: QUERY_SESSION_OPTIONS,
  });
  pool.on("error", (error) => logger.warn("idle database connection failed", { error: error.message }));
  try {
    const db = drizzle({ client: pool });
    const result = await runAlertCycle(
      { db, source: createAlertMetricsSource(db), transport, publicUrl: config.publicUrl },
      new Date(),
    );
    logger.info("alert cycle", { scheduledTime: event.time, ...result });
    return result;
  } finally {
    await pool.end();
  }
}

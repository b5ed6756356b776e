// The eraser Lambda's entry point (bundled by build.ts), run every 15 minutes by an EventBridge schedule: it advances
// the open right-to-be-forgotten requests and rewrites the batches the loader found holding erased recipients.
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { S3Client } from "@aws-sdk/client-s3";
import { pgConnectionOptions } from "@msgevents/runtime-config/database";
import { S3ObjectStore } from "@msgevents/storage";
import type { ScheduledEvent } from "aws-lambda";
import pg from "pg";
import { readEraserEnv } from "./env.ts";
import { type EraserSummary, runEraser } from "./eraser.ts";
import { readRecipientHasher } from "./recipient-secret.ts";

const logger = new Logger({ serviceName: "msgevents-eraser" });
/** CloudWatch `msgevents` / OldestOpenErasureRequestSeconds (dimension service): infra alarms past a day. */
const metrics = new Metrics({ namespace: "msgevents", serviceName: "msgevents-eraser" });
const config = readEraserEnv(process.env);
const hasher = await readRecipientHasher(process.env);
const pool = new pg.Pool({
  ...pgConnectionOptions(config.database),
  // The run's lock holds one connection; its steps use the other.
  max: 2,
  idleTimeoutMillis: 10_000,
  connectionTimeoutMillis: 10_000,
  statement_timeout: 300_000,
  idle_in_transaction_session_timeout: 60_000,
  application_name: "msgevents-eraser",
});
pool.on("error", (error) => logger.warn("idle database connection failed", { error: error.message }));
const s3 = new S3Client(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true } : {});
const store = new S3ObjectStore({ client: s3, bucket: config.bucket, versioned: config.versioned });

/** One run; a step that failed fails the invocation (the Errors alarm), after the others went on. */
export async function handler(event: ScheduledEvent): Promise<EraserSummary> {
  const summary = await runEraser({ pool, store, hasher, logger }, { budgetMs: config.budgetMs });
  logger.info("eraser run done", { scheduledTime: event.time, ...summary });
  // Every run reports the age of the oldest open request (0 when none): a run that reports nothing is missing data,
  // which the alarm treats as breaching, so an eraser that stopped running is seen as well.
  if (!summary.busy) {
    metrics.singleMetric().addMetric("OldestOpenErasureRequestSeconds", MetricUnit.Seconds, summary.oldestOpenSeconds);
  }
  if (summary.failed.length > 0) throw new Error(`erasure requests ${summary.failed.join(", ")} failed a step`);
  return summary;
}

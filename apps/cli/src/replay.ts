import { stat } from "node:fs/promises";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { type ReplaySummary as LoadSummary, loadStoredBatches } from "@msgevents/loader";
import { objectCreatedNotification } from "@msgevents/loader/s3-notification";
import { DAY_MS, PartitionManager } from "@msgevents/schema";
import { listBatches, type ObjectStore, type StoredBatch } from "@msgevents/storage";
import pg from "pg";
import { type AwsFlags, batchStore, bucketOf, queueUrlOf, sqsClient } from "./aws.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, configError, EXIT, usageError } from "./errors.ts";
import { parseRange } from "./input.ts";
import { runningLocalStack } from "./local-stack.ts";

/** How far back `--batch-id` looks without --from: SparkPost retries for 8 hours, so 30 days is generous. */
const BATCH_ID_LOOKBACK_DAYS = 30;

export interface ReplayOptions extends AwsFlags {
  from?: string;
  to?: string;
  batchIds: readonly string[];
  dryRun: boolean;
  /** Load batches an earlier load committed again, adding only what is missing (local stack only). */
  force: boolean;
}

export interface ReplaySummary {
  mode: "local" | "aws";
  batches: string[];
  missing: string[];
  /** The loader's answer for each batch (local): loaded, skipped as already loaded, failed, with event counts. */
  loaded?: LoadSummary;
}

function range(options: ReplayOptions, now: Date): { from: Date; to: Date } {
  if (!options.from && options.batchIds.length === 0) {
    throw usageError("replay needs --from (and optionally --to) or --batch-id: which batches to load again");
  }
  const given = parseRange(options.from, options.to, { allowEqual: true });
  const to = given.to ?? now;
  const from = given.from ?? new Date(now.getTime() - BATCH_ID_LOOKBACK_DAYS * DAY_MS);
  if (from > to) throw usageError("--from is after --to");
  return { from, to };
}

/**
 * `msgevents replay`: hands stored batches to the loader again. Locally the CLI runs the loader itself against the
 * running stack's database, so it reports the loader's own answer for each batch (loaded, skipped as already loaded,
 * failed); in AWS each becomes the S3 notification the loader's queue would have received. Loading is idempotent: a
 * batch already loaded is skipped (unless `force`), an event already stored is not stored again.
 */
export async function replay(dataDir: string, options: ReplayOptions, deps: CliDeps): Promise<ReplaySummary> {
  const queueUrl = queueUrlOf(options, deps.env);
  const mode = queueUrl ? "aws" : "local";
  if (mode === "aws" && options.force) {
    throw usageError(
      "--force loads through the database, which only the local stack's CLI reaches; in AWS the loader skips batches already loaded",
    );
  }
  const window = range(options, deps.now());
  const store = batchStore(options, deps.env, dataDir, mode === "aws");
  if (mode === "local" && !(await exists(path.join(dataDir, "objects"))) && !deps.env.MSGEVENTS_S3_ENDPOINT) {
    throw configError(`no stored batches in ${dataDir}: set MSGEVENTS_DATA_DIR to the stack's, or --queue-url for AWS`);
  }
  const wanted = new Set(options.batchIds);
  const found: StoredBatch[] = [];
  for await (const batch of listBatches(store, window)) {
    if (wanted.size === 0 || wanted.has(batch.batchId)) found.push(batch);
  }
  const seen = new Set(found.map((batch) => batch.batchId));
  const summary: ReplaySummary = {
    mode,
    batches: found.map((batch) => batch.key),
    missing: [...wanted].filter((id) => !seen.has(id)),
  };
  if (options.dryRun) return summary;
  if (mode === "local") {
    summary.loaded = await loadLocally(dataDir, store, found, options.force, deps);
  } else {
    await sendNotifications(queueUrl as string, bucketOf(options, deps.env), found, options, deps);
  }
  return summary;
}

/** Runs the loader here against the local stack's database, as its queue would, and returns its answers. */
async function loadLocally(
  dataDir: string,
  store: ObjectStore,
  batches: readonly StoredBatch[],
  force: boolean,
  deps: CliDeps,
): Promise<LoadSummary> {
  const local = await runningLocalStack(dataDir, deps);
  if (!local.databaseUrl) throw configError(`the local stack of ${dataDir} gives no database URL: set DATABASE_URL`);
  const pool = new pg.Pool({ connectionString: local.databaseUrl, max: 2, application_name: "msgevents-cli-replay" });
  // A connection dropped by a stopping stack must fail the load in hand, not crash the CLI.
  pool.on("error", () => {});
  try {
    const logger = new Logger({ serviceName: "msgevents-cli", logLevel: "SILENT" });
    return await loadStoredBatches(batches, { pool, store, partitions: new PartitionManager(pool), logger }, { force });
  } finally {
    await pool.end();
  }
}

export function describeReplay(summary: ReplaySummary, options: { dryRun: boolean; force: boolean }): string {
  const list = summary.batches.length > 0 ? `:\n  ${summary.batches.join("\n  ")}` : "";
  if (options.dryRun) return `${summary.batches.length} batch(es) would be replayed${list}`;
  if (!summary.loaded) return `${summary.batches.length} batch(es) sent to the loader's queue${list}`;
  const loaded = summary.loaded;
  const lines = [
    `${summary.batches.length} batch(es) replayed:`,
    `  ${options.force ? "loaded (again)" : "loaded"}  ${loaded.loaded}  (events: ${loaded.eventsLoaded} stored, ${loaded.eventsDuplicate} already stored, ${loaded.recordsRejected} record(s) rejected)`,
    `  skipped         ${loaded.alreadyLoaded}  already loaded${loaded.alreadyLoaded > 0 ? " (--force loads them again, adding only what is missing)" : ""}`,
    `  failed          ${loaded.failed.length}`,
  ];
  for (const failed of loaded.failed) lines.push(`    ${failed.objectKey}: ${failed.error}`);
  return lines.join("\n");
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function sendNotifications(
  queueUrl: string,
  bucket: string,
  batches: readonly StoredBatch[],
  flags: AwsFlags,
  deps: CliDeps,
): Promise<void> {
  const sqs = sqsClient(flags, deps.env);
  try {
    for (let start = 0; start < batches.length; start += 10) {
      const chunk = batches.slice(start, start + 10);
      const answer = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((batch, index) => ({
            Id: String(index),
            MessageBody: objectCreatedNotification(bucket, batch.key, batch.lastModified, batch.size),
          })),
        }),
      );
      if (answer.Failed && answer.Failed.length > 0) {
        const first = answer.Failed[0];
        throw new CliError(
          `the queue refused ${answer.Failed.length} message(s): ${first?.Code} ${first?.Message ?? ""}`,
          EXIT.refused,
        );
      }
    }
  } finally {
    sqs.destroy();
  }
}

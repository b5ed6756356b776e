import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { objectCreatedNotification } from "@msgevents/loader/s3-notification";
import { type DeadLetter, replayDirOf } from "@msgevents/local/dead-letter-files";
import { listBatches, type StoredBatch } from "@msgevents/storage";
import { type AwsFlags, batchStore, bucketOf, queueUrlOf, sqsClient } from "./aws.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, configError, EXIT, usageError } from "./errors.ts";

const DAY_MS = 86_400_000;
/** How far back `--batch-id` looks without --from: SparkPost retries for 8 hours, so 30 days is generous. */
const BATCH_ID_LOOKBACK_DAYS = 30;

export interface ReplayOptions extends AwsFlags {
  from?: string;
  to?: string;
  batchIds: readonly string[];
  dryRun: boolean;
}

export interface ReplaySummary {
  mode: "local" | "aws";
  batches: string[];
  missing: string[];
}

function range(options: ReplayOptions, now: Date): { from: Date; to: Date } {
  const parse = (value: string, flag: string) => {
    const millis = Date.parse(value);
    if (Number.isNaN(millis))
      throw usageError(`${flag} ${JSON.stringify(value)} is not a date: give e.g. 2026-11-20T00:00:00Z`);
    return new Date(millis);
  };
  if (!options.from && options.batchIds.length === 0) {
    throw usageError("replay needs --from (and optionally --to) or --batch-id: which batches to load again");
  }
  const from = options.from ? parse(options.from, "--from") : new Date(now.getTime() - BATCH_ID_LOOKBACK_DAYS * DAY_MS);
  const to = options.to ? parse(options.to, "--to") : now;
  if (from > to) throw usageError("--from is after --to");
  return { from, to };
}

/**
 * `msgevents replay`: hands stored batches to the loader again. Locally they go to the stack's queue (its replay
 * directory, which a running stack drains within seconds and a stopped one at its next start); in AWS each becomes
 * the S3 notification the loader's queue would have received. Loading is idempotent: a batch already loaded is
 * skipped, an event already stored is not stored again.
 */
export async function replay(dataDir: string, options: ReplayOptions, deps: CliDeps): Promise<ReplaySummary> {
  const queueUrl = queueUrlOf(options, deps.env);
  const mode = queueUrl ? "aws" : "local";
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
    await requestLocalReplay(path.join(dataDir, "queue"), found, deps.now());
  } else {
    await sendNotifications(queueUrl as string, bucketOf(options, deps.env), found, options, deps);
  }
  return summary;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Replay requests in the local queue's format; written then renamed, so the stack never reads half a file. */
async function requestLocalReplay(queueDir: string, batches: readonly StoredBatch[], now: Date): Promise<void> {
  const dir = replayDirOf(queueDir);
  await mkdir(dir, { recursive: true });
  for (const batch of batches) {
    const request: DeadLetter = { key: batch.key, attempts: 0, error: "replay requested", deadAt: now.toISOString() };
    const file = path.join(dir, `${encodeURIComponent(batch.key)}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(request));
    await rename(`${file}.tmp`, file);
  }
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

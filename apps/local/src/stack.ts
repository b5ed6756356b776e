import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { AlertCycleResult } from "@msgevents/alerts";
import { RecipientHasher } from "@msgevents/erasure";
import { loadStaticSite, serveStaticSite } from "@msgevents/http";
import {
  type IngestDeps,
  type IngestLogger,
  ingestRoutes,
  loadIngestConfig,
  oversizedRequestHandler,
} from "@msgevents/ingest";
import {
  BatchFailedError,
  createSqsHandler,
  type LoaderDeps,
  loadBatches,
  MAX_BATCHES_PER_LOAD,
  NotABatchKeyError,
} from "@msgevents/loader";
import { objectCreatedNotification } from "@msgevents/loader/s3-notification";
import { createQueryDatabase, createQueryRouter, loadQueryConfig } from "@msgevents/query";
import { DAY_MS, maintainPartitions, PartitionManager, runBackfills } from "@msgevents/schema";
import { type ErasableObjectStore, FileObjectStore, S3ObjectStore } from "@msgevents/storage";
import { localAlertCycle, scheduleAlertCycles } from "./alerts.ts";
import { EMBEDDED_POSTGRES_PASSWORD, ensureCredentials, type LocalCredentials } from "./credentials.ts";
import { openDatabase } from "./database.ts";
import type { LocalConfig } from "./env.ts";
import { closeServer, createHttpServer, listen } from "./http-server.ts";
import { startLocalEraser } from "./local-eraser.ts";
import { LocalQueue, type LocalQueueOptions, type QueueStats } from "./local-queue.ts";
import { NotifyingObjectStore } from "./notifying-store.ts";
import { findUnloadedBatches, RecoveryWatermark } from "./recovery.ts";
import { SqsConsumer } from "./sqs-consumer.ts";
import { acquireStackLock } from "./stack-state.ts";

const HOUR_MS = 3_600_000;
const SWEEP_INTERVAL_MS = 60_000;
const REPLAY_POLL_MS = 2_000;
/** The web app's build; `npm start` builds it first when missing or stale (apps/web/scripts/build.ts). */
const WEB_APP_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));

export interface LocalStack {
  url: string;
  port: number;
  dataDir: string;
  credentials: LocalCredentials;
  /** Whether `/` serves the web app (built into apps/web/dist). */
  webApp: boolean;
  storage: string;
  queue: string;
  database: "embedded" | "external";
  queueStats(): QueueStats | undefined;
  /** How often alerts are evaluated, and whether their e-mails have a SparkPost account to go through. */
  alerts: { intervalSeconds: number; emails: boolean };
  /** One alert evaluation cycle now, as the schedule runs it every MSGEVENTS_ALERT_INTERVAL_SECONDS. */
  runAlertCycle(): Promise<AlertCycleResult>;
  /** Graceful stop: stop accepting, answer in-flight requests, finish in-flight loads, stop PostgreSQL. */
  stop(): Promise<void>;
}

export class DataDirError extends Error {
  override readonly name = "DataDirError";
}

export interface LocalStackOptions {
  /**
   * The time the alerts are evaluated at and the APIs answer at ("now"); defaults to the system clock. Tests move it
   * to walk an alert through hours in a few cycles.
   */
  clock?: () => Date;
}

/** Starts the whole pipeline in this process: the same packages and pure functions as the Lambdas. */
export async function startLocalStack(
  config: LocalConfig,
  logger: Logger,
  options: LocalStackOptions = {},
): Promise<LocalStack> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    return await start(config, logger, options, cleanups, cleanUp);
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function start(
  config: LocalConfig,
  logger: Logger,
  options: LocalStackOptions,
  cleanups: (() => Promise<void>)[],
  cleanUp: () => Promise<void>,
): Promise<LocalStack> {
  await ensureWritableDir(config.dataDir);
  // First of all: a second stack on this data directory would share (and its database start would stop) this one's.
  const lock = await acquireStackLock(config.dataDir);
  cleanups.push(() => lock.release());
  const credentials = await ensureCredentials(config.dataDir, process.env);
  const { [EMBEDDED_POSTGRES_PASSWORD]: embeddedPassword, ...serviceCredentials } = credentials.env;
  const env = { ...process.env, ...serviceCredentials };
  const ingestConfig = loadIngestConfig(env);

  const database = await openDatabase({
    dataDir: config.dataDir,
    databaseUrl: config.DATABASE_URL,
    embeddedPassword,
    poolMax: config.MSGEVENTS_LOADER_CONCURRENCY + 2,
  });
  cleanups.push(() => database.close());
  const queryConfig = loadQueryConfig({ ...env, DATABASE_URL: database.url });
  const query = createQueryDatabase(queryConfig, logger);
  cleanups.push(() => query.pool.end());

  const maintenance = (options: { vacuumBudgetMs?: number } = {}) =>
    maintainPartitions(database.pool, { retentionDays: config.MSGEVENTS_RETENTION_DAYS || undefined, ...options })
      .then((result) => {
        if (result.dropped.length > 0) {
          logger.info("retention dropped partitions", {
            dropped: result.dropped,
            textsRemoved: result.textsRemoved,
            payloadsRemoved: result.payloadsRemoved,
          });
        }
        if (result.engagementRecounted.length > 0) {
          logger.info("recounted the rollups of days late engagement events reached", {
            recounted: result.engagementRecounted,
          });
        }
        if (result.compacted.length > 0) logger.info("compacted ended days", { compacted: result.compacted });
        if (result.vacuumed.length > 0) logger.info("vacuumed ended partitions", { vacuumed: result.vacuumed });
      })
      .catch((error: Error) => logger.error("partition maintenance failed", { error: error.message }));
  // Partitions before the first batch; the compaction and vacuums (ended days, upserted tables) wait for the first
  // hourly run.
  await maintenance({ vacuumBudgetMs: 0 });

  const bucket = config.MSGEVENTS_S3_BUCKET ?? "msgevents-local";
  const store: ErasableObjectStore = config.MSGEVENTS_S3_ENDPOINT
    ? new S3ObjectStore({
        client: new S3Client({
          endpoint: config.MSGEVENTS_S3_ENDPOINT,
          region: config.MSGEVENTS_S3_REGION,
          forcePathStyle: true,
        }),
        bucket,
        versioned: config.MSGEVENTS_S3_VERSIONED === "true",
      })
    : new FileObjectStore(path.join(config.dataDir, "objects"));
  const recipients = new RecipientHasher(serviceCredentials.MSGEVENTS_RECIPIENT_HASH_SECRET ?? "");
  const loaderDeps: LoaderDeps = {
    pool: database.pool,
    store,
    partitions: new PartitionManager(database.pool),
    logger,
    recipients,
  };
  // Erasure requests run in this process, on the raw store (a rewrite is not a new batch to load); a load that
  // dropped an erased recipient's records leaves its batch to rewrite, so it wakes the eraser.
  const eraser = startLocalEraser({ pool: database.pool, store, hasher: recipients, logger });
  cleanups.push(() => eraser.stop());
  const load: LocalQueueOptions["load"] = async (batches) => {
    const outcomes = await loadBatches(
      batches.map(({ key, receivedAt }) => ({ objectKey: key, receivedAt })),
      loaderDeps,
    );
    if (outcomes.some((outcome) => outcome.ok && outcome.result.recordsSuppressed > 0)) eraser.kick();
    return outcomes;
  };

  const queueDir = path.join(config.dataDir, "queue");
  const watermark = RecoveryWatermark.in(queueDir);
  let localQueue: LocalQueue | undefined;
  let notify: (key: string, storedAt: Date, size: number) => Promise<void>;
  let queueName: string;
  if (config.MSGEVENTS_SQS_QUEUE_URL) {
    const sqs = new SQSClient({ region: config.MSGEVENTS_S3_REGION, endpoint: config.MSGEVENTS_SQS_ENDPOINT });
    const queueUrl = config.MSGEVENTS_SQS_QUEUE_URL;
    const consumer = new SqsConsumer({ sqs, queueUrl, logger, handler: createSqsHandler({ ...loaderDeps, bucket }) });
    notify = async (key, storedAt, size) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: objectCreatedNotification(bucket, key, storedAt, size),
        }),
      );
    };
    consumer.start();
    cleanups.push(() => consumer.stop());
    queueName = `SQS ${queueUrl}`;
  } else {
    const queue = new LocalQueue({
      dir: queueDir,
      load,
      batchesPerLoad: MAX_BATCHES_PER_LOAD,
      isPermanent: (error) => error instanceof BatchFailedError || error instanceof NotABatchKeyError,
      concurrency: config.MSGEVENTS_LOADER_CONCURRENCY,
      maxAttempts: config.MSGEVENTS_LOADER_MAX_ATTEMPTS,
      logger,
    });
    await queue.start();
    cleanups.push(() => queue.stop());
    localQueue = queue;
    notify = async (key, storedAt) => queue.enqueue(key, storedAt);
    queueName = `local (${queueDir})`;
  }

  // Batches stored but not loaded when the last run ended (a crash right after a 200) are found and queued at start;
  // with the local queue, a periodic sweep also catches any whose notification failed. A sweep that finds nothing
  // left to load moves the watermark, so later sweeps list only recent days.
  const sweep = async () => {
    const checkedAt = new Date();
    const since = new Date((await watermark.read()).getTime() - DAY_MS);
    const parked = localQueue ? await localQueue.deadKeys() : new Set<string>();
    const unloaded = (await findUnloadedBatches(store, database.pool, { since, until: checkedAt })).filter(
      (key) => !parked.has(key),
    );
    for (const key of unloaded) await notify(key, checkedAt, 0);
    if (unloaded.length === 0) await watermark.write(checkedAt);
    return unloaded.length;
  };
  await mkdir(queueDir, { recursive: true });
  const recovered = await sweep().catch((error: Error) => {
    logger.error("recovery of stored batches failed", { error: error.message });
    return 0;
  });
  if (recovered > 0) logger.info("queued stored batches that were not loaded", { batches: recovered });

  // Backfills (data a migration derived from stored events) run beside everything else until done: at start, then
  // at every hourly maintenance for days that failed. Answers are exact meanwhile, counted from the events.
  const stopBackfills = new AbortController();
  let backfilling: Promise<void> | undefined;
  const backfill = () => {
    backfilling ??= runBackfills(database.pool, {
      budgetMs: Number.POSITIVE_INFINITY,
      signal: stopBackfills.signal,
      onDay: (day) => logger.info("backfill day filled", { ...day }),
    })
      .then((result) => {
        if (result.filled.length > 0)
          logger.info("backfills done", { days: result.filled.length, left: result.remaining });
        for (const failed of result.failed) logger.warn("backfill day failed; retried within the hour", { ...failed });
      })
      .catch((error: Error) => logger.error("backfill failed", { error: error.message }))
      .finally(() => {
        backfilling = undefined;
      });
    return backfilling;
  };
  cleanups.push(async () => {
    stopBackfills.abort();
    await backfilling;
  });

  let sweeping = false;
  const sweepQuietly = async () => {
    if (sweeping) return;
    sweeping = true;
    await sweep()
      .catch((error: Error) => logger.warn("periodic sweep failed", { error: error.message }))
      .finally(() => {
        sweeping = false;
      });
  };
  const timers = [setInterval(() => void maintenance().then(backfill), HOUR_MS)];
  if (localQueue) {
    const queue = localQueue;
    timers.push(setInterval(() => void sweepQuietly(), SWEEP_INTERVAL_MS));
    timers.push(setInterval(() => void queue.pickUpReplays().catch(() => {}), REPLAY_POLL_MS));
  }
  cleanups.push(async () => {
    for (const timer of timers) clearInterval(timer);
  });

  const site = await loadStaticSite(WEB_APP_DIR);
  if (!site)
    logger.warn("the web app is not built: `npm start` builds it; serving the APIs only", { dir: WEB_APP_DIR });

  const ingestLogger: IngestLogger = logger;
  let oversizedBatches = 0;
  const ingestDeps: IngestDeps = {
    store: new NotifyingObjectStore(store, notify),
    auth: ingestConfig.auth,
    clock: () => new Date(),
    logger: ingestLogger,
    maxBodyBytes: ingestConfig.maxBodyBytes,
    onOversizedBatch: () => {
      oversizedBatches++;
    },
  };
  const server = createHttpServer(
    [
      ingestRoutes(ingestDeps),
      async (request) => (site ? serveStaticSite(site, request) : undefined),
      createQueryRouter({
        db: query.db,
        apiKey: queryConfig.apiKey,
        cursorKey: queryConfig.cursorKey,
        now: options.clock,
        logger,
        processFigures: { queue: () => localQueue?.stats(), oversizedBatches: () => oversizedBatches },
        recipients,
        onErasureRequested: () => eraser.kick(),
      }),
    ],
    {
      maxBodyBytes: ingestConfig.maxBodyBytes,
      onError: (error) => logger.error("request failed", { error: error.message }),
      onBodyTooLarge: oversizedRequestHandler(ingestDeps),
    },
  );
  const port = await listen(server, config.MSGEVENTS_PORT, config.MSGEVENTS_HOST);
  // Registered last so it runs first: no new batches while the queue and the database shut down.
  cleanups.push(() => closeServer(server));
  const host = config.MSGEVENTS_HOST.includes(":") ? `[${config.MSGEVENTS_HOST}]` : config.MSGEVENTS_HOST;
  const url = `http://${host}:${port}`;
  await lock.running({ url, ...(database.embeddedPort ? { databasePort: database.embeddedPort } : {}) });
  void backfill();

  const alertCycle = localAlertCycle({
    db: query.db,
    signingKey: env.MSGEVENTS_ALERT_SIGNING_KEY ?? "",
    transmissions:
      config.MSGEVENTS_ALERT_SPARKPOST_API_KEY && config.MSGEVENTS_ALERT_EMAIL_FROM
        ? {
            apiKey: config.MSGEVENTS_ALERT_SPARKPOST_API_KEY,
            apiUrl: config.MSGEVENTS_ALERT_SPARKPOST_API_URL,
            from: config.MSGEVENTS_ALERT_EMAIL_FROM,
          }
        : undefined,
    publicUrl: config.MSGEVENTS_PUBLIC_URL ?? url,
    clock: options.clock ?? (() => new Date()),
  });
  const alerts = scheduleAlertCycles({
    intervalSeconds: config.MSGEVENTS_ALERT_INTERVAL_SECONDS,
    cycle: alertCycle,
    logger,
  });
  // Before the server closes (cleanups run in reverse): a cycle in flight finishes with the database still up.
  cleanups.push(() => alerts.stop());

  return {
    url,
    port,
    dataDir: config.dataDir,
    credentials,
    webApp: site !== undefined,
    storage: store instanceof FileObjectStore ? store.rootDir : `S3 ${config.MSGEVENTS_S3_ENDPOINT} bucket ${bucket}`,
    queue: queueName,
    database: database.kind,
    queueStats: () => localQueue?.stats(),
    alerts: {
      intervalSeconds: config.MSGEVENTS_ALERT_INTERVAL_SECONDS,
      emails: config.MSGEVENTS_ALERT_SPARKPOST_API_KEY !== undefined,
    },
    runAlertCycle: () => alerts.runCycle(),
    stop: cleanUp,
  };
}

async function ensureWritableDir(dir: string): Promise<void> {
  const probe = path.join(dir, `.write-probe-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, "");
    await rm(probe);
  } catch (error) {
    throw new DataDirError(
      `data directory ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ` +
        "choose another with MSGEVENTS_DATA_DIR",
      { cause: error },
    );
  }
}

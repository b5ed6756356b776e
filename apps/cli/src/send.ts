import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describeTotals, emptyTotals, type LoadTotals, waitForOutcomes } from "./batch-outcomes.ts";
import type { Connection } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT, usageError } from "./errors.ts";
import { BULK_RETRY, failure, fetchWithRetry, INTERACTIVE_RETRY, type RetryPolicy, readJson } from "./http.ts";
import { createProgress } from "./progress.ts";
import { sampleBatch } from "./samples.ts";
import { type WebhookAuthMode, type WebhookAuthorizer, webhookAuthorizer, webhookTarget } from "./webhook-auth.ts";

export const BATCH_ID_HEADER = "x-messagesystems-batch-id";

const sampleTime = (deps: CliDeps) => new Date(deps.now().getTime() - 120_000);

export interface GenerateOptions {
  count: number;
  /** Spread over this many days, ending two minutes ago (inside the Events API's default window when 1). */
  days: number;
  /** Events per webhook batch. */
  batchSize: number;
  seed?: number;
}

export interface SendOptions {
  /** Batch files to post as they are; none = SparkPost's samples (or generated traffic). */
  files: readonly string[];
  types?: readonly string[];
  generate?: GenerateOptions;
  auth: WebhookAuthMode;
  /** The batch id (with several batches, `<id>-1`, `<id>-2`, …); default: a random one, as SparkPost sends. */
  batchId?: string;
  /** Post the samples with their original 2016 timestamps. */
  keepTimestamps?: boolean;
  /** Post to this URL instead of the deployment's webhook path. */
  target?: string;
  /** Seconds to wait for the loader's outcome; 0 reports what the endpoint received only. */
  waitSeconds: number;
  progress?: boolean;
}

/** What the ingest endpoint answered for one batch. */
export interface Receipt {
  batchId: string;
  status: number;
  events?: number;
  duplicate?: boolean;
  stored?: boolean;
}

export interface SendSummary {
  receipts: Receipt[];
  records: number;
  postMs: number;
  /** The loader's counts for the batches it finished, and the batch ids it had not finished when the wait ended. */
  totals: LoadTotals;
  waiting: string[];
  loadMs: number;
  waited: boolean;
}

const CONCURRENT_POSTS = 4;

/** One batch to post: its body and how many records it holds. */
interface Outgoing {
  body: string;
  records: number;
}

/**
 * `msgevents send`: posts batches as SparkPost would (its samples, files, or generated traffic), then waits for the
 * loader and reports what it stored, found already stored and rejected — the webhook's 200 only says "received".
 */
export async function sendBatches(connection: Connection, options: SendOptions, deps: CliDeps): Promise<SendSummary> {
  const batches = outgoing(options, deps);
  const baseId = options.batchId ?? randomBytes(16).toString("hex");
  const target = options.target ?? webhookTarget(connection);
  const authorizer = webhookAuthorizer(connection, options.auth, deps);
  const retry = options.files.length > 0 || options.generate ? BULK_RETRY : INTERACTIVE_RETRY;
  const generated = options.generate;
  const progress = createProgress(deps.stderr, "events", options.progress);
  if (generated) progress.start(generated.count, 0);
  const receipts: Receipt[] = [];
  let records = 0;
  const started = deps.now().getTime();
  let index = 0;
  // One batch keeps the id as given; several get -1, -2, ….
  const several = generated !== undefined || options.files.length > 1;
  const iterator = batches[Symbol.asyncIterator]();
  const next = async (): Promise<{ batch: Outgoing; batchId: string } | undefined> => {
    const item = await iterator.next();
    if (item.done) return undefined;
    index++;
    return { batch: item.value, batchId: several ? `${baseId}-${index}` : baseId };
  };
  try {
    // Posting a few at once keeps a generated run close to what the endpoint takes; samples and files go in order.
    const workers = Array.from({ length: generated ? CONCURRENT_POSTS : 1 }, async () => {
      for (let item = await next(); item && !deps.signal.aborted; item = await next()) {
        const receipt = await postWithAuth(target, item.batch.body, item.batchId, authorizer, deps, retry);
        receipts.push(receipt);
        records += item.batch.records;
        progress.update(records);
        if (!generated) deps.stdout.write(`${describeReceipt(receipt)}\n`);
      }
    });
    await Promise.all(workers);
  } finally {
    progress.stop();
  }
  const postMs = deps.now().getTime() - started;
  const totals = emptyTotals();
  for (const receipt of receipts) if (receipt.duplicate) totals.duplicate += receipt.events ?? 0;
  const toLoad = receipts.filter((receipt) => !receipt.duplicate && receipt.stored !== false).map((r) => r.batchId);
  if (options.waitSeconds <= 0 || toLoad.length === 0) {
    return { receipts, records, postMs, totals, waiting: toLoad, loadMs: postMs, waited: false };
  }
  const outcome = await waitForOutcomes(connection, toLoad, deps, { timeoutMs: options.waitSeconds * 1000 });
  totals.stored += outcome.totals.stored;
  totals.duplicate += outcome.totals.duplicate;
  totals.rejected += outcome.totals.rejected;
  totals.failedBatches.push(...outcome.totals.failedBatches);
  return {
    receipts,
    records,
    postMs,
    totals,
    waiting: outcome.waiting,
    loadMs: deps.now().getTime() - started,
    waited: true,
  };
}

async function* outgoing(options: SendOptions, deps: CliDeps): AsyncGenerator<Outgoing> {
  if (options.generate) {
    if (options.files.length > 0 || options.types) {
      throw usageError("--generate posts generated traffic; it cannot be combined with batch files or --types");
    }
    const { createEventGenerator } = await import("@msgevents/generator");
    const { count, days, batchSize } = options.generate;
    const to = sampleTime(deps);
    const generator = createEventGenerator({
      seed: options.generate.seed ?? Number.parseInt(randomBytes(3).toString("hex"), 16),
      from: new Date(to.getTime() - days * 86_400_000),
      to,
      total: count,
    });
    for (let left = count; left > 0; left -= batchSize) {
      const size = Math.min(batchSize, left);
      yield { body: JSON.stringify(generator.take(size)), records: size };
    }
    return;
  }
  if (options.files.length === 0) {
    // Two minutes ago: the Events API's default window ends a minute ago, so a plain `msgevents events` shows them.
    const batch = sampleBatch({ types: options.types, now: options.keepTimestamps ? undefined : sampleTime(deps) });
    yield { body: JSON.stringify(batch), records: batch.length };
    return;
  }
  if (options.types) throw usageError("--types picks sample events; it cannot be combined with batch files");
  const bodies = await Promise.all(
    options.files.map(async (file) => {
      try {
        return await readFile(path.resolve(deps.cwd, file), "utf8");
      } catch (error) {
        throw usageError(`cannot read batch file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
    }),
  );
  for (const body of bodies) yield { body, records: countRecords(body) };
}

function countRecords(body: string): number {
  try {
    const parsed: unknown = JSON.parse(body);
    return Array.isArray(parsed) ? parsed.length : 0;
  } catch {
    return 0;
  }
}

/** Posts a batch; an OAuth2 token that expired or was revoked mid-run is fetched again once. */
export async function postWithAuth(
  target: string,
  body: string,
  batchId: string,
  authorizer: WebhookAuthorizer,
  deps: CliDeps,
  retry: RetryPolicy,
): Promise<Receipt> {
  try {
    return await postBatch(target, body, batchId, await authorizer.header(), deps, retry);
  } catch (error) {
    if (authorizer.mode !== "oauth2" || !(error instanceof CliError) || !error.message.includes("HTTP 401"))
      throw error;
    authorizer.refresh();
    return postBatch(target, body, batchId, await authorizer.header(), deps, retry);
  }
}

export async function postBatch(
  target: string,
  body: string,
  batchId: string,
  authorization: string | undefined,
  deps: CliDeps,
  retry: RetryPolicy = INTERACTIVE_RETRY,
): Promise<Receipt> {
  const headers: Record<string, string> = { "content-type": "application/json", [BATCH_ID_HEADER]: batchId };
  if (authorization) headers.authorization = authorization;
  const response = await fetchWithRetry(deps, target, { method: "POST", headers, body }, retry);
  if (response.status !== 200) {
    throw await failure(response, `posting batch ${batchId} to ${target}`, {
      401: "the endpoint refused the credentials: check MSGEVENTS_WEBHOOK_USERNAME/PASSWORD or the OAuth2 client, or --auth",
      413: "the batch is larger than the endpoint's MSGEVENTS_MAX_BODY_BYTES",
    });
  }
  const answer = (await readJson(response)) as { results?: Partial<Receipt> & { batch_id?: string } } | undefined;
  const results = answer?.results;
  if (!results)
    throw new CliError(`${target} answered 200 without a receipt: is it a msgevents endpoint?`, EXIT.refused);
  return {
    batchId: results.batch_id ?? batchId,
    status: response.status,
    events: results.events,
    duplicate: results.duplicate,
    stored: results.stored,
  };
}

/** What the endpoint said of one batch: received (to be loaded), a duplicate, or a test batch. */
export function describeReceipt(receipt: Receipt): string {
  const records = `${receipt.events ?? "?"} record(s)`;
  if (receipt.duplicate)
    return `batch ${receipt.batchId}: ${records}, a duplicate of a batch already received (not loaded again)`;
  if (receipt.stored === false) return `batch ${receipt.batchId}: a test batch, answered 200 and not stored`;
  return `batch ${receipt.batchId}: ${records} received`;
}

const rate = (count: number, ms: number) => (ms > 0 ? Math.round((count * 1000) / ms) : count);

/** The summary lines: what was posted (and how fast, for generated traffic) and what the loader made of it. */
export function describeSend(summary: SendSummary, generated: boolean): string[] {
  const lines: string[] = [];
  const batches = summary.receipts.length;
  if (generated) {
    lines.push(
      `posted ${summary.records} event(s) in ${batches} batch(es) in ${(summary.postMs / 1000).toFixed(1)} s ` +
        `(${rate(summary.records, summary.postMs)} events/s)`,
    );
  }
  if (!summary.waited) {
    if (summary.waiting.length > 0) lines.push("not waiting for the loader: msgevents events shows what was stored");
    else if (summary.totals.duplicate > 0) lines.push(`loaded: ${describeTotals(summary.totals)}`);
    return lines;
  }
  lines.push(`loaded: ${describeTotals(summary.totals)}`);
  if (generated && summary.waiting.length === 0) {
    lines.push(
      `${summary.records} event(s) posted and loaded in ${(summary.loadMs / 1000).toFixed(1)} s ` +
        `(${rate(summary.records, summary.loadMs)} events/s end to end)`,
    );
  }
  if (summary.totals.rejected > 0) lines.push("msgevents rejections shows why each record was rejected");
  for (const failed of summary.totals.failedBatches) lines.push(`batch ${failed.batchId} failed: ${failed.error}`);
  if (summary.waiting.length > 0) {
    lines.push(
      `${summary.waiting.length} batch(es) not loaded yet when the wait ended (the loader is behind): ` +
        "msgevents webhook status shows its queue",
    );
  }
  return lines;
}

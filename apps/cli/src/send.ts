import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Connection } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT, usageError } from "./errors.ts";
import { failure, fetchWithRetry, readJson } from "./http.ts";
import { sampleBatch } from "./samples.ts";
import { type WebhookAuthMode, webhookAuthorizer, webhookTarget } from "./webhook-auth.ts";

export const BATCH_ID_HEADER = "x-messagesystems-batch-id";

const sampleTime = (deps: CliDeps) => new Date(deps.now().getTime() - 120_000);

export interface SendOptions {
  /** Batch files to post as they are; none = SparkPost's samples. */
  files: readonly string[];
  types?: readonly string[];
  auth: WebhookAuthMode;
  /** The batch id (with several files, `<id>-1`, `<id>-2`, …); default: a random one, as SparkPost sends. */
  batchId?: string;
  /** Post the samples with their original 2016 timestamps. */
  keepTimestamps?: boolean;
  /** Post to this URL instead of the deployment's webhook path. */
  target?: string;
}

/** What the ingest endpoint answered for one batch. */
export interface Receipt {
  batchId: string;
  status: number;
  events?: number;
  duplicate?: boolean;
  stored?: boolean;
}

/** `msgevents send`: posts batches as SparkPost would, and reports each receipt. */
export async function sendBatches(connection: Connection, options: SendOptions, deps: CliDeps): Promise<Receipt[]> {
  const bodies = await batchBodies(options, deps);
  const baseId = options.batchId ?? randomBytes(16).toString("hex");
  const target = options.target ?? webhookTarget(connection);
  const authorizer = webhookAuthorizer(connection, options.auth, deps);
  const receipts: Receipt[] = [];
  for (const [index, body] of bodies.entries()) {
    const batchId = bodies.length > 1 ? `${baseId}-${index + 1}` : baseId;
    const receipt = await postBatch(target, body, batchId, await authorizer.header(), deps);
    receipts.push(receipt);
    deps.stdout.write(`${describeReceipt(receipt)}\n`);
  }
  return receipts;
}

async function batchBodies(options: SendOptions, deps: CliDeps): Promise<string[]> {
  if (options.files.length === 0) {
    return [
      // Two minutes ago: the Events API's default window ends a minute ago, so a plain `msgevents events` shows them.
      JSON.stringify(sampleBatch({ types: options.types, now: options.keepTimestamps ? undefined : sampleTime(deps) })),
    ];
  }
  if (options.types) throw usageError("--types picks sample events; it cannot be combined with batch files");
  return Promise.all(
    options.files.map(async (file) => {
      try {
        return await readFile(path.resolve(deps.cwd, file), "utf8");
      } catch (error) {
        throw usageError(`cannot read batch file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
    }),
  );
}

export async function postBatch(
  target: string,
  body: string,
  batchId: string,
  authorization: string | undefined,
  deps: CliDeps,
): Promise<Receipt> {
  const headers: Record<string, string> = { "content-type": "application/json", [BATCH_ID_HEADER]: batchId };
  if (authorization) headers.authorization = authorization;
  const response = await fetchWithRetry(deps, target, { method: "POST", headers, body });
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

export function describeReceipt(receipt: Receipt): string {
  const events = `${receipt.events ?? "?"} event(s)`;
  if (receipt.duplicate)
    return `batch ${receipt.batchId}: ${events}, a duplicate of a batch already received (not stored again)`;
  if (receipt.stored === false) return `batch ${receipt.batchId}: a test batch, answered 200 and not stored`;
  return `batch ${receipt.batchId}: ${events} stored; they are searchable once loaded (usually within a second)`;
}

import { createHash } from "node:crypto";
import path from "node:path";
import { type BackfillBatch, pageToBatches } from "./backfill-batches.ts";
import type { Connection } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT, usageError } from "./errors.ts";
import { eventsPath } from "./events.ts";
import { DEFAULT_RETRY, joinUrl, type RetryPolicy } from "./http.ts";
import { fetchPage, queryString } from "./pages.ts";
import { createProgress } from "./progress.ts";
import { postBatch } from "./send.ts";
import { normalizeApiUrl } from "./sparkpost-hosts.ts";
import { readState, writeState } from "./state-file.ts";
import { type WebhookAuthMode, webhookAuthorizer, webhookTarget } from "./webhook-auth.ts";

export interface BackfillOptions {
  /** The Events API to pull from: SparkPost US or EU, or any drop-in (another msgevents). */
  apiUrl: string;
  sourceApiKey: string;
  from: string;
  to: string;
  /** Event types to pull (comma list); all when unset. */
  events?: string;
  perPage: number;
  maxBatchBytes: number;
  auth: WebhookAuthMode;
  stateFile?: string;
  /** Start over although a state file says the range was done or is half done. */
  restart: boolean;
  progress?: boolean;
  retry?: RetryPolicy;
}

/** What identifies a backfill: the same source, target, range and types resume the same state. */
export interface BackfillKey {
  source: string;
  target: string;
  from: string;
  to: string;
  events: string | null;
}

/** What a backfill keeps between runs: where it stopped and what it has done so far. */
export interface BackfillState extends BackfillKey {
  version: 1;
  /** The relative URL of the next page to fetch; null before the first page. */
  next: string | null;
  done: boolean;
  totalCount: number | null;
  pages: number;
  eventsDelivered: number;
  batches: number;
  duplicateEvents: number;
  elapsedMs: number;
}

export interface BackfillSummary {
  state: BackfillState;
  stateFile: string;
  resumed: boolean;
  alreadyComplete: boolean;
}

function isoInstant(value: string, flag: string): string {
  const millis = Date.parse(value);
  if (Number.isNaN(millis))
    throw usageError(`${flag} ${JSON.stringify(value)} is not a date: give e.g. 2026-11-20T00:00:00Z`);
  return new Date(millis).toISOString().replace(/\.000Z$/, "Z");
}

export function defaultStateFile(dataDir: string, key: BackfillKey): string {
  const digest = createHash("sha256").update(JSON.stringify(key)).digest("hex").slice(0, 16);
  return path.join(dataDir, "backfill", `${digest}.json`);
}

/**
 * `msgevents backfill`: pages through an Events API and delivers every event through the deployment's webhook
 * endpoint as webhook batches with deterministic ids, saving its position after each page so a second run resumes
 * where the first stopped. The loader stores each event once, however often it arrives (by webhook or backfill).
 */
export async function backfill(
  connection: Connection,
  options: BackfillOptions,
  deps: CliDeps,
): Promise<BackfillSummary> {
  const from = isoInstant(options.from, "--from");
  const to = isoInstant(options.to, "--to");
  if (from >= to) throw usageError(`--from ${from} is not before --to ${to}`);
  const source = normalizeApiUrl(options.apiUrl);
  const target = webhookTarget(connection);
  const key: BackfillKey = { source, target, from, to, events: options.events ?? null };
  const stateFile = options.stateFile
    ? path.resolve(deps.cwd, options.stateFile)
    : defaultStateFile(connection.dataDir, key);
  const saved = options.restart ? undefined : await readState<BackfillState>(stateFile);
  if (saved && (saved.source !== source || saved.from !== from || saved.to !== to || saved.target !== target)) {
    throw usageError(
      `${stateFile} belongs to another backfill (${saved.from} to ${saved.to} from ${saved.source}): pass another --state-file or --restart`,
    );
  }
  const fresh: BackfillState = {
    version: 1,
    ...key,
    next: null,
    done: false,
    totalCount: null,
    pages: 0,
    eventsDelivered: 0,
    batches: 0,
    duplicateEvents: 0,
    elapsedMs: 0,
  };
  const state: BackfillState = saved ?? fresh;
  if (state.done) return { state, stateFile, resumed: true, alreadyComplete: true };

  const authorizer = webhookAuthorizer(connection, options.auth, deps);
  const deliver = async (batch: BackfillBatch) => {
    try {
      return await postBatch(target, batch.body, batch.batchId, await authorizer.header(), deps);
    } catch (error) {
      // An OAuth2 token can expire or be revoked mid-run: fetch a new one once.
      if (authorizer.mode !== "oauth2" || !(error instanceof CliError) || !error.message.includes("HTTP 401"))
        throw error;
      authorizer.refresh();
      return postBatch(target, batch.body, batch.batchId, await authorizer.header(), deps);
    }
  };
  const retry = options.retry ?? DEFAULT_RETRY;
  const sourceHost = new URL(source).host;
  const progress = createProgress(deps.stderr, "events", options.progress);
  const firstUrl = joinUrl(
    source,
    `${eventsPath}${queryString({ from, to, per_page: options.perPage, events: options.events })}`,
  );
  const resumed = state.pages > 0;
  let url = state.next ? joinUrl(source, state.next) : firstUrl;
  let started = deps.now().getTime();
  progress.start(state.totalCount ?? 0, state.eventsDelivered);
  try {
    for (;;) {
      const page = await fetchPage(deps, url, {
        what: `reading events from ${sourceHost}`,
        authorization: options.sourceApiKey,
        hints: {
          401: "check --sparkpost-api-key / SPARKPOST_API_KEY (it needs the Events Search: Read-only grant) and --region",
          403: "the API key lacks the Events Search: Read-only grant",
        },
        retry,
        onRetry: ({ reason, delayMs }) =>
          note(deps, `${sourceHost}: ${reason}; retrying in ${Math.round(delayMs / 1000)} s`),
      });
      for (const batch of pageToBatches(page.results, options.maxBatchBytes)) {
        const receipt = await deliver(batch);
        state.batches++;
        if (receipt.duplicate) state.duplicateEvents += batch.events;
      }
      const now = deps.now().getTime();
      state.elapsedMs += now - started;
      started = now;
      state.pages++;
      state.eventsDelivered += page.results.length;
      state.totalCount = page.total_count ?? state.totalCount;
      state.next = page.next ?? null;
      state.done = page.next === undefined;
      await writeState(stateFile, state);
      progress.update(state.eventsDelivered, state.totalCount ?? undefined);
      if (state.done) break;
      if (deps.signal.aborted) {
        throw new CliError(
          `backfill interrupted after page ${state.pages}; run the same command again to resume (state in ${stateFile})`,
          EXIT.interrupted,
        );
      }
      url = joinUrl(source, state.next as string);
    }
  } finally {
    progress.stop();
  }
  return { state, stateFile, resumed, alreadyComplete: false };
}

function note(deps: CliDeps, line: string): void {
  deps.stderr.write(`${line}\n`);
}

export function describeBackfill(summary: BackfillSummary): string {
  const { state } = summary;
  const figures =
    `${state.pages} page(s), ${state.eventsDelivered} event(s) in ${state.batches} batch(es), ` +
    `${state.duplicateEvents} duplicate event(s) skipped, ${(state.elapsedMs / 1000).toFixed(1)} s`;
  if (summary.alreadyComplete) {
    return `backfill of ${state.from} to ${state.to} was already complete (${figures}); --restart runs it again`;
  }
  return `backfill complete${summary.resumed ? " (resumed)" : ""}: ${figures}`;
}

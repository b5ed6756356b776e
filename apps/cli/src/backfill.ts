import { createHash } from "node:crypto";
import path from "node:path";
import { type BackfillBatch, pageToBatches } from "./backfill-batches.ts";
import { describeTotals, waitForOutcomes } from "./batch-outcomes.ts";
import type { Connection } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT, usageError } from "./errors.ts";
import { eventsPath } from "./events.ts";
import { BULK_RETRY, joinUrl, type RetryPolicy } from "./http.ts";
import { apiTime, parseRange } from "./input.ts";
import { fetchPage, queryString } from "./pages.ts";
import { createProgress } from "./progress.ts";
import { postWithAuth } from "./send.ts";
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
  version: 2;
  /** The relative URL of the next page to fetch; null before the first page. */
  next: string | null;
  done: boolean;
  totalCount: number | null;
  pages: number;
  eventsDelivered: number;
  batches: number;
  /** The loader's counts for the batches it has finished (events in batches the endpoint had already: duplicates). */
  stored: number;
  duplicate: number;
  rejected: number;
  failedBatches: number;
  /** Batches posted whose outcome the loader has not given yet. */
  pendingBatchIds: string[];
  elapsedMs: number;
}

/** How long the end of a backfill waits for the loader to finish its last batches. */
const LOADER_WAIT_MS = 120_000;

export interface BackfillSummary {
  state: BackfillState;
  stateFile: string;
  resumed: boolean;
  alreadyComplete: boolean;
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
  const range = parseRange(options.from, options.to);
  const from = apiTime(range.from as Date);
  const to = apiTime(range.to as Date);
  const source = normalizeApiUrl(options.apiUrl);
  const target = webhookTarget(connection);
  const key: BackfillKey = { source, target, from, to, events: options.events ?? null };
  const stateFile = options.stateFile
    ? path.resolve(deps.cwd, options.stateFile)
    : defaultStateFile(connection.dataDir, key);
  const saved = options.restart ? undefined : upgrade(await readState<BackfillState | BackfillStateV1>(stateFile));
  if (saved && (saved.source !== source || saved.from !== from || saved.to !== to || saved.target !== target)) {
    throw usageError(
      `${stateFile} belongs to another backfill (${saved.from} to ${saved.to} from ${saved.source}): pass another --state-file or --restart`,
    );
  }
  const fresh: BackfillState = {
    version: 2,
    ...key,
    next: null,
    done: false,
    totalCount: null,
    pages: 0,
    eventsDelivered: 0,
    batches: 0,
    stored: 0,
    duplicate: 0,
    rejected: 0,
    failedBatches: 0,
    pendingBatchIds: [],
    elapsedMs: 0,
  };
  const state: BackfillState = saved ?? fresh;
  // The loader's answers for batches posted so far: counted as they come, so the summary is the loader's, not ours.
  const collect = async (waitMs: number) => {
    if (state.pendingBatchIds.length === 0) return;
    const { totals, waiting } = await waitForOutcomes(connection, state.pendingBatchIds, deps, { timeoutMs: waitMs });
    addTotals(state, totals);
    state.pendingBatchIds = waiting;
  };
  if (state.done) {
    await collect(LOADER_WAIT_MS);
    await writeState(stateFile, state);
    return { state, stateFile, resumed: true, alreadyComplete: true };
  }

  const authorizer = webhookAuthorizer(connection, options.auth, deps);
  const retry = options.retry ?? BULK_RETRY;
  const deliver = (batch: BackfillBatch) => postWithAuth(target, batch.body, batch.batchId, authorizer, deps, retry);

  const sourceHost = new URL(source).host;
  const progress = createProgress(deps.stderr, "events", options.progress);
  const firstUrl = joinUrl(
    source,
    `${eventsPath}${queryString({ from, to, per_page: options.perPage, events: options.events })}`,
  );
  const resumed = state.pages > 0;
  let url = state.next ? joinUrl(source, state.next) : firstUrl;
  let started = deps.now().getTime();
  // The bar starts once the first page says how many events there are (never "100% | 0/0" first).
  if (state.totalCount) progress.start(state.totalCount, state.eventsDelivered);
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
        if (receipt.duplicate) state.duplicate += batch.events;
        else state.pendingBatchIds.push(receipt.batchId);
      }
      await collect(0);
      const now = deps.now().getTime();
      state.elapsedMs += now - started;
      started = now;
      state.pages++;
      state.eventsDelivered += page.results.length;
      if (state.totalCount === null && page.total_count) progress.start(page.total_count, state.eventsDelivered);
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
  await collect(LOADER_WAIT_MS);
  await writeState(stateFile, state);
  return { state, stateFile, resumed, alreadyComplete: false };
}

/** A state file of the first version (no loader counts) read as the current one. */
interface BackfillStateV1
  extends Omit<BackfillState, "version" | "stored" | "duplicate" | "rejected" | "failedBatches" | "pendingBatchIds"> {
  version: 1;
  duplicateEvents: number;
}

function upgrade(saved: BackfillState | BackfillStateV1 | undefined): BackfillState | undefined {
  if (!saved || saved.version === 2) return saved;
  const { duplicateEvents, ...rest } = saved;
  return {
    ...rest,
    version: 2,
    stored: 0,
    duplicate: duplicateEvents,
    rejected: 0,
    failedBatches: 0,
    pendingBatchIds: [],
  };
}

function addTotals(
  state: BackfillState,
  totals: { stored: number; duplicate: number; rejected: number; failedBatches: unknown[] },
): void {
  state.stored += totals.stored;
  state.duplicate += totals.duplicate;
  state.rejected += totals.rejected;
  state.failedBatches += totals.failedBatches.length;
}

function note(deps: CliDeps, line: string): void {
  deps.stderr.write(`${line}\n`);
}

export function describeBackfill(summary: BackfillSummary): string {
  const { state } = summary;
  const loaded = describeTotals({
    stored: state.stored,
    duplicate: state.duplicate,
    rejected: state.rejected,
    failedBatches: Array.from({ length: state.failedBatches }, () => ({ batchId: "", error: "" })),
  });
  const figures =
    `${state.pages} page(s), ${state.eventsDelivered} event(s) in ${state.batches} batch(es), ` +
    `${(state.elapsedMs / 1000).toFixed(1)} s; loaded: ${loaded}`;
  const waiting =
    state.pendingBatchIds.length > 0
      ? `\n${state.pendingBatchIds.length} batch(es) not loaded yet (the loader is behind): run the same command again later to count them`
      : "";
  if (summary.alreadyComplete) {
    return `backfill of ${state.from} to ${state.to} was already complete (${figures}); --restart runs it again${waiting}`;
  }
  return `backfill complete${summary.resumed ? " (resumed)" : ""}: ${figures}${waiting}`;
}

import { type Connection, requireApiKey } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { failure, fetchWithRetry, joinUrl } from "./http.ts";

/** What the loader made of one batch (`GET /api/v1/batches`). */
export interface BatchOutcome {
  batch_id: string;
  status: "pending" | "loaded" | "failed";
  events_loaded: number;
  events_duplicate: number;
  records_rejected: number;
  last_error: string | null;
}

/** The loader's counts over many batches: what `send` and `backfill` report instead of what they posted. */
export interface LoadTotals {
  stored: number;
  duplicate: number;
  rejected: number;
  failedBatches: { batchId: string; error: string }[];
}

export const emptyTotals = (): LoadTotals => ({ stored: 0, duplicate: 0, rejected: 0, failedBatches: [] });

export function addOutcome(totals: LoadTotals, outcome: BatchOutcome): void {
  totals.stored += outcome.events_loaded;
  totals.duplicate += outcome.events_duplicate;
  totals.rejected += outcome.records_rejected;
  if (outcome.status === "failed") {
    totals.failedBatches.push({ batchId: outcome.batch_id, error: outcome.last_error ?? "failed" });
  }
}

const PER_REQUEST = 100;
const POLL_MS = 500;

/** The outcomes the loader has so far for these batches (absent: not seen yet; `pending`: being loaded). */
export async function readOutcomes(
  connection: Connection,
  batchIds: readonly string[],
  deps: CliDeps,
): Promise<Map<string, BatchOutcome>> {
  const apiKey = requireApiKey(connection);
  const outcomes = new Map<string, BatchOutcome>();
  for (let start = 0; start < batchIds.length; start += PER_REQUEST) {
    const ids = batchIds.slice(start, start + PER_REQUEST);
    const url = joinUrl(connection.url, `/api/v1/batches?batch_ids=${ids.map(encodeURIComponent).join(",")}`);
    const response = await fetchWithRetry(deps, url, { headers: { authorization: apiKey } });
    if (!response.ok) throw await failure(response, `reading the loader's outcome at ${connection.url}`);
    const body = (await response.json()) as { results?: BatchOutcome[] };
    for (const outcome of body.results ?? []) outcomes.set(outcome.batch_id, outcome);
  }
  return outcomes;
}

/**
 * Waits until the loader has loaded (or failed) every batch, up to `timeoutMs`, polling its outcomes; returns the
 * totals of those done and the ids still waiting. `onDone` hears of each batch as it is done.
 */
export async function waitForOutcomes(
  connection: Connection,
  batchIds: readonly string[],
  deps: CliDeps,
  options: { timeoutMs: number; onDone?: (outcome: BatchOutcome) => void },
): Promise<{ totals: LoadTotals; waiting: string[] }> {
  const totals = emptyTotals();
  let waiting = [...batchIds];
  const deadline = deps.now().getTime() + options.timeoutMs;
  while (waiting.length > 0) {
    const outcomes = await readOutcomes(connection, waiting, deps);
    const still: string[] = [];
    for (const id of waiting) {
      const outcome = outcomes.get(id);
      if (outcome && outcome.status !== "pending") {
        addOutcome(totals, outcome);
        options.onDone?.(outcome);
      } else still.push(id);
    }
    waiting = still;
    if (waiting.length === 0 || deps.signal.aborted || deps.now().getTime() >= deadline) break;
    await deps.sleep(POLL_MS);
  }
  return { totals, waiting };
}

/** "25 stored, 2 already stored, 1 rejected" (and failures), from the loader's own counts. */
export function describeTotals(totals: LoadTotals): string {
  const parts = [
    `${totals.stored} event(s) stored`,
    `${totals.duplicate} already stored (duplicates)`,
    `${totals.rejected} record(s) rejected`,
  ];
  if (totals.failedBatches.length > 0) parts.push(`${totals.failedBatches.length} batch(es) failed`);
  return parts.join(", ");
}

import { type HttpResponse, jsonResponse } from "@msgevents/http";
import { sql } from "drizzle-orm";
import { invalidParameter } from "./request/errors.ts";
import { assertKnownParameters } from "./request/query-string.ts";
import type { SearchDatabase } from "./search/snapshot.ts";

export const BATCHES_PATH = "/api/v1/batches";

const KNOWN: ReadonlySet<string> = new Set(["batch_ids"]);
export const MAX_BATCH_IDS = 100;

interface BatchStatusRow extends Record<string, unknown> {
  batch_id: string;
  status: string;
  received_at: Date;
  loaded_at: Date | null;
  events_loaded: number;
  events_duplicate: number;
  records_rejected: number;
  attempts: number;
  last_error: string | null;
}

/**
 * `GET /api/v1/batches?batch_ids=a,b`: what the loader made of each batch, as its `batches` row says: `pending`,
 * `loaded` (with events stored, events already stored, records rejected) or `failed` (with the error). A batch id
 * the loader has not seen yet is absent from the results. The CLI reports these counts after `send` and `backfill`:
 * the webhook's 200 only says a batch was received.
 */
export async function batchStatuses(
  params: Map<string, string>,
  context: { db: SearchDatabase },
): Promise<HttpResponse> {
  assertKnownParameters(params, KNOWN);
  const ids = (params.get("batch_ids") ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  if (ids.length === 0) {
    throw invalidParameter("batch_ids", "required field is missing", "'batch_ids' lists the batch ids to look up");
  }
  if (ids.length > MAX_BATCH_IDS) {
    throw invalidParameter("batch_ids", "invalid parameter", `'batch_ids' takes at most ${MAX_BATCH_IDS} ids`);
  }
  const rows = await context.db.execute<BatchStatusRow>(sql`
    SELECT batch_id, status, received_at, loaded_at, events_loaded, events_duplicate, records_rejected, attempts,
           last_error
    FROM batches WHERE batch_id IN (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}) ORDER BY batch_id`);
  return jsonResponse(200, {
    results: rows.rows.map((row) => ({
      batch_id: row.batch_id,
      status: row.status,
      received_at: new Date(row.received_at).toISOString(),
      loaded_at: row.loaded_at ? new Date(row.loaded_at).toISOString() : null,
      events_loaded: Number(row.events_loaded),
      events_duplicate: Number(row.events_duplicate),
      records_rejected: Number(row.records_rejected),
      attempts: Number(row.attempts),
      last_error: row.last_error,
    })),
  });
}

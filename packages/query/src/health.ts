import { type HttpRequest, type HttpResponse, jsonResponse } from "@msgevents/http";
import {
  BACKFILL_PROGRESS_SQL,
  type BackfillProgress,
  type BackfillProgressRow,
  toBackfillProgress,
} from "@msgevents/schema";
import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { isAuthorized, unauthorizedResponse } from "./auth.ts";

export const HEALTH_PATH = "/health";

/**
 * Figures only a long-running process knows (the local stack): its queue and the batches it refused as too large.
 * In the cloud they are absent and CloudWatch metrics carry them.
 */
export interface ProcessFigures {
  queue?: () => unknown;
  oversizedBatches?: () => number;
}

export interface HealthDeps {
  db: NodePgDatabase;
  apiKey: string;
  processFigures?: ProcessFigures;
}

interface DatabaseFigures {
  version: string;
  rejectedRecords: number;
  rejectedBatches: number;
  backfills: BackfillProgress[];
}

/**
 * `GET /health`: anyone may ask whether the service is up (`{"status":"ok"}` 200 when the database answers,
 * `{"status":"unavailable"}` 503 when not). A caller presenting the API key also gets the figures, among them each
 * backfill's progress (days done of total, events per second, when it started and finished, the last error); a caller
 * presenting a wrong key gets the API's 401, so a monitor with a mistyped key notices.
 */
export async function health(request: HttpRequest, deps: HealthDeps): Promise<HttpResponse> {
  const authorization = request.headers.authorization;
  const withFigures = authorization !== undefined;
  if (withFigures && !isAuthorized(authorization, deps.apiKey)) return unauthorizedResponse();
  const headers = { "cache-control": "no-store" };
  if (!withFigures) {
    const up = await databaseAnswers(deps.db);
    return jsonResponse(up ? 200 : 503, { status: up ? "ok" : "unavailable" }, headers);
  }
  const figures = await readFigures(deps.db);
  const status = figures ? "ok" : "unavailable";
  const known = deps.processFigures;
  return jsonResponse(
    figures ? 200 : 503,
    {
      status,
      database: figures ? { status, version: figures.version } : { status },
      rejected_records: figures?.rejectedRecords ?? null,
      rejected_batches: figures?.rejectedBatches ?? null,
      oversized_batches: known?.oversizedBatches?.() ?? null,
      queue: known?.queue?.() ?? null,
      backfills: figures?.backfills.map(describeBackfill) ?? null,
    },
    headers,
  );
}

async function databaseAnswers(db: NodePgDatabase): Promise<boolean> {
  try {
    await db.execute(sql`SELECT 1`);
    return true;
  } catch {
    return false;
  }
}

/** The database's figures, read side by side; undefined when it does not answer. */
async function readFigures(db: NodePgDatabase): Promise<DatabaseFigures | undefined> {
  try {
    const [rejections, backfills] = await Promise.all([
      db.execute<{ version: string; records: string; batches: string }>(sql`
        SELECT current_setting('server_version') AS version,
               coalesce(sum(records_rejected), 0) AS records,
               count(*) AS batches
        FROM batches WHERE records_rejected > 0`),
      db.execute<BackfillProgressRow & Record<string, unknown>>(sql.raw(BACKFILL_PROGRESS_SQL)),
    ]);
    const row = rejections.rows[0];
    return {
      version: row?.version ?? "",
      rejectedRecords: Number(row?.records ?? 0),
      rejectedBatches: Number(row?.batches ?? 0),
      backfills: backfills.rows.map(toBackfillProgress),
    };
  } catch {
    return undefined;
  }
}

/** A backfill as /health shows it, in the API's snake_case. */
function describeBackfill(progress: BackfillProgress): Record<string, unknown> {
  return {
    name: progress.name,
    status: progress.status,
    days_done: progress.daysDone,
    days_total: progress.daysTotal,
    events_filled: progress.eventsFilled,
    events_per_second: progress.eventsPerSecond,
    registered_at: progress.registeredAt,
    started_at: progress.startedAt,
    finished_at: progress.finishedAt,
    last_error: progress.lastError,
  };
}

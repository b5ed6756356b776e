import { type HttpRequest, type HttpResponse, jsonResponse } from "@msgevents/http";
import { isAuthorized } from "@msgevents/query";
import type pg from "pg";
import type { QueueStats } from "./local-queue.ts";

export const HEALTH_PATH = "/health";

/**
 * `GET /health`: 200 when the database answers, else 503. Anyone may ask whether the stack is up; the queue's
 * figures are shown only to callers presenting the API key.
 */
export function healthRoute(deps: { pool: pg.Pool; apiKey: string; queueStats: () => QueueStats | undefined }) {
  return async (request: HttpRequest): Promise<HttpResponse | undefined> => {
    if (request.path !== HEALTH_PATH) return undefined;
    let database = "ok";
    try {
      await deps.pool.query("SELECT 1");
    } catch {
      database = "unavailable";
    }
    const status = database === "ok" ? "ok" : "degraded";
    const body: Record<string, unknown> = { status, database };
    if (isAuthorized(request.headers.authorization, deps.apiKey)) body.queue = deps.queueStats();
    return jsonResponse(status === "ok" ? 200 : 503, body, { "cache-control": "no-store" });
  };
}

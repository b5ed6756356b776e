import { isAlertsPath } from "@msgevents/alerts";
import { handleDataPrivacy, isDataPrivacyPath, type RecipientHasher } from "@msgevents/erasure";
import {
  errorResponse,
  HttpError,
  type HttpRequest,
  type HttpResponse,
  methodNotAllowed,
  notFound,
} from "@msgevents/http";
import { serveAlertsApi } from "./alerts-api.ts";
import { isAuthorized, unauthorizedResponse } from "./auth.ts";
import { BATCHES_PATH, batchStatuses } from "./batches.ts";
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "./database-unavailable.ts";
import { EVENTS_SEARCH_PATH, eventsSearch } from "./events-search.ts";
import { HEALTH_PATH, health, type ProcessFigures } from "./health.ts";
import { LEGACY_SEARCH_PATH, legacySearch } from "./legacy-search.ts";
import { metricsRouteFor } from "./metrics/routes.ts";
import { listRejections, REJECTIONS_PATH } from "./rejections.ts";
import { assertUriLength, parseQueryString } from "./request/query-string.ts";
import type { SearchDatabase } from "./search/snapshot.ts";

/** The few log calls the handler makes; Powertools' Logger satisfies it. */
export interface QueryLogger {
  info(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface QueryDeps {
  /** drizzle over the pool: searches check out connections themselves to share one snapshot. */
  db: SearchDatabase;
  apiKey: string;
  cursorKey: Buffer;
  now?: () => Date;
  logger?: QueryLogger;
  /** What `/health` adds for the local stack (queue, oversized batches); absent in the Lambda. */
  processFigures?: ProcessFigures;
  /** The deployment's recipient hasher, for the Data Privacy API; without it those routes answer 503. */
  recipients?: RecipientHasher;
  /** Called once an erasure request is saved (the local stack runs its eraser at once). */
  onErasureRequested?: (requestId: number) => void;
}

const ROUTES: Record<string, typeof eventsSearch | typeof legacySearch> = {
  [EVENTS_SEARCH_PATH]: eventsSearch,
  [LEGACY_SEARCH_PATH]: legacySearch,
  [REJECTIONS_PATH]: listRejections,
  [BATCHES_PATH]: batchStatuses,
};

/** PostgreSQL's query_canceled: the statement timeout fired. */
const QUERY_CANCELED = "57014";

function databaseErrorCode(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Serves the Events API (`GET /api/v1/events/message`), the legacy Message Events API
 * (`GET /api/v1/message-events`), the loader's rejections (`GET /api/v1/rejections`) and batch outcomes
 * (`GET /api/v1/batches`), the Metrics API (`GET /api/v1/metrics/deliverability…`, see metrics/routes.ts), the Alerts
 * API (`/api/v1/alerts…`, see alerts-api.ts) and `GET /health`: route, authenticate, validate, search. Bad input is
 * always a 4xx.
 */
export async function handleQuery(request: HttpRequest, deps: QueryDeps): Promise<HttpResponse> {
  const path = request.path.length > 1 ? request.path.replace(/\/+$/, "") : request.path;
  if (path === HEALTH_PATH) return request.method === "GET" ? health(request, deps) : methodNotAllowed(["GET"]);
  if (isAlertsPath(path)) return serveAlertsApi(request, path, deps);
  if (isDataPrivacyPath(path)) return dataPrivacy(request, path, deps);
  const route = ROUTES[path] ?? metricsRouteFor(path);
  if (!route) return notFound();
  if (request.method !== "GET") return methodNotAllowed(["GET"]);
  if (!isAuthorized(request.headers.authorization, deps.apiKey)) return unauthorizedResponse();
  const started = Date.now();
  try {
    assertUriLength(request.path, request.rawQuery);
    const params = parseQueryString(request.rawQuery);
    const context = { db: deps.db, cursorKey: deps.cursorKey, now: deps.now?.() ?? new Date() };
    const response = await route(params, context);
    // Parameter names only: values can hold recipient addresses.
    deps.logger?.info("search served", { path, params: [...params.keys()], ms: Date.now() - started });
    return response;
  } catch (error) {
    if (error instanceof HttpError) return error.toResponse();
    if (databaseErrorCode(error) === QUERY_CANCELED) {
      deps.logger?.error("search timed out", { path, ms: Date.now() - started });
      return errorResponse(503, {
        message: "search timed out",
        description: "narrow the time range or add filters, then retry",
      });
    }
    if (isDatabaseUnavailable(error)) {
      deps.logger?.error("database unavailable", {
        path,
        error: error instanceof Error ? error.message : String(error),
      });
      return errorResponse(
        503,
        { message: "database unavailable", description: "the database does not answer at the moment; retry shortly" },
        { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) },
      );
    }
    deps.logger?.error("search failed", { path, error: error instanceof Error ? error.message : String(error) });
    return errorResponse(500, { message: "internal error", description: "the search failed; retry later" });
  }
}

/** `…/data-privacy/…` (packages/erasure): authenticated like every route; never logs a parameter's value. */
async function dataPrivacy(request: HttpRequest, path: string, deps: QueryDeps): Promise<HttpResponse> {
  if (!isAuthorized(request.headers.authorization, deps.apiKey)) return unauthorizedResponse();
  if (!deps.recipients) {
    return errorResponse(503, {
      message: "erasure is not configured",
      description: "this deployment has no recipient-hash secret (MSGEVENTS_RECIPIENT_HASH_SECRET)",
    });
  }
  const started = Date.now();
  try {
    const response = await handleDataPrivacy(request, path, {
      pool: deps.db.$client,
      hasher: deps.recipients,
      apiKey: deps.apiKey,
      onRequestSaved: deps.onErasureRequested,
    });
    deps.logger?.info("data privacy request served", { path, status: response.status, ms: Date.now() - started });
    return response;
  } catch (error) {
    deps.logger?.error("data privacy request failed", {
      path,
      error: error instanceof Error ? error.message : String(error),
    });
    return errorResponse(500, { message: "internal error", description: "the request was not saved; retry later" });
  }
}

/** The query API as one request handler, for the local stack's HTTP server. */
export function createQueryRouter(deps: QueryDeps): (request: HttpRequest) => Promise<HttpResponse> {
  return (request) => handleQuery(request, deps);
}

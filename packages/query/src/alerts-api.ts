import { handleAlertsRequest } from "@msgevents/alerts";
import { errorResponse, type HttpRequest, type HttpResponse } from "@msgevents/http";
import { isAuthorized, unauthorizedResponse } from "./auth.ts";
import type { QueryDeps } from "./handler.ts";

/** The Alerts API (`/api/v1/alerts…`, packages/alerts) behind the same API key as every other route. */
export async function serveAlertsApi(request: HttpRequest, path: string, deps: QueryDeps): Promise<HttpResponse> {
  if (!isAuthorized(request.headers.authorization, deps.apiKey)) return unauthorizedResponse();
  try {
    const response = await handleAlertsRequest(request, path, { db: deps.db, now: deps.now?.() ?? new Date() });
    deps.logger?.info("alerts request served", { method: request.method, path, status: response.status });
    return response;
  } catch (error) {
    deps.logger?.error("alerts request failed", { method: request.method, path, error: (error as Error).message });
    return errorResponse(500, { message: "internal error", description: "the alerts request failed; retry later" });
  }
}

import {
  errorResponse,
  HttpError,
  type HttpRequest,
  type HttpResponse,
  methodNotAllowed,
  notFound,
} from "@msgevents/http";
import { ObjectStoreError } from "@msgevents/storage";
import type { AuthConfig } from "./auth/auth-config.ts";
import { authenticateWebhook } from "./auth/authenticate-webhook.ts";
import type { IngestDeps, IngestLogger } from "./deps.ts";
import { issueToken } from "./oauth-token.ts";
import { refuseOversizedBatch } from "./oversized-batch.ts";
import { receiveWebhookBatch } from "./webhook-batch.ts";

export const WEBHOOK_PATH = "/webhooks/sparkpost";
export const TOKEN_PATH = "/oauth/token";

type Endpoint = (request: HttpRequest, deps: IngestDeps) => Promise<HttpResponse>;

/** Every ingest request: the webhook, the OAuth2 token endpoint (when OAuth2 is configured), else 404. */
export async function handleIngest(request: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  return (await routeIngest(request, deps)) ?? notFound();
}

/**
 * The ingest routes for a server that also serves other routes (the local stack): resolves to undefined for paths
 * that are not ingest's. Call once at start: it logs which webhook authentication is in force.
 */
export function ingestRoutes(deps: IngestDeps): (request: HttpRequest) => Promise<HttpResponse | undefined> {
  announceAuthentication(deps.auth, deps.logger);
  return (request) => routeIngest(request, deps);
}

/**
 * For a server that stops reading a body once it passes the limit (the local stack): the answer from the request's
 * head alone. A webhook post gets the same 401 as any other when unauthenticated (so strangers can neither fill the
 * log nor move the count), else the logged and reported 413; other routes get undefined.
 */
export function oversizedRequestHandler(deps: IngestDeps) {
  return async (request: HttpRequest, declaredBytes: number | undefined): Promise<HttpResponse | undefined> => {
    if (request.path !== WEBHOOK_PATH || request.method !== "POST") return undefined;
    const denied = await authenticateWebhook(request, deps.auth, deps.clock());
    return denied ?? refuseOversizedBatch(request, declaredBytes, deps);
  };
}

/** Logs the authentication mode at start; a warning when batches are accepted without credentials. */
export function announceAuthentication(auth: AuthConfig, logger: IngestLogger): void {
  if (auth.mode === "none") {
    logger.warn("webhook authentication is disabled: anyone who can reach the endpoint can post batches", {
      MSGEVENTS_WEBHOOK_AUTH: "none",
    });
    return;
  }
  logger.info("webhook authentication required", {
    basic: auth.basic !== undefined,
    oauth2: auth.oauth2 !== undefined,
  });
}

async function routeIngest(request: HttpRequest, deps: IngestDeps): Promise<HttpResponse | undefined> {
  const endpoint = endpointFor(request.path, deps.auth);
  if (endpoint === undefined) return undefined;
  if (request.method !== "POST") return methodNotAllowed(["POST"]);
  try {
    return await endpoint(request, deps);
  } catch (error) {
    return failureResponse(error, deps.logger);
  }
}

function endpointFor(path: string, auth: AuthConfig): Endpoint | undefined {
  if (path === WEBHOOK_PATH) return receiveWebhookBatch;
  if (path === TOKEN_PATH && auth.mode === "required" && auth.oauth2) {
    const client = auth.oauth2;
    return (request, deps) => issueToken(request, client, deps.clock());
  }
  return undefined;
}

/** Client errors keep their 4xx; anything else is 5xx so SparkPost retries the whole batch later. */
function failureResponse(error: unknown, logger: IngestLogger): HttpResponse {
  if (error instanceof HttpError) return error.toResponse();
  const detail = { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  if (error instanceof ObjectStoreError) {
    logger.error("batch storage failed", detail);
    return errorResponse(503, { message: "batch not stored", description: "storage is unavailable; retry later" });
  }
  logger.error("ingest request failed", detail);
  return errorResponse(500, { message: "internal error", description: "the request failed; retry later" });
}

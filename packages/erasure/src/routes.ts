import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse, methodNotAllowed } from "@msgevents/http";
import type pg from "pg";
import { credentialId, type RecipientHasher } from "./recipient-hash.ts";
import { getRequest, listRequests, saveRequest } from "./requests.ts";
import { isValidAddress, parseRtbfRequest, RtbfRequestError } from "./rtbf-request.ts";

export const RTBF_REQUEST_PATH = "/api/v1/data-privacy/rtbf-request";
export const RTBF_REQUESTS_PATH = "/api/v1/data-privacy/rtbf-requests";

export interface DataPrivacyDeps {
  /** A pool whose role may add requests (INSERT on the erasure tables); the query role may. */
  pool: pg.Pool;
  hasher: RecipientHasher;
  /** The API key the caller was authenticated with: the audit records its identifier, never the key. */
  apiKey: string;
  /** Called after a request is saved (the local stack starts its eraser at once). */
  onRequestSaved?: (requestId: number) => void;
}

/** Whether this path is one of the data-privacy routes (so the router sends it here, authenticated). */
export function isDataPrivacyPath(path: string): boolean {
  return path === RTBF_REQUEST_PATH || path === RTBF_REQUESTS_PATH || path.startsWith(`${RTBF_REQUESTS_PATH}/`);
}

const PER_PAGE_DEFAULT = 100;
const PER_PAGE_MAX = 1000;

/**
 * SparkPost's Data Privacy API on msgevents' own data: `POST /api/v1/data-privacy/rtbf-request` (SparkPost's body,
 * limits and 400s; 200 `{"results":{"message":"Request saved.","id":…}}` once the request and its suppression are
 * committed), and the audit: `GET /api/v1/data-privacy/rtbf-requests` (newest first; `per_page`, `before_id`, and
 * `recipient` to find the requests that erased one address) and `GET …/rtbf-requests/<id>` (with the keyed hash of
 * each recipient). The caller authenticates first. No address is ever logged or stored.
 */
export async function handleDataPrivacy(
  request: HttpRequest,
  path: string,
  deps: DataPrivacyDeps,
): Promise<HttpResponse> {
  if (path === RTBF_REQUEST_PATH) {
    if (request.method !== "POST") return methodNotAllowed(["POST"]);
    let parsed: ReturnType<typeof parseRtbfRequest>;
    try {
      parsed = parseRtbfRequest(request.body, request.headers["x-msys-subaccount"]);
    } catch (error) {
      if (error instanceof RtbfRequestError) return jsonResponse(400, { errors: error.errors });
      throw error;
    }
    const id = await saveRequest(deps.pool, deps.hasher, parsed, credentialId(deps.apiKey));
    deps.onRequestSaved?.(id);
    return jsonResponse(200, { results: { message: "Request saved.", id: String(id) } });
  }
  if (request.method !== "GET") return methodNotAllowed(["GET"]);
  if (path === RTBF_REQUESTS_PATH) {
    const params = new URLSearchParams(request.rawQuery);
    for (const name of params.keys()) {
      if (!["per_page", "before_id", "recipient"].includes(name)) {
        return errorResponse(400, { message: `unknown parameter ${name}`, param: name });
      }
    }
    const perPage = wholeNumber(params.get("per_page"), PER_PAGE_DEFAULT);
    if (perPage === undefined || perPage < 1 || perPage > PER_PAGE_MAX) {
      return errorResponse(400, { message: `per_page must be 1 to ${PER_PAGE_MAX}`, param: "per_page" });
    }
    const beforeId = wholeNumber(params.get("before_id"), 0);
    if (beforeId === undefined)
      return errorResponse(400, { message: "before_id must be a request id", param: "before_id" });
    const recipient = params.get("recipient");
    if (recipient !== null && !isValidAddress(recipient.trim())) {
      return errorResponse(400, { message: "invalid email address", param: "recipient" });
    }
    const results = await listRequests(deps.pool, {
      limit: perPage,
      beforeId: beforeId === 0 ? undefined : beforeId,
      recipientHash: recipient === null ? undefined : deps.hasher.hash(recipient),
    });
    return jsonResponse(200, { results });
  }
  const id = wholeNumber(path.slice(RTBF_REQUESTS_PATH.length + 1), 0);
  const found = id === undefined || id === 0 ? undefined : await getRequest(deps.pool, id);
  if (!found) return errorResponse(404, { message: "resource not found", description: "no such request" });
  return jsonResponse(200, { results: found });
}

/** A whole number ≥ 0 from a parameter, the fallback when absent, undefined when malformed. */
function wholeNumber(value: string | null, fallback: number): number | undefined {
  if (value === null || value === "") return fallback;
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

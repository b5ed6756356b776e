import { type HttpRequest, type HttpResponse, jsonResponse } from "@msgevents/http";
import { issueAccessToken } from "./auth/access-token.ts";
import type { OAuthClient } from "./auth/auth-config.ts";
import { REALM } from "./auth/authenticate-webhook.ts";
import { decodeBasicCredentials, parseAuthorization } from "./auth/authorization-header.ts";
import { secretsEqual } from "./auth/constant-time.ts";
import { mediaType } from "./media-type.ts";

/** Token requests are a few hundred bytes; anything much larger is not one. */
export const TOKEN_REQUEST_MAX_BYTES = 16 * 1024;

const PARAMETERS = ["grant_type", "client_id", "client_secret", "scope"] as const;
type Parameter = (typeof PARAMETERS)[number];
type TokenParameters = Partial<Record<Parameter, string>>;

/** RFC 6749 §5.2 error codes we use. */
type OAuthErrorCode = "invalid_request" | "invalid_client" | "unsupported_grant_type";

interface PresentedClient {
  /** Every reading of the presented id/secret worth trying (raw, and form-decoded for HTTP Basic per §2.3.1). */
  candidates: Array<{ clientId: string; clientSecret: string }>;
}

/**
 * POST /oauth/token: the OAuth2 client credentials grant (RFC 6749 §4.4) SparkPost uses to get a webhook token.
 * SparkPost posts its configured body (JSON in its docs' example; content type undocumented), other clients use
 * form encoding, optionally with HTTP Basic client authentication; all are accepted.
 */
export async function issueToken(request: HttpRequest, client: OAuthClient, now: Date): Promise<HttpResponse> {
  if (request.body.byteLength > TOKEN_REQUEST_MAX_BYTES) {
    return oauthError(400, "invalid_request", `the request body must be at most ${TOKEN_REQUEST_MAX_BYTES} bytes`);
  }
  const parsed = parseParameters(request);
  if ("error" in parsed) return oauthError(400, "invalid_request", parsed.error);
  const parameters = parsed.parameters;

  const presented = presentedClient(request, parameters);
  if ("error" in presented) return presented.error;
  if (!clientMatches(presented, client)) return oauthError(401, "invalid_client", "client authentication failed");

  if (parameters.grant_type === undefined) return oauthError(400, "invalid_request", "grant_type is required");
  if (parameters.grant_type !== "client_credentials") {
    return oauthError(400, "unsupported_grant_type", "only grant_type=client_credentials is supported");
  }
  const token = await issueAccessToken(client, now);
  return jsonResponse(
    200,
    { access_token: token.accessToken, token_type: "Bearer", expires_in: token.expiresIn },
    { "cache-control": "no-store", pragma: "no-cache" },
  );
}

function presentedClient(request: HttpRequest, parameters: TokenParameters): PresentedClient | { error: HttpResponse } {
  const header = request.headers.authorization;
  if (header === undefined) {
    if (parameters.client_id === undefined || parameters.client_secret === undefined) {
      return { error: oauthError(401, "invalid_client", "send client_id and client_secret, or use HTTP Basic") };
    }
    return { candidates: [{ clientId: parameters.client_id, clientSecret: parameters.client_secret }] };
  }
  const authorization = parseAuthorization(header);
  if (authorization?.scheme !== "basic") {
    return { error: oauthError(401, "invalid_client", "client authentication must use the Basic scheme") };
  }
  if (parameters.client_secret !== undefined) {
    return {
      error: oauthError(
        400,
        "invalid_request",
        "send the client credentials in the Authorization header or the body, not both",
      ),
    };
  }
  const basic = decodeBasicCredentials(authorization.credentials);
  if (basic === null) {
    return { error: oauthError(401, "invalid_client", "the Basic credentials are not valid base64 of id:secret") };
  }
  const raw = { clientId: basic.username, clientSecret: basic.password };
  const decoded = { clientId: formDecode(basic.username), clientSecret: formDecode(basic.password) };
  return { candidates: [raw, decoded] };
}

function clientMatches(presented: PresentedClient, client: OAuthClient): boolean {
  let matched = false;
  for (const candidate of presented.candidates) {
    const idMatches = secretsEqual(candidate.clientId, client.clientId);
    const secretMatches = secretsEqual(candidate.clientSecret, client.clientSecret);
    matched ||= idMatches && secretMatches;
  }
  return matched;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseParameters(request: HttpRequest): { parameters: TokenParameters } | { error: string } {
  let text: string;
  try {
    text = utf8.decode(request.body);
  } catch {
    return { error: "the request body is not valid UTF-8" };
  }
  const type = mediaType(request.headers["content-type"]);
  const looksLikeJson = text.trimStart().startsWith("{");
  if (type === "application/json" || (type === undefined && looksLikeJson)) return parseJsonParameters(text);
  if (type === "application/x-www-form-urlencoded" || type === undefined) return parseFormParameters(text);
  return { error: "send the token request as application/x-www-form-urlencoded or application/json" };
}

function parseJsonParameters(text: string): { parameters: TokenParameters } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: "the request body is not valid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: "the request body must be a JSON object" };
  }
  const parameters: TokenParameters = {};
  for (const name of PARAMETERS) {
    const field = (value as Record<string, unknown>)[name];
    if (field === undefined) continue;
    if (typeof field !== "string") return { error: `${name} must be a string` };
    parameters[name] = field;
  }
  return { parameters };
}

function parseFormParameters(text: string): { parameters: TokenParameters } | { error: string } {
  const form = new URLSearchParams(text);
  const parameters: TokenParameters = {};
  for (const name of PARAMETERS) {
    const values = form.getAll(name);
    // RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once."
    if (values.length > 1) return { error: `${name} must not be repeated` };
    if (values[0] !== undefined) parameters[name] = values[0];
  }
  return { parameters };
}

/** RFC 6749 §2.3.1: Basic client id and secret are form-encoded before base64; strict clients send them so. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    return value;
  }
}

/** RFC 6749 §5.2 error body; 401 invalid_client carries a Basic challenge as §5.2 and RFC 9110 require. */
function oauthError(status: 400 | 401, error: OAuthErrorCode, description: string): HttpResponse {
  const headers: Record<string, string> = { "cache-control": "no-store", pragma: "no-cache" };
  if (status === 401) headers["www-authenticate"] = `Basic realm="${REALM}"`;
  return jsonResponse(status, { error, error_description: description }, headers);
}

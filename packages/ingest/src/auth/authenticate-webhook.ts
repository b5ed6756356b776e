import { errorResponse, type HttpRequest, type HttpResponse } from "@msgevents/http";
import { verifyAccessToken } from "./access-token.ts";
import type { AuthConfig, BasicCredentials } from "./auth-config.ts";
import { decodeBasicCredentials, parseAuthorization } from "./authorization-header.ts";
import { secretsEqual } from "./constant-time.ts";

export const REALM = "msgevents";

/**
 * Checks a webhook post against the configured authentication. Returns undefined when the request may proceed, or
 * the 401 to send (SparkPost treats 400/401 as "token expired" and fetches a new OAuth2 token before retrying).
 * Fails closed: anything not positively verified is refused.
 */
export async function authenticateWebhook(
  request: HttpRequest,
  auth: AuthConfig,
  now: Date,
): Promise<HttpResponse | undefined> {
  if (auth.mode === "none") return undefined;
  const authorization = parseAuthorization(request.headers.authorization);
  if (request.headers.authorization === undefined) {
    return unauthorized(auth, "send the webhook credentials in the Authorization header");
  }
  if (authorization === null) return unauthorized(auth, "the Authorization header is malformed");
  if (authorization.scheme === "basic" && auth.basic) {
    const presented = decodeBasicCredentials(authorization.credentials);
    if (presented === null) return unauthorized(auth, "the Basic credentials are not valid base64 of user:password");
    return basicMatches(presented, auth.basic) ? undefined : unauthorized(auth, "the credentials were not accepted");
  }
  if (authorization.scheme === "bearer" && auth.oauth2) {
    if (await verifyAccessToken(authorization.credentials, auth.oauth2, now)) return undefined;
    return unauthorized(auth, "the access token is invalid or expired; request a new one", "invalid_token");
  }
  return unauthorized(auth, `use ${acceptedSchemes(auth).join(" or ")} authentication`);
}

function basicMatches(presented: BasicCredentials, expected: BasicCredentials): boolean {
  // Evaluate both comparisons so timing does not reveal which half was wrong.
  const usernameMatches = secretsEqual(presented.username, expected.username);
  const passwordMatches = secretsEqual(presented.password, expected.password);
  return usernameMatches && passwordMatches;
}

function acceptedSchemes(auth: Extract<AuthConfig, { mode: "required" }>): string[] {
  return [...(auth.basic ? ["Basic"] : []), ...(auth.oauth2 ? ["Bearer"] : [])];
}

function unauthorized(
  auth: Extract<AuthConfig, { mode: "required" }>,
  description: string,
  bearerError?: "invalid_token",
): HttpResponse {
  const challenges = acceptedSchemes(auth).map((scheme) =>
    scheme === "Bearer" && bearerError
      ? `Bearer realm="${REALM}", error="${bearerError}"`
      : `${scheme} realm="${REALM}"`,
  );
  return errorResponse(
    401,
    { message: "authentication failed", description },
    { "www-authenticate": challenges.join(", ") },
  );
}

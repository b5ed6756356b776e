import type { Connection } from "./connection.ts";
import { configError } from "./errors.ts";
import { failure, fetchWithRetry, type HttpDeps, joinUrl, readJson } from "./http.ts";

export const WEBHOOK_AUTH_MODES = ["basic", "oauth2", "none"] as const;
export type WebhookAuthMode = (typeof WEBHOOK_AUTH_MODES)[number];

/** Gives the Authorization header for a webhook POST; `refresh` drops a cached OAuth2 token after a 401. */
export interface WebhookAuthorizer {
  mode: WebhookAuthMode;
  header(): Promise<string | undefined>;
  refresh(): void;
}

/** Basic when a user name and password are known, else OAuth2 when a client is, as the deployment accepts both. */
export function pickWebhookAuth(connection: Connection, requested: WebhookAuthMode | undefined): WebhookAuthMode {
  if (requested) return requested;
  if (connection.webhook.username && connection.webhook.password) return "basic";
  if (connection.webhook.oauthClientId && connection.webhook.oauthClientSecret) return "oauth2";
  throw configError(
    `no webhook credentials for ${connection.url}: set MSGEVENTS_WEBHOOK_USERNAME and MSGEVENTS_WEBHOOK_PASSWORD ` +
      "(or MSGEVENTS_OAUTH_CLIENT_ID and MSGEVENTS_OAUTH_CLIENT_SECRET), or pass --auth none",
  );
}

export const webhookTarget = (connection: Connection) => joinUrl(connection.url, "/webhooks/sparkpost");
export const tokenEndpoint = (connection: Connection) => joinUrl(connection.url, "/oauth/token");

export function webhookAuthorizer(
  connection: Connection,
  mode: WebhookAuthMode,
  deps: HttpDeps & { now: () => Date },
): WebhookAuthorizer {
  const { username, password, oauthClientId, oauthClientSecret } = connection.webhook;
  if (mode === "none") return { mode, header: async () => undefined, refresh: () => {} };
  if (mode === "basic") {
    if (!username || !password) {
      throw configError("--auth basic needs MSGEVENTS_WEBHOOK_USERNAME and MSGEVENTS_WEBHOOK_PASSWORD");
    }
    const value = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    return { mode, header: async () => value, refresh: () => {} };
  }
  if (!oauthClientId || !oauthClientSecret) {
    throw configError("--auth oauth2 needs MSGEVENTS_OAUTH_CLIENT_ID and MSGEVENTS_OAUTH_CLIENT_SECRET");
  }
  let token: { value: string; expiresAt: number } | undefined;
  return {
    mode,
    refresh: () => {
      token = undefined;
    },
    async header() {
      // A minute of margin, so a token never expires between fetching it and the POST arriving.
      if (!token || token.expiresAt - 60_000 <= deps.now().getTime()) {
        token = await fetchToken(tokenEndpoint(connection), oauthClientId, oauthClientSecret, deps);
      }
      return `Bearer ${token.value}`;
    },
  };
}

async function fetchToken(
  url: string,
  clientId: string,
  clientSecret: string,
  deps: HttpDeps & { now: () => Date },
): Promise<{ value: string; expiresAt: number }> {
  const response = await fetchWithRetry(deps, url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
  });
  if (!response.ok) {
    throw await failure(response, `getting an OAuth2 token from ${url}`, {
      401: "check MSGEVENTS_OAUTH_CLIENT_ID and MSGEVENTS_OAUTH_CLIENT_SECRET",
    });
  }
  const body = (await readJson(response)) as { access_token?: unknown; expires_in?: unknown } | undefined;
  if (typeof body?.access_token !== "string") {
    throw configError(`${url} answered without an access_token: is it the deployment's /oauth/token?`);
  }
  const lifetime = typeof body.expires_in === "number" ? body.expires_in : 3600;
  return { value: body.access_token, expiresAt: deps.now().getTime() + lifetime * 1000 };
}

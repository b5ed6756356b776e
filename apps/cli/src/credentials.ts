import type { Connection } from "./connection.ts";
import { configError } from "./errors.ts";
import { tokenEndpoint, webhookTarget } from "./webhook-auth.ts";

/** The values `msgevents credentials <name>` prints alone (for `$(…)` in scripts), by name. */
export const CREDENTIAL_NAMES = [
  "api-key",
  "webhook-username",
  "webhook-password",
  "oauth-client-id",
  "oauth-client-secret",
] as const;
export type CredentialName = (typeof CREDENTIAL_NAMES)[number];

function credentialValue(connection: Connection, name: CredentialName): string | undefined {
  const { webhook } = connection;
  return {
    "api-key": connection.apiKey,
    "webhook-username": webhook.username,
    "webhook-password": webhook.password,
    "oauth-client-id": webhook.oauthClientId,
    "oauth-client-secret": webhook.oauthClientSecret,
  }[name];
}

/**
 * `msgevents credentials`: the local stack's secrets, printed only when asked (the banner and logs never hold them).
 * With a name, that value alone and a newline, for scripts: `curl -H "Authorization: $(msgevents credentials api-key)"`.
 */
export function showCredentials(
  connection: Connection,
  name: CredentialName | undefined,
  format: "text" | "json",
): string {
  if (name) {
    const value = credentialValue(connection, name);
    if (!value) throw configError(`the local stack has no ${name}: its MSGEVENTS_WEBHOOK_AUTH leaves it out`);
    return value;
  }
  const values = {
    url: connection.url,
    api_key: connection.apiKey ?? null,
    webhook_url: webhookTarget(connection),
    webhook_username: connection.webhook.username ?? null,
    webhook_password: connection.webhook.password ?? null,
    oauth_token_url: tokenEndpoint(connection),
    oauth_client_id: connection.webhook.oauthClientId ?? null,
    oauth_client_secret: connection.webhook.oauthClientSecret ?? null,
  };
  if (format === "json") return JSON.stringify(values, null, 2);
  const line = (label: string, value: string | null) =>
    `${label.padEnd(36)} ${value ?? "(not used: see MSGEVENTS_WEBHOOK_AUTH)"}`;
  return [
    line(`Stack${connection.running ? "" : " (not running)"}`, values.url),
    line("API key (MSGEVENTS_API_KEY)", values.api_key),
    "",
    line("Webhook target URL", values.webhook_url),
    line("Basic user (MSGEVENTS_WEBHOOK_USERNAME)", values.webhook_username),
    line("Basic password (MSGEVENTS_WEBHOOK_PASSWORD)", values.webhook_password),
    line("OAuth2 token URL", values.oauth_token_url),
    line("OAuth2 client id (MSGEVENTS_OAUTH_CLIENT_ID)", values.oauth_client_id),
    line("OAuth2 secret (MSGEVENTS_OAUTH_CLIENT_SECRET)", values.oauth_client_secret),
  ].join("\n");
}

import path from "node:path";
import type { LocalConnection } from "@msgevents/local/connection";
import type { CliDeps } from "./deps.ts";
import { configError } from "./errors.ts";

/** Where the deployment is and the credentials to use it, from flags, then environment, then the local data dir. */
export interface ConnectionFlags {
  url?: string;
  apiKey?: string;
  dataDir?: string;
  webhookUsername?: string;
  webhookPassword?: string;
  oauthClientId?: string;
  oauthClientSecret?: string;
}

export interface WebhookCredentials {
  username?: string;
  password?: string;
  oauthClientId?: string;
  oauthClientSecret?: string;
}

export interface Connection {
  /** Base URL of the deployment: the local stack or the API Gateway URL from the Pulumi stack's outputs. */
  url: string;
  apiKey?: string;
  webhook: WebhookCredentials;
  /** The local data directory (state files, dead letters, stored batches of a local stack). */
  dataDir: string;
  /** True when the URL and credentials came from a local stack's data directory. */
  local: boolean;
}

/** `MSGEVENTS_DATA_DIR` or `./.msgevents`, resolved like the local stack resolves it. */
export function dataDirOf(flags: ConnectionFlags, deps: Pick<CliDeps, "env" | "cwd">): string {
  return path.resolve(deps.cwd, flags.dataDir ?? nonEmpty(deps.env.MSGEVENTS_DATA_DIR) ?? ".msgevents");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

export async function resolveConnection(flags: ConnectionFlags, deps: CliDeps): Promise<Connection> {
  const env = deps.env;
  const dataDir = dataDirOf(flags, deps);
  const explicitUrl = flags.url ?? nonEmpty(env.MSGEVENTS_URL);
  // A given URL points elsewhere (e.g. AWS): the local stack's credentials would be the wrong ones.
  const local: LocalConnection | undefined = explicitUrl ? undefined : await deps.findLocal(dataDir);
  const url = explicitUrl ?? local?.baseUrl;
  if (!url) {
    throw configError(
      `no deployment found: pass --url (or set MSGEVENTS_URL), or start the local stack with npm start (looked in ${dataDir})`,
    );
  }
  try {
    new URL(url);
  } catch {
    throw configError(`--url ${JSON.stringify(url)} is not a URL: give e.g. https://events.example.com`);
  }
  return {
    url: url.replace(/\/+$/, ""),
    apiKey: flags.apiKey ?? nonEmpty(env.MSGEVENTS_API_KEY) ?? local?.apiKey,
    webhook: {
      username: flags.webhookUsername ?? nonEmpty(env.MSGEVENTS_WEBHOOK_USERNAME) ?? local?.webhookUsername,
      password: flags.webhookPassword ?? nonEmpty(env.MSGEVENTS_WEBHOOK_PASSWORD) ?? local?.webhookPassword,
      oauthClientId: flags.oauthClientId ?? nonEmpty(env.MSGEVENTS_OAUTH_CLIENT_ID) ?? local?.oauthClientId,
      oauthClientSecret:
        flags.oauthClientSecret ?? nonEmpty(env.MSGEVENTS_OAUTH_CLIENT_SECRET) ?? local?.oauthClientSecret,
    },
    dataDir,
    local: local !== undefined,
  };
}

export function requireApiKey(connection: Connection): string {
  if (!connection.apiKey) {
    throw configError(
      `no API key for ${connection.url}: pass --api-key or set MSGEVENTS_API_KEY (the key the deployment's query API expects)`,
    );
  }
  return connection.apiKey;
}

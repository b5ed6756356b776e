import path from "node:path";
import type { LocalConnection } from "@msgevents/local/connection";
import type { CliDeps } from "./deps.ts";
import { CliError, configError, EXIT, usageError } from "./errors.ts";
import { runningLocalStack } from "./local-stack.ts";

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
  /** For a local stack: whether it runs (always true unless resolved with `stack: "optional"`). */
  running?: boolean;
}

/** `MSGEVENTS_DATA_DIR` or `./.msgevents`, resolved like the local stack resolves it. */
export function dataDirOf(flags: ConnectionFlags, deps: Pick<CliDeps, "env" | "cwd">): string {
  return path.resolve(deps.cwd, flags.dataDir ?? nonEmpty(deps.env.MSGEVENTS_DATA_DIR) ?? ".msgevents");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** A deployment's base URL as given by --url (a usage error when wrong) or MSGEVENTS_URL (a configuration error). */
export function checkBaseUrl(value: string, from: "--url" | "MSGEVENTS_URL"): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    const message = `${from} ${JSON.stringify(value)} is not an http(s) URL: give e.g. https://events.example.com`;
    throw from === "--url" ? usageError(message) : configError(message);
  }
  return value.replace(/\/+$/, "");
}

export interface ResolveOptions {
  /**
   * `required` (the default): the local stack must be running, and is waited for while it starts. `optional`: a
   * stopped local stack still gives its credentials and configured URL (credentials, disconnect, webhook status).
   */
  stack?: "required" | "optional";
}

export async function resolveConnection(
  flags: ConnectionFlags,
  deps: CliDeps,
  options: ResolveOptions = {},
): Promise<Connection> {
  const env = deps.env;
  const dataDir = dataDirOf(flags, deps);
  const explicitUrl =
    flags.url !== undefined
      ? checkBaseUrl(flags.url, "--url")
      : nonEmpty(env.MSGEVENTS_URL) && checkBaseUrl(env.MSGEVENTS_URL as string, "MSGEVENTS_URL");
  // A given URL points elsewhere (e.g. AWS): the local stack's credentials would be the wrong ones.
  let local: LocalConnection | undefined;
  if (!explicitUrl) {
    local = options.stack === "optional" ? await deps.findLocal(dataDir) : await runningLocalStack(dataDir, deps);
    if (!local) {
      throw new CliError(
        `no local stack has run with data directory ${dataDir}: start it with npm start at the repository root, or pass --url (MSGEVENTS_URL) for another deployment`,
        EXIT.unavailable,
      );
    }
  }
  const url = explicitUrl || (local as LocalConnection).baseUrl.replace(/\/+$/, "");
  return {
    url,
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
    running: explicitUrl ? undefined : local?.stack?.state === "running",
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

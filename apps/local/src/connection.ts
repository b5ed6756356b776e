import path from "node:path";
import { CREDENTIALS_FILE, EMBEDDED_POSTGRES_PASSWORD, readStored } from "./credentials.ts";
import { loadLocalConfig } from "./env.ts";
import { readStackState, type StackState } from "./stack-state.ts";

/** How a program on this machine (the CLI) reaches a local stack; every secret stays out of its output. */
export interface LocalConnection {
  baseUrl: string;
  apiKey: string;
  webhookUsername?: string;
  webhookPassword?: string;
  oauthClientId?: string;
  oauthClientSecret?: string;
  /** The msgevents database: the embedded one while its stack runs, else DATABASE_URL when set. */
  databaseUrl?: string;
  /** The stack process of this data directory, starting or running; undefined when none runs. */
  stack?: StackState;
}

export class LocalStackNotFoundError extends Error {
  override readonly name = "LocalStackNotFoundError";
}

/**
 * The URL and credentials of the local stack whose data lives in `dataDir` (default: MSGEVENTS_DATA_DIR, else
 * ./.msgevents), read as the stack reads them: the environment first, then `credentials.json`. The URL is the
 * running stack's; with none running, the one MSGEVENTS_HOST and MSGEVENTS_PORT give, and `stack` says whether a
 * stack process runs (or is starting) at all.
 */
export async function localConnection(
  dataDir?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalConnection> {
  const config = loadLocalConfig(dataDir === undefined ? env : { ...env, MSGEVENTS_DATA_DIR: dataDir });
  const file = path.join(config.dataDir, CREDENTIALS_FILE);
  const stored = await readStored(file);
  const value = (name: string) => env[name]?.trim() || stored[name] || undefined;
  const apiKey = value("MSGEVENTS_API_KEY");
  if (!apiKey) {
    throw new LocalStackNotFoundError(
      `no local stack has run with data directory ${config.dataDir} (no API key in ${file}); start one with npm start`,
    );
  }
  const stack = await readStackState(config.dataDir);
  const running = stack?.state === "running" ? stack : undefined;
  const host = config.MSGEVENTS_HOST.includes(":") ? `[${config.MSGEVENTS_HOST}]` : config.MSGEVENTS_HOST;
  const embeddedPassword = stored[EMBEDDED_POSTGRES_PASSWORD];
  const databaseUrl =
    config.DATABASE_URL ??
    (running?.databasePort && embeddedPassword
      ? `postgres://postgres:${encodeURIComponent(embeddedPassword)}@127.0.0.1:${running.databasePort}/msgevents`
      : undefined);
  return {
    baseUrl: running?.url ?? `http://${host}:${config.MSGEVENTS_PORT}`,
    apiKey,
    webhookUsername: value("MSGEVENTS_WEBHOOK_USERNAME"),
    webhookPassword: value("MSGEVENTS_WEBHOOK_PASSWORD"),
    oauthClientId: value("MSGEVENTS_OAUTH_CLIENT_ID"),
    oauthClientSecret: value("MSGEVENTS_OAUTH_CLIENT_SECRET"),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(stack ? { stack } : {}),
  };
}

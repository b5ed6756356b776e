import { rm } from "node:fs/promises";
import path from "node:path";
import type { Connection } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, configError, EXIT, usageError } from "./errors.ts";
import { fetchWithRetry, joinUrl, readJson } from "./http.ts";
import { type SparkPostAccount, type WebhookDefinition, type WebhookRow, WebhooksApi } from "./sparkpost-webhooks.ts";
import { readState, writeState } from "./state-file.ts";
import { tokenEndpoint, webhookTarget } from "./webhook-auth.ts";

export interface ConnectOptions {
  account: SparkPostAccount;
  name: string;
  auth: "basic" | "oauth2";
  /** The URL SparkPost posts to; default the deployment's `/webhooks/sparkpost`. */
  target?: string;
}

/** The webhook this deployment registered, remembered so a new target URL updates it instead of adding another. */
interface RememberedWebhook {
  apiUrl: string;
  subaccount: number | null;
  id: string;
  target: string;
}

const WEBHOOK_NAME_MAX = 24;

const rememberedFile = (connection: Connection) => path.join(connection.dataDir, "sparkpost-webhook.json");

export interface ConnectResult {
  id: string;
  action: "created" | "updated" | "retargeted";
  target: string;
  events: number;
}

function definition(
  connection: Connection,
  options: ConnectOptions,
  target: string,
  events: string[],
): WebhookDefinition {
  const { username, password, oauthClientId, oauthClientSecret } = connection.webhook;
  const base = { name: options.name, target, events, active: true };
  if (options.auth === "basic") {
    if (!username || !password) {
      throw configError(
        "connect --auth basic needs MSGEVENTS_WEBHOOK_USERNAME and MSGEVENTS_WEBHOOK_PASSWORD (the deployment's)",
      );
    }
    return { ...base, auth_type: "basic", auth_credentials: { username, password } };
  }
  if (!oauthClientId || !oauthClientSecret) {
    throw configError(
      "connect --auth oauth2 needs MSGEVENTS_OAUTH_CLIENT_ID and MSGEVENTS_OAUTH_CLIENT_SECRET (the deployment's)",
    );
  }
  return {
    ...base,
    auth_type: "oauth2",
    auth_request_details: {
      url: tokenEndpoint(connection),
      body: { client_id: oauthClientId, client_secret: oauthClientSecret, grant_type: "client_credentials" },
    },
  };
}

/**
 * `msgevents connect`: makes exactly one webhook in the account point at this deployment, with all event types and
 * msgevents' credentials. Webhooks are matched by exact target URL (or by the id this deployment remembered, when
 * its URL changed); every other webhook in the account is left alone.
 */
export async function connect(connection: Connection, options: ConnectOptions, deps: CliDeps): Promise<ConnectResult> {
  if (options.name.length > WEBHOOK_NAME_MAX) {
    throw usageError(`--name is ${options.name.length} characters; SparkPost shows at most ${WEBHOOK_NAME_MAX}`);
  }
  const target = options.target ?? webhookTarget(connection);
  warnAboutTarget(target, deps);
  const api = new WebhooksApi(options.account, deps);
  const events = await api.eventTypes();
  const wanted = definition(connection, options, target, events);
  const rows = await api.list();
  const matching = rows.filter((row) => row.target === target);
  if (matching.length > 1) {
    throw new CliError(
      `${matching.length} webhooks already point at ${target} (${matching.map((row) => row.id).join(", ")}): run msgevents disconnect, then connect`,
      EXIT.refused,
    );
  }
  let result: ConnectResult;
  const existing = matching[0];
  if (existing) {
    await api.update(existing.id, wanted);
    result = { id: existing.id, action: "updated", target, events: events.length };
  } else {
    const remembered = await rememberedFor(connection, options.account);
    const previous = remembered && rows.find((row) => row.id === remembered.id);
    if (previous) {
      // A new target: SparkPost test-posts to it and refuses the change if the deployment does not answer 200.
      await api.update(previous.id, wanted);
      result = { id: previous.id, action: "retargeted", target, events: events.length };
    } else {
      result = { id: await api.create(wanted), action: "created", target, events: events.length };
    }
  }
  const remember: RememberedWebhook = {
    apiUrl: options.account.apiUrl,
    subaccount: options.account.subaccount ?? null,
    id: result.id,
    target,
  };
  await writeState(rememberedFile(connection), remember);
  return result;
}

async function rememberedFor(
  connection: Connection,
  account: SparkPostAccount,
): Promise<RememberedWebhook | undefined> {
  const remembered = await readState<RememberedWebhook>(rememberedFile(connection));
  if (!remembered || remembered.apiUrl !== account.apiUrl) return undefined;
  return (remembered.subaccount ?? undefined) === account.subaccount ? remembered : undefined;
}

function warnAboutTarget(target: string, deps: CliDeps): void {
  const url = new URL(target);
  if (url.port !== "") {
    deps.stderr.write(`note: SparkPost accepts targets on ports 80 and 443 only; ${target} uses port ${url.port}\n`);
  }
  if (url.protocol !== "https:")
    deps.stderr.write(`note: ${target} is not HTTPS; credentials would cross the network in clear\n`);
}

export function describeConnect(result: ConnectResult): string {
  const verb = { created: "created", updated: "updated in place", retargeted: "moved to the new target" }[
    result.action
  ];
  return `webhook ${result.id} ${verb}: ${result.target}, ${result.events} event types`;
}

/** `msgevents disconnect`: deletes the webhooks whose target is exactly this deployment's. */
export async function disconnect(
  connection: Connection,
  options: { account: SparkPostAccount; target?: string },
  deps: CliDeps,
): Promise<string[]> {
  const target = options.target ?? webhookTarget(connection);
  const api = new WebhooksApi(options.account, deps);
  const ours = (await api.list()).filter((row) => row.target === target);
  for (const row of ours) await api.remove(row.id);
  await rm(rememberedFile(connection), { force: true });
  return ours.map((row) => row.id);
}

/** What status shows of a webhook: SparkPost returns credentials (and custom headers) in clear, so only names. */
export interface PublicWebhook {
  id: string;
  name?: string;
  target?: string;
  active?: boolean;
  events?: string[];
  auth_type?: string;
  username?: string;
  token_url?: string;
  client_id?: string;
  last_successful?: string;
  last_failure?: string;
}

function publicView(row: WebhookRow): PublicWebhook {
  return {
    id: row.id,
    name: row.name,
    target: row.target,
    active: row.active,
    events: row.events,
    auth_type: row.auth_type,
    username: row.auth_credentials?.username,
    token_url: row.auth_request_details?.url,
    client_id: row.auth_request_details?.body?.client_id,
    last_successful: row.last_successful,
    last_failure: row.last_failure,
  };
}

export interface WebhookStatus {
  target: string;
  /** False when no SparkPost key was given: only the deployment's own figures are shown. */
  sparkPost: boolean;
  webhook: PublicWebhook | null;
  /** SparkPost's failed or retried batches of the last 24 hours. */
  failedBatches: { batch_id: string; ts: string; attempts: number; failure_code: string | null }[];
  /** The deployment's own `/health` answer (with figures when the API key is known). */
  deployment: Record<string, unknown> | { error: string };
}

/**
 * `msgevents webhook status`: SparkPost's view of the webhook beside the deployment's own figures; without a
 * SparkPost key, the deployment's figures alone.
 */
export async function webhookStatus(
  connection: Connection,
  options: { account: SparkPostAccount | undefined; target?: string },
  deps: CliDeps,
): Promise<WebhookStatus> {
  const target = options.target ?? webhookTarget(connection);
  const deployment = await deploymentHealth(connection, deps);
  if (!options.account) return { target, sparkPost: false, webhook: null, failedBatches: [], deployment };
  const api = new WebhooksApi(options.account, deps);
  const row = (await api.list()).find((candidate) => candidate.target === target);
  const failedBatches = row
    ? (await api.batchStatus(row.id))
        .filter((batch) => Number(batch.failure_code ?? 0) !== 0 || Number(batch.attempts) > 0)
        .map((batch) => ({
          batch_id: String(batch.batch_id),
          ts: batch.ts,
          attempts: Number(batch.attempts),
          failure_code: batch.failure_code === undefined ? null : String(batch.failure_code),
        }))
    : [];
  const webhook = row ? publicView(row) : null;
  return { target, sparkPost: true, webhook, failedBatches, deployment };
}

async function deploymentHealth(connection: Connection, deps: CliDeps): Promise<WebhookStatus["deployment"]> {
  if (connection.running === false) return { error: "the local stack is not running (start it with npm start)" };
  try {
    const headers: Record<string, string> = connection.apiKey ? { authorization: connection.apiKey } : {};
    const response = await fetchWithRetry(
      deps,
      joinUrl(connection.url, "/health"),
      { headers },
      {
        retries: 1,
        baseDelayMs: 500,
        maxDelayMs: 500,
      },
    );
    const body = await readJson(response);
    return typeof body === "object" && body !== null
      ? (body as Record<string, unknown>)
      : { error: `HTTP ${response.status}` };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function describeStatus(status: WebhookStatus): string {
  const lines: string[] = [];
  const hook = status.webhook;
  if (!status.sparkPost) {
    lines.push("SparkPost's side not shown: pass --sparkpost-api-key or set SPARKPOST_API_KEY to see the webhook");
  } else if (!hook) {
    lines.push(`no SparkPost webhook points at ${status.target}: run msgevents connect`);
  } else {
    lines.push(
      `webhook ${hook.id} "${hook.name ?? ""}" ${hook.active === false ? "INACTIVE" : "active"} → ${status.target}`,
      `  auth ${hook.auth_type ?? "none"}${hook.username ? ` (user ${hook.username})` : ""}${hook.client_id ? ` (client ${hook.client_id}, token URL ${hook.token_url})` : ""}, ${hook.events?.length ?? 0} event types`,
      `  last successful batch  ${hook.last_successful ?? "never"}`,
      `  last failed batch      ${hook.last_failure ?? "never"}`,
      `  failed batches (24 h)  ${status.failedBatches.length}`,
    );
    for (const batch of status.failedBatches) {
      lines.push(
        `    ${batch.ts}  ${batch.batch_id}  ${batch.attempts} attempt(s), last answer ${batch.failure_code ?? "?"}`,
      );
    }
  }
  lines.push(`deployment ${status.target.replace(/\/webhooks\/sparkpost$/, "")}`);
  for (const [key, value] of Object.entries(flatten(status.deployment))) lines.push(`  ${key.padEnd(22)} ${value}`);
  return lines.join("\n");
}

function flatten(value: Record<string, unknown>, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner))
      Object.assign(out, flatten(inner as Record<string, unknown>, name));
    else out[name] = inner === null ? "n/a" : String(inner);
  }
  return out;
}

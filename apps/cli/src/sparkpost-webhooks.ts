import { CliError, EXIT } from "./errors.ts";
import {
  fetchWithRetry,
  type HttpDeps,
  INTERACTIVE_RETRY,
  isRetryableStatus,
  type RetryPolicy,
  readJson,
} from "./http.ts";

/** SparkPost's Webhooks API (`/api/v1/webhooks`) for one account or subaccount. */
export interface SparkPostAccount {
  /** `https://api.sparkpost.com`, `https://api.eu.sparkpost.com`, or an enterprise host. */
  apiUrl: string;
  apiKey: string;
  /** Sent as X-MSYS-SUBACCOUNT: whose events the webhook gets (0 = primary only, N = subaccount N). */
  subaccount?: number;
  retry?: RetryPolicy;
}

export interface WebhookDefinition {
  name: string;
  target: string;
  events: string[];
  active: boolean;
  auth_type: "basic" | "oauth2" | "none";
  auth_credentials?: { username: string; password: string };
  auth_request_details?: { url: string; body: Record<string, string> };
}

export interface WebhookRow {
  id: string;
  name?: string;
  target?: string;
  events?: string[];
  active?: boolean;
  auth_type?: string;
  auth_credentials?: { username?: string };
  auth_request_details?: { url?: string; body?: Record<string, string> };
  last_successful?: string;
  last_failure?: string;
}

export interface BatchStatusRow {
  batch_id: string;
  ts: string;
  attempts: number | string;
  response_code?: number | string;
  failure_code?: number | string;
}

/** A SparkPost error as one line: its message, and what our endpoint answered when SparkPost's test POST failed. */
export function sparkPostErrorText(body: unknown): string | undefined {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as { message?: unknown; description?: unknown; response?: { status?: unknown } };
  let text = [first.message, first.description].filter((part) => typeof part === "string").join(": ");
  if (first.response && first.response.status !== undefined)
    text += ` (the target answered HTTP ${first.response.status})`;
  return text || undefined;
}

export class WebhooksApi {
  constructor(
    private readonly account: SparkPostAccount,
    private readonly deps: HttpDeps,
  ) {}

  private async call(method: string, path: string, what: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { authorization: this.account.apiKey, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.account.subaccount !== undefined) headers["x-msys-subaccount"] = String(this.account.subaccount);
    const response = await fetchWithRetry(
      this.deps,
      `${this.account.apiUrl}/api/v1${path}`,
      { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
      this.account.retry ?? INTERACTIVE_RETRY,
    );
    const answer = await readJson(response);
    if (response.ok) return answer;
    const detail = sparkPostErrorText(answer) ?? response.statusText;
    const hint = HINTS[response.status] ?? "";
    throw new CliError(
      `SparkPost refused ${what}: HTTP ${response.status} ${detail}${hint}`,
      isRetryableStatus(response.status) ? EXIT.unavailable : EXIT.refused,
    );
  }

  /** Every event type SparkPost offers, read from its documentation endpoint as its own UI does for "all events". */
  async eventTypes(): Promise<string[]> {
    const answer = (await this.call("GET", "/webhooks/events/documentation", "listing event types")) as {
      results?: Record<string, { events?: Record<string, unknown> }>;
    };
    const types = Object.values(answer?.results ?? {}).flatMap((grouping) => Object.keys(grouping.events ?? {}));
    if (types.length === 0) throw new CliError("SparkPost listed no event types to subscribe to", EXIT.refused);
    return types;
  }

  async list(): Promise<WebhookRow[]> {
    const answer = (await this.call("GET", "/webhooks", "listing webhooks")) as { results?: WebhookRow[] };
    return answer?.results ?? [];
  }

  async create(definition: WebhookDefinition): Promise<string> {
    const answer = (await this.call("POST", "/webhooks", "creating the webhook", definition)) as {
      results?: { id?: string };
    };
    const id = answer?.results?.id;
    if (!id) throw new CliError("SparkPost created the webhook but returned no id", EXIT.refused);
    return id;
  }

  async update(id: string, definition: Partial<WebhookDefinition>): Promise<void> {
    await this.call("PUT", `/webhooks/${encodeURIComponent(id)}`, `updating webhook ${id}`, definition);
  }

  async remove(id: string): Promise<void> {
    await this.call("DELETE", `/webhooks/${encodeURIComponent(id)}`, `deleting webhook ${id}`);
  }

  async batchStatus(id: string): Promise<BatchStatusRow[]> {
    const answer = (await this.call(
      "GET",
      `/webhooks/${encodeURIComponent(id)}/batch-status`,
      "reading batch status",
    )) as {
      results?: BatchStatusRow[];
    };
    return answer?.results ?? [];
  }
}

const HINTS: Record<number, string> = {
  400: " — is the deployment reachable from SparkPost on port 443 (or 80), and are its webhook credentials the ones msgevents sends?",
  401: " — check --sparkpost-api-key / SPARKPOST_API_KEY and --region (US and EU keys differ)",
  403: " — the API key needs the Event Webhooks: Read/Write grant",
  404: " — the webhook is gone, or belongs to another --subaccount",
};

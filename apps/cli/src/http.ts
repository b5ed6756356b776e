import { CliError, EXIT } from "./errors.ts";
import {
  describeNetworkError,
  INTERACTIVE_RETRY,
  isPermanentNetworkError,
  isRetryableStatus,
  type RetryPolicy,
} from "./retry-policy.ts";

export { BULK_RETRY, INTERACTIVE_RETRY, isRetryableStatus, type RetryPolicy } from "./retry-policy.ts";

export interface HttpDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfter: number | undefined): number {
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(retryAfter ?? exponential, policy.maxDelayMs);
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

/**
 * fetch with back-off on 429, 5xx and network errors that can pass (see retry-policy.ts); any other answer is
 * returned as is. After the last retry a retryable answer is returned too (the caller turns it into an error naming
 * the service); a network error throws a CliError naming the address tried, at once when waiting cannot mend it.
 */
export async function fetchWithRetry(
  deps: HttpDeps,
  url: string,
  init: RequestInit,
  policy: RetryPolicy = INTERACTIVE_RETRY,
  onRetry?: (notice: RetryNotice) => void,
): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    let retryAfter: number | undefined;
    try {
      const response = await deps.fetch(url, init);
      if (!isRetryableStatus(response.status) || attempt > policy.retries) return response;
      reason = `HTTP ${response.status}`;
      retryAfter = retryAfterMs(response.headers.get("retry-after"), Date.now());
      await response.body?.cancel();
    } catch (error) {
      if (init.signal?.aborted) throw error;
      if (attempt > policy.retries || isPermanentNetworkError(error)) {
        throw new CliError(`cannot reach ${origin(url)}: ${describeNetworkError(error)}`, EXIT.unavailable, {
          cause: error,
        });
      }
      reason = describeNetworkError(error);
    }
    const delayMs = backoffDelay(attempt, policy, retryAfter);
    onRetry?.({ attempt, delayMs, reason });
    await deps.sleep(delayMs);
  }
}

export function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The first SparkPost-style error message in a body (`{"errors":[{"message","description"}]}`), if any. */
export function errorMessageOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as { message?: unknown; description?: unknown; param?: unknown };
  const parts = [first.message, first.description].filter((part) => typeof part === "string" && part !== "");
  if (typeof first.param === "string") parts.push(`(parameter ${first.param})`);
  return parts.length > 0 ? parts.join(": ") : undefined;
}

export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}

/**
 * Turns an answer that is not a success into a CliError naming who refused and what to fix. `what` reads as
 * "<what> failed", e.g. "searching events at http://…".
 */
export async function failure(response: Response, what: string, hints: Partial<Record<number, string>> = {}) {
  const body = await readJson(response);
  const detail = errorMessageOf(body) ?? (typeof body === "string" && body !== "" ? body : response.statusText);
  const hint = hints[response.status] ?? defaultHint(response.status);
  const message = `${what} failed: HTTP ${response.status}${detail ? ` ${detail}` : ""}${hint ? ` — ${hint}` : ""}`;
  return new CliError(message, isRetryableStatus(response.status) ? EXIT.unavailable : EXIT.refused);
}

function defaultHint(status: number): string | undefined {
  if (status === 429) return "rate limited after every retry; try again later";
  if (status >= 500) return "the service failed after every retry; try again later";
  return undefined;
}

/** Joins a base URL (which may carry a path prefix, e.g. an API Gateway stage) and an absolute path. */
export function joinUrl(base: string, pathAndQuery: string): string {
  const url = new URL(base);
  const prefix = url.pathname.replace(/\/+$/, "");
  const path = pathAndQuery.startsWith(prefix) && prefix !== "" ? pathAndQuery : `${prefix}${pathAndQuery}`;
  return `${url.origin}${path}`;
}

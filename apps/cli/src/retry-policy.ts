/**
 * When the CLI asks again and when it gives up at once. Only what can succeed by waiting is retried: rate limiting
 * (429) and a server's own failures (5xx), and a connection cut mid-request. An address that does not resolve, a
 * connection refused and a certificate refused will not change in the next seconds: they fail at once, naming the
 * address tried. (A local stack that is still starting is waited for before any request: see local-stack.ts.)
 */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Delay before retry n (1-based): baseDelayMs * 2^(n-1), capped at maxDelayMs; a Retry-After header wins. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** For commands a person waits on (search, send a sample, connect, status): about 3 s of retries, then an answer. */
export const INTERACTIVE_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 500, maxDelayMs: 2000 };

/** For long runs that must not die of a passing outage (backfill, send of files or generated traffic): about 2 min. */
export const BULK_RETRY: RetryPolicy = { retries: 6, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** Answers worth asking again: rate limiting and the server's own failures. */
export const isRetryableStatus = (status: number) => status === 429 || status >= 500;

/** Network failures that waiting does not mend, with what to say about each. */
const PERMANENT: Record<string, string> = {
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved (no DNS answer)",
  EAI_NONAME: "no such host",
  ECONNREFUSED: "connection refused (nothing listens there)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "its TLS certificate chain is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its TLS certificate cannot be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate is for another host",
};

/** The system error code under fetch's "fetch failed" (undici puts it in `cause`, sometimes in an AggregateError). */
export function networkErrorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** Whether a network failure can pass by waiting (a reset or timed-out connection) or not (see PERMANENT). */
export function isPermanentNetworkError(error: unknown): boolean {
  const code = networkErrorCode(error);
  if (code !== undefined && code in PERMANENT) return true;
  // fetch refuses ports browsers block (e.g. 25, 6000) before connecting: asking again changes nothing.
  return (error as { cause?: { message?: unknown } }).cause?.message === "bad port";
}

export function describeNetworkError(error: unknown): string {
  const code = networkErrorCode(error);
  if (code && PERMANENT[code]) return `${PERMANENT[code]} (${code})`;
  const cause = (error as { cause?: { message?: string } }).cause;
  if (cause?.message === "bad port") return "fetch refuses this port (a port browsers block): use another one";
  return code ?? cause?.message ?? (error as Error).message;
}

import { CliError, EXIT } from "./errors.ts";
import {
  failure,
  fetchWithRetry,
  type HttpDeps,
  INTERACTIVE_RETRY,
  joinUrl,
  type RetryNotice,
  type RetryPolicy,
} from "./http.ts";
import type { Row } from "./output.ts";

/** One page of a cursor-paged API in SparkPost's Events API shape. */
export interface Page {
  results: Row[];
  total_count?: number;
  /** The relative URL of the next page, absent on the last. */
  next?: string;
}

export interface PageRequest {
  /** What is being fetched, for error messages: "searching events at https://…". */
  what: string;
  authorization: string;
  hints?: Partial<Record<number, string>>;
  retry?: RetryPolicy;
  onRetry?: (notice: RetryNotice) => void;
  signal?: AbortSignal;
}

export async function fetchPage(deps: HttpDeps, url: string, request: PageRequest): Promise<Page> {
  const response = await fetchWithRetry(
    deps,
    url,
    { headers: { authorization: request.authorization, accept: "application/json" }, signal: request.signal },
    request.retry ?? INTERACTIVE_RETRY,
    request.onRetry,
  );
  if (!response.ok) throw await failure(response, request.what, request.hints);
  const body = (await response.json()) as { results?: unknown; total_count?: unknown; links?: { next?: unknown } };
  if (!Array.isArray(body?.results)) {
    throw new CliError(`${request.what} failed: the answer has no results list (is the URL right?)`, EXIT.refused);
  }
  return {
    results: body.results as Row[],
    total_count: typeof body.total_count === "number" ? body.total_count : undefined,
    next: typeof body.links?.next === "string" ? body.links.next : undefined,
  };
}

/** Follows `links.next` from `firstUrl` to the last page, fetching each page only when the previous is consumed. */
export async function* walkPages(
  deps: HttpDeps,
  baseUrl: string,
  firstUrl: string,
  request: PageRequest,
): AsyncGenerator<Page> {
  let url: string | undefined = firstUrl;
  while (url) {
    const page: Page = await fetchPage(deps, url, request);
    yield page;
    url = page.next ? joinUrl(baseUrl, page.next) : undefined;
  }
}

/** A query string from defined values, in the given order. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

import { usageError } from "./errors.ts";

export const SPARKPOST_API_URLS = { us: "https://api.sparkpost.com", eu: "https://api.eu.sparkpost.com" } as const;

/** `--api-url` as an origin with an optional prefix; `…/api/v1` is accepted and dropped, as SparkPost docs print it. */
export function normalizeApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`--api-url ${JSON.stringify(value)} is not a URL: give e.g. ${SPARKPOST_API_URLS.us}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "")}`;
}

import type { ApiError, HttpResponse } from "./types.ts";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" } as const;

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}

/** SparkPost's error shape: `{"errors":[{"message","description"?,"param"?,"code"?}]}`. */
export function errorResponse(status: number, errors: ApiError | ApiError[], headers: Record<string, string> = {}) {
  return jsonResponse(status, { errors: Array.isArray(errors) ? errors : [errors] }, headers);
}

/** A client error carrying its HTTP status; pure functions throw it, adapters turn it into errorResponse. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly errors: ApiError[];
  constructor(
    readonly status: number,
    errors: ApiError | ApiError[],
    readonly headers: Record<string, string> = {},
  ) {
    const list = Array.isArray(errors) ? errors : [errors];
    super(list.map((error) => error.message).join("; "));
    this.errors = list;
  }

  toResponse(): HttpResponse {
    return errorResponse(this.status, this.errors, this.headers);
  }
}

export const notFound = (): HttpResponse =>
  errorResponse(404, { message: "resource not found", description: "no route matches this path" });

export const methodNotAllowed = (allowed: string[]): HttpResponse =>
  errorResponse(
    405,
    { message: "method not allowed", description: `use ${allowed.join(" or ")}` },
    { allow: allowed.join(", ") },
  );

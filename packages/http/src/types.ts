/**
 * The one request/response shape every msgevents endpoint speaks, so the same pure functions serve API Gateway
 * (payload v2) and the local stack's node:http server. Header names are lower-case.
 */
export interface HttpRequest {
  method: string;
  /** Path without the query string, e.g. `/api/v1/events/message`. */
  path: string;
  /** Raw query string without the leading `?` (may be empty). */
  rawQuery: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: Uint8Array;
  /** Source address, for logs only. */
  sourceIp?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApiError {
  message: string;
  description?: string;
  param?: string;
  code?: string;
}

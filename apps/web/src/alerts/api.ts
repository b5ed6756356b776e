import { ApiRequestError, UnauthorizedError } from "../api/client.ts";

/** One of SparkPost's errors: `param` names the field of the alert it is about. */
export interface FieldError {
  message: string;
  param?: string;
}

/** The Alerts API refused an alert (400): every problem, each with the field it is about when there is one. */
export class InvalidAlertError extends Error {
  override readonly name = "InvalidAlertError";
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => error.message).join("; "));
  }
}

/**
 * A request to the Alerts API with the API key (the app's only credential: no cookies). Answers `results`; a 400
 * becomes InvalidAlertError so the form can show each problem at its field.
 */
export async function alertsApi<T>(
  apiKey: string,
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { authorization: apiKey, accept: "application/json", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    signal,
  });
  if (response.status === 401) throw new UnauthorizedError("the API key was refused");
  const text = await response.text();
  let parsed: { results?: T; errors?: FieldError[] } | undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (response.status === 400 && parsed?.errors) throw new InvalidAlertError(parsed.errors);
  if (!response.ok) {
    const messages = (parsed?.errors ?? []).map((error) => error.message).join("; ");
    throw new ApiRequestError(
      response.status,
      `${response.status}: ${messages || response.statusText || "request failed"}`,
    );
  }
  return parsed?.results as T;
}

export const ALERTS_PATH = "/api/v1/alerts";

/** SparkPost's error envelope, as every msgevents endpoint answers bad input. */
interface ErrorEnvelope {
  errors?: { message?: string; description?: string; param?: string }[];
}

export class UnauthorizedError extends Error {
  override readonly name = "UnauthorizedError";
}

export class ApiRequestError extends Error {
  override readonly name = "ApiRequestError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A GET to this origin with the API key; the only kind of request the app makes. */
export async function getJson<T>(apiKey: string, pathAndQuery: string, signal?: AbortSignal): Promise<T> {
  // No cookies or browser-kept credentials: the key is the only credential, and a 401 must reach the app rather than
  // open the browser's own sign-in dialog (the API answers 401 with a Basic challenge, for curl users).
  const response = await fetch(pathAndQuery, {
    headers: { authorization: apiKey, accept: "application/json" },
    credentials: "omit",
    signal,
  });
  if (response.status === 401) throw new UnauthorizedError("the API key was refused");
  if (!response.ok) throw new ApiRequestError(response.status, await describeFailure(response));
  return (await response.json()) as T;
}

async function describeFailure(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const envelope = JSON.parse(text) as ErrorEnvelope;
    const messages = (envelope.errors ?? []).map((error) =>
      [
        error.param ? `${error.param}: ` : "",
        error.message ?? "",
        error.description ? ` (${error.description})` : "",
      ].join(""),
    );
    if (messages.length > 0) return `${response.status}: ${messages.join("; ")}`;
  } catch {
    // Not SparkPost's envelope (a proxy's page, say): the status alone tells enough.
  }
  return `${response.status}: ${response.statusText || "request failed"}`;
}

import http from "node:http";
/** What SparkPost sends, and what an Events API client sends, against a running local stack. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

export async function postBatch(
  url: string,
  body: string,
  authorization: string | undefined,
  batchId?: string,
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization) headers.authorization = authorization;
  if (batchId) headers["x-messagesystems-batch-id"] = batchId;
  return fetch(`${url}/webhooks/sparkpost`, { method: "POST", headers, body });
}

export async function oauthToken(url: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
  });
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export interface EventsPage {
  results: Record<string, unknown>[];
  total_count: number;
  links: { next?: string };
}

export async function searchEvents(url: string, apiKey: string, pathAndQuery: string): Promise<EventsPage> {
  const response = await fetch(`${url}${pathAndQuery}`, { headers: { authorization: apiKey } });
  if (response.status !== 200) throw new Error(`search answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as EventsPage;
}

/** Follows links.next to the end, returning every result. */
export async function walkAllPages(url: string, apiKey: string, firstPage: string): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  let next: string | undefined = firstPage;
  while (next) {
    const page = await searchEvents(url, apiKey, next);
    results.push(...page.results);
    next = page.links.next;
  }
  return results;
}

/**
 * Starts a webhook POST that declares `declaredBytes` of body but sends none, and returns the answer the server gives
 * from the request's head. (Sending a large body the server will not read could end in a connection reset instead.)
 */
export async function postHeadOnly(
  url: string,
  declaredBytes: number,
  authorization: string | undefined,
  batchId: string,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "content-length": String(declaredBytes),
    "x-messagesystems-batch-id": batchId,
  };
  if (authorization) headers.authorization = authorization;
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/webhooks/sparkpost`, { method: "POST", headers }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on("end", () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) });
      });
    });
    request.on("error", reject);
    request.flushHeaders();
  });
}

import http from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpRequest } from "@msgevents/http";
import { handleAlertsRequest } from "../src/api/routes.ts";
import type { AlertsDatabase } from "../src/store/database.ts";

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on loopback recording every request; `answer` decides each status (200 by default). */
export async function startReceiver(answer: (request: Received) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      const entry = { path: request.url ?? "/", headers: request.headers, body };
      received.push(entry);
      const status = answer(entry);
      response.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "unavailable");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Calls the Alerts API as the query router does, after authentication. */
export async function callApi(
  db: AlertsDatabase,
  now: Date,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: { results?: unknown; errors?: unknown } }> {
  const request: HttpRequest = {
    method,
    path,
    rawQuery: "",
    headers: {},
    body: body === undefined ? new Uint8Array() : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  };
  const response = await handleAlertsRequest(request, path, { db, now });
  return { status: response.status, body: JSON.parse(response.body) };
}

import type { HttpRequest } from "@msgevents/http";
import { handleAlertsRequest } from "../src/api/routes.ts";
import type { AlertsDatabase } from "../src/store/database.ts";

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

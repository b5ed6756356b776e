import {
  errorResponse,
  HttpError,
  type HttpRequest,
  type HttpResponse,
  jsonResponse,
  methodNotAllowed,
} from "@msgevents/http";
import { invalidAlert, parseAlert, parseAlertUpdate } from "../model/parse.ts";
import {
  alertObject,
  definitionOf,
  deleteAlert,
  findAlert,
  insertAlert,
  listAlerts,
  updateAlert,
} from "../store/alerts.ts";
import type { AlertsDatabase } from "../store/database.ts";
import { listIncidents } from "../store/incidents.ts";

export const ALERTS_PATH = "/api/v1/alerts";

/** Whether a path (without a trailing slash) is one of the Alerts API's. */
export const isAlertsPath = (path: string): boolean => path === ALERTS_PATH || path.startsWith(`${ALERTS_PATH}/`);

export interface AlertsApiDeps {
  db: AlertsDatabase;
  now: Date;
}

/** An alert is a few hundred bytes; anything this large is not one. */
const MAX_BODY_BYTES = 64 * 1024;

const notFoundAlert = (id: string) =>
  errorResponse(404, { message: "resource not found", description: `no alert with id ${id}` });

function readBody(request: HttpRequest): unknown {
  if (request.body.byteLength > MAX_BODY_BYTES) {
    throw new HttpError(413, {
      message: "request body too large",
      description: `an alert must be at most ${MAX_BODY_BYTES} bytes`,
    });
  }
  const text = Buffer.from(request.body).toString("utf8");
  if (text.trim() === "") throw invalidAlert([{ message: "the request body must be a JSON object (an alert)" }]);
  try {
    return JSON.parse(text);
  } catch {
    throw invalidAlert([{ message: "Request body parsing failed: the body is not valid JSON" }]);
  }
}

/** 1 … 2^31-1 in plain digits, as the ids are made; anything else names no alert. */
const alertId = (text: string): number | undefined =>
  /^[1-9][0-9]{0,9}$/.test(text) && Number(text) <= 2_147_483_647 ? Number(text) : undefined;

/**
 * SparkPost's Alerts API (`/api/v1/alerts`): list and create, get, update and delete one alert, and its incidents.
 * The caller has authenticated the request. Invalid alerts get SparkPost's 400s, listing every problem.
 */
export async function handleAlertsRequest(
  request: HttpRequest,
  path: string,
  deps: AlertsApiDeps,
): Promise<HttpResponse> {
  try {
    const rest = path.slice(ALERTS_PATH.length).split("/").slice(1);
    if (rest.length === 0) {
      if (request.method === "GET") {
        return jsonResponse(200, { results: (await listAlerts(deps.db)).map(alertObject) });
      }
      if (request.method === "POST") {
        const id = await insertAlert(deps.db, parseAlert(readBody(request)), deps.now);
        return jsonResponse(200, { results: { id } });
      }
      return methodNotAllowed(["GET", "POST"]);
    }
    const [idText = "", sub, ...more] = rest;
    const id = alertId(idText);
    if (id === undefined || more.length > 0 || (sub !== undefined && sub !== "incidents")) {
      return errorResponse(404, { message: "resource not found", description: "no route matches this path" });
    }
    if (sub === "incidents") {
      if (request.method !== "GET") return methodNotAllowed(["GET"]);
      const row = await findAlert(deps.db, id);
      if (!row) return notFoundAlert(idText);
      return jsonResponse(200, { results: await listIncidents(deps.db, id, definitionOf(row).metric) });
    }
    switch (request.method) {
      case "GET": {
        const row = await findAlert(deps.db, id);
        return row ? jsonResponse(200, { results: alertObject(row) }) : notFoundAlert(idText);
      }
      case "PUT": {
        const body = readBody(request);
        const row = await findAlert(deps.db, id);
        if (!row) return notFoundAlert(idText);
        const before = definitionOf(row);
        const updated = await updateAlert(deps.db, id, before, parseAlertUpdate(before, body), deps.now);
        return updated ? jsonResponse(200, { results: alertObject(updated) }) : notFoundAlert(idText);
      }
      case "DELETE":
        return (await deleteAlert(deps.db, id)) ? jsonResponse(200, { results: { id } }) : notFoundAlert(idText);
      default:
        return methodNotAllowed(["GET", "PUT", "DELETE"]);
    }
  } catch (error) {
    if (error instanceof HttpError) return error.toResponse();
    throw error;
  }
}

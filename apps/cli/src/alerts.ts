import { readFile } from "node:fs/promises";
import path from "node:path";
import type { IncidentObject } from "@msgevents/alerts/incident";
import { type Command, InvalidArgumentError, Option } from "commander";
import { type Connection, requireApiKey } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT, usageError } from "./errors.ts";
import { failure, fetchWithRetry, INTERACTIVE_RETRY, joinUrl, readJson } from "./http.ts";
import { createSink, defaultFormat, OUTPUT_FORMATS, type OutputFormat, type Row, writeText } from "./output.ts";

const ALERTS_PATH = "/api/v1/alerts";
const ALERT_COLUMNS = ["id", "name", "metric", "threshold", "scope", "muted", "last_triggered"];
const INCIDENT_COLUMNS = ["id", "status", "triggered_value", "first_fired", "last_fired", "filters", "deliveries"];

interface ApiError {
  message?: string;
  param?: string;
}

/** A refusal of the Alerts API: SparkPost's 400 lists every problem of the alert, so all of them are shown. */
async function refusal(response: Response, what: string): Promise<CliError> {
  if (response.status !== 400) {
    return failure(response, what, { 401: "the API key was refused: check --api-key or MSGEVENTS_API_KEY" });
  }
  const body = (await readJson(response)) as { errors?: ApiError[] } | undefined;
  const messages = (body?.errors ?? []).map((error) => error.message ?? "").filter((message) => message !== "");
  return new CliError(`${what} failed: HTTP 400 ${messages.join("; ") || "bad request"}`, EXIT.refused);
}

/**
 * One call to the deployment's Alerts API with its API key. Reads and updates are retried on 429, 5xx and network
 * errors; a create is not, as a create that reached the server before a failure would be made twice.
 */
async function callAlertsApi(
  connection: Connection,
  deps: CliDeps,
  request: { method: string; path: string; body?: unknown; what: string },
): Promise<unknown> {
  const apiKey = requireApiKey(connection);
  const response = await fetchWithRetry(
    deps,
    joinUrl(connection.url, request.path),
    {
      method: request.method,
      headers: { authorization: apiKey, accept: "application/json", "content-type": "application/json" },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: deps.signal,
    },
    request.method === "POST" ? { ...INTERACTIVE_RETRY, retries: 0 } : INTERACTIVE_RETRY,
  );
  if (!response.ok) throw await refusal(response, request.what);
  return ((await readJson(response)) as { results?: unknown } | undefined)?.results;
}

/** The alert object in a JSON file (a path relative to where the command was typed). */
async function readAlertFile(file: string, deps: CliDeps): Promise<unknown> {
  const resolved = path.resolve(deps.cwd, file);
  let text: string;
  try {
    text = await readFile(resolved, "utf8");
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw usageError(`${file} is not JSON: write the alert object as in the README's example`);
  }
}

function alertId(value: string): string {
  if (!/^[1-9][0-9]{0,9}$/.test(value)) throw new InvalidArgumentError("must be an alert id (a number)");
  return value;
}

interface AlertObject {
  id: number;
  name: string;
  metric: string;
  muted: boolean;
  last_triggered: string | null;
  subaccounts?: number[];
  any_subaccount: boolean;
  filters: { filter_type: string; filter_values: string[] }[];
  threshold_evaluator: { operator: string; source: string; value: number };
}

function alertRow(alert: AlertObject): Row {
  const { operator, source, value } = alert.threshold_evaluator;
  const subaccounts = alert.any_subaccount
    ? "each subaccount"
    : alert.subaccounts?.includes(-1)
      ? "whole account"
      : `subaccounts ${alert.subaccounts?.join(",")}`;
  const filters = alert.filters.map((filter) => `${filter.filter_type} ${filter.filter_values.join(",")}`);
  return {
    id: alert.id,
    name: alert.name,
    metric: alert.metric,
    threshold: `${operator === "gt" ? ">" : "<"} ${value}${source === "raw" ? "" : ` ${source}`}`,
    scope: [subaccounts, ...filters].join("; "),
    muted: alert.muted,
    last_triggered: alert.last_triggered ?? "",
  };
}

function incidentRow(incident: IncidentObject & Row): Row {
  return {
    ...incident,
    filters: Object.entries(incident.filters)
      .map(([key, value]) => `${key}=${value}`)
      .join(" "),
    deliveries: incident.deliveries
      .map(
        (delivery) => `${delivery.channel} ${delivery.status}${delivery.last_error ? ` (${delivery.last_error})` : ""}`,
      )
      .join(", "),
  };
}

async function writeRows(deps: CliDeps, format: OutputFormat, columns: string[], rows: Row[]): Promise<void> {
  const sink = createSink(format, deps.stdout, columns);
  await sink.write(rows);
  await sink.end();
}

const formatOption = () =>
  new Option("--format <format>", "output: table (default on a terminal), json, ndjson, csv").choices(OUTPUT_FORMATS);

/**
 * `msgevents alerts …`: SparkPost's Alerts API of the deployment (list, get, create, update, mute, unmute, delete,
 * incidents). Alerts are written as JSON files holding SparkPost's alert object.
 */
export function registerAlertCommands(
  program: Command,
  deps: CliDeps,
  connection: (command: Command) => Promise<Connection>,
): void {
  const print = (text: string) => writeText(deps.stdout, `${text}\n`);
  const json = (value: unknown) => print(JSON.stringify(value, null, 2));
  const alerts = program
    .command("alerts")
    .description("alert rules on the deployment's own events (SparkPost's Alerts API) and their incidents")
    .addHelpText(
      "after",
      `
Examples:
  msgevents alerts create --file block-bounces.json      the alert object, as in the README's example
  msgevents alerts list
  msgevents alerts incidents 3 --format json
  msgevents alerts update 3 --file patch.json             only the fields to change
  msgevents alerts mute 3`,
    );

  alerts
    .command("list")
    .description("every alert rule")
    .addOption(formatOption())
    .action(async (options: { format?: OutputFormat }, command: Command) => {
      const found = (await callAlertsApi(await connection(command), deps, {
        method: "GET",
        path: ALERTS_PATH,
        what: "listing alerts",
      })) as (AlertObject & Row)[];
      const format = options.format ?? defaultFormat(deps.stdout);
      await writeRows(
        deps,
        format,
        ALERT_COLUMNS,
        format === "table" || format === "csv" ? found.map(alertRow) : found,
      );
    });

  alerts
    .command("get")
    .description("one alert, as the API answers it (JSON)")
    .argument("<id>", "the alert's id", alertId)
    .action(async (id: string, _options, command: Command) => {
      await json(
        await callAlertsApi(await connection(command), deps, {
          method: "GET",
          path: `${ALERTS_PATH}/${id}`,
          what: `reading alert ${id}`,
        }),
      );
    });

  alerts
    .command("create")
    .description("create an alert from a JSON file holding SparkPost's alert object; prints its id")
    .requiredOption("--file <file>", "the alert object (JSON)")
    .action(async (options: { file: string }, command: Command) => {
      const body = await readAlertFile(options.file, deps);
      const created = (await callAlertsApi(await connection(command), deps, {
        method: "POST",
        path: ALERTS_PATH,
        body,
        what: "creating the alert",
      })) as { id: number };
      await print(`created alert ${created.id}`);
    });

  alerts
    .command("update")
    .description("change the fields a JSON file gives (threshold_evaluator field by field); prints the alert")
    .argument("<id>", "the alert's id", alertId)
    .requiredOption("--file <file>", "the fields to change (JSON)")
    .action(async (id: string, options: { file: string }, command: Command) => {
      const body = await readAlertFile(options.file, deps);
      await json(
        await callAlertsApi(await connection(command), deps, {
          method: "PUT",
          path: `${ALERTS_PATH}/${id}`,
          body,
          what: `updating alert ${id}`,
        }),
      );
    });

  for (const [name, muted] of [
    ["mute", true],
    ["unmute", false],
  ] as const) {
    alerts
      .command(name)
      .description(muted ? "stop evaluating and sending an alert" : "evaluate and send an alert again")
      .argument("<id>", "the alert's id", alertId)
      .action(async (id: string, _options, command: Command) => {
        await callAlertsApi(await connection(command), deps, {
          method: "PUT",
          path: `${ALERTS_PATH}/${id}`,
          body: { muted },
          what: `${name === "mute" ? "muting" : "unmuting"} alert ${id}`,
        });
        await print(`alert ${id} ${muted ? "muted" : "unmuted"}`);
      });
  }

  alerts
    .command("delete")
    .description("delete an alert with its incidents")
    .argument("<id>", "the alert's id", alertId)
    .action(async (id: string, _options, command: Command) => {
      await callAlertsApi(await connection(command), deps, {
        method: "DELETE",
        path: `${ALERTS_PATH}/${id}`,
        what: `deleting alert ${id}`,
      });
      await print(`deleted alert ${id}`);
    });

  alerts
    .command("incidents")
    .description("an alert's incidents, newest first, with the outcome of every notification")
    .argument("<id>", "the alert's id", alertId)
    .addOption(formatOption())
    .action(async (id: string, options: { format?: OutputFormat }, command: Command) => {
      const found = (await callAlertsApi(await connection(command), deps, {
        method: "GET",
        path: `${ALERTS_PATH}/${id}/incidents`,
        what: `listing the incidents of alert ${id}`,
      })) as (IncidentObject & Row)[];
      const format = options.format ?? defaultFormat(deps.stdout);
      await writeRows(
        deps,
        format,
        INCIDENT_COLUMNS,
        format === "table" || format === "csv" ? found.map(incidentRow) : found,
      );
    });
}

import { type Command, Option } from "commander";
import type { Connection } from "./connection.ts";
import { requireApiKey } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT } from "./errors.ts";
import { failure, fetchWithRetry, joinUrl, readJson } from "./http.ts";
import { writeText } from "./output.ts";

/** A backfill as `/health` reports it (packages/query, health.ts). */
export interface BackfillStatus {
  name: string;
  status: "done" | "waiting" | "filling" | "failing";
  days_done: number;
  days_total: number;
  events_filled: number;
  events_per_second: number | null;
  started_at: string | null;
  finished_at: string | null;
  last_error: string | null;
}

/** The deployment's `/health` answer with the API key. */
export interface DeploymentStatus {
  status: string;
  database?: { status: string; version?: string };
  rejected_records?: number | null;
  rejected_batches?: number | null;
  oversized_batches?: number | null;
  queue?: Record<string, unknown> | null;
  backfills?: BackfillStatus[] | null;
}

/** `msgevents status`: the deployment's health with its figures, among them the progress of every backfill. */
export async function deploymentStatus(connection: Connection, deps: CliDeps): Promise<DeploymentStatus> {
  const response = await fetchWithRetry(
    deps,
    joinUrl(connection.url, "/health"),
    { headers: { authorization: requireApiKey(connection) } },
    { retries: 2, baseDelayMs: 500, maxDelayMs: 2_000 },
  );
  // 503 still carries the figures the deployment could gather: shown, then the exit code says unavailable.
  if (response.status !== 200 && response.status !== 503) {
    throw await failure(response, `reading ${joinUrl(connection.url, "/health")}`);
  }
  const body = await readJson(response);
  if (typeof body !== "object" || body === null || typeof (body as { status?: unknown }).status !== "string") {
    throw new CliError(`${connection.url}/health did not answer with a health report`, EXIT.failed);
  }
  return body as DeploymentStatus;
}

const count = (value: number | null | undefined) =>
  value === null || value === undefined ? "n/a" : value.toLocaleString("en");

function describeBackfill(backfill: BackfillStatus): string {
  const rate = backfill.events_per_second === null ? "" : `, ${count(backfill.events_per_second)} events/s`;
  const when = backfill.finished_at
    ? `, finished ${backfill.finished_at}`
    : backfill.started_at
      ? `, started ${backfill.started_at}`
      : ", not started yet";
  const lines = [
    `  ${backfill.name.padEnd(22)} ${backfill.status.padEnd(8)} ${backfill.days_done}/${backfill.days_total} days, ` +
      `${count(backfill.events_filled)} events${rate}${when}`,
  ];
  if (backfill.last_error) lines.push(`    last error: ${backfill.last_error}`);
  return lines.join("\n");
}

/** The report as text: the database, the loader's refusals, the local queue, then each backfill. */
export function describeDeploymentStatus(url: string, status: DeploymentStatus): string {
  const database = status.database;
  const lines = [
    `deployment ${url}: ${status.status}${database?.version ? ` (PostgreSQL ${database.version})` : ""}`,
    `  rejected records       ${count(status.rejected_records)} in ${count(status.rejected_batches)} batch(es)`,
  ];
  if (status.oversized_batches !== null && status.oversized_batches !== undefined) {
    lines.push(`  oversized batches      ${count(status.oversized_batches)}`);
  }
  if (status.queue) {
    const figures = Object.entries(status.queue).map(([key, value]) => `${key} ${String(value)}`);
    lines.push(`  queue                  ${figures.join(", ")}`);
  }
  const backfills = status.backfills ?? [];
  if (backfills.length === 0) {
    lines.push("backfills: none");
  } else {
    const pending = backfills.filter((backfill) => backfill.status !== "done").length;
    lines.push(
      pending === 0
        ? "backfills: all done"
        : `backfills: ${pending} under way (answers stay exact meanwhile; only some searches are slower)`,
    );
    lines.push(...backfills.map(describeBackfill));
  }
  return lines.join("\n");
}

/** Adds `msgevents status` to the program. */
export function registerStatusCommand(
  program: Command,
  connection: (command: Command) => Promise<Connection>,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  program
    .command("status")
    .description("the deployment's health: database, refused records, queue, and the progress of its backfills")
    .addOption(new Option("--format <format>", "text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      "\nExamples:\n  msgevents status\n  msgevents status --format json --url https://events.example.com",
    )
    .action(async (options: { format: "text" | "json" }, command: Command) => {
      const resolved = await connection(command);
      const status = await deploymentStatus(resolved, deps);
      const text =
        options.format === "json" ? JSON.stringify(status, null, 2) : describeDeploymentStatus(resolved.url, status);
      await writeText(deps.stdout, `${text}\n`);
      if (status.status !== "ok") setExit(EXIT.unavailable);
    });
}

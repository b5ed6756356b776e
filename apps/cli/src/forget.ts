import { readFile } from "node:fs/promises";
import path from "node:path";
import type { RequestView } from "@msgevents/erasure";
import { type Command, Option } from "commander";
import { type Connection, requireApiKey } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT, usageError } from "./errors.ts";
import { failure, fetchWithRetry, joinUrl, readJson } from "./http.ts";
import type { SparkPostAccount } from "./sparkpost-webhooks.ts";

const RTBF_REQUEST = "/api/v1/data-privacy/rtbf-request";
const RTBF_REQUESTS = "/api/v1/data-privacy/rtbf-requests";
const WAIT_POLL_MS = 2_000;
/** SparkPost's limit per request (the deployment checks it too). */
const MAX_RECIPIENTS = 1000;

/** Loaded when a command runs, so that other commands start without the validation library. */
const addressCheck = async () => (await import("@msgevents/erasure/rtbf-request")).isValidAddress;

/** What `forget` needs from the program: its connection, SparkPost options and output (see program.ts). */
export interface ForgetContext {
  deps: CliDeps;
  connection: (command: Command) => Promise<Connection>;
  sparkPostOptions: (command: Command) => Command;
  account: (flags: never, env: NodeJS.ProcessEnv) => SparkPostAccount;
  print: (text: string) => Promise<void>;
}

/** `msgevents forget <address…>` and `msgevents forget-status [id]`. */
export function registerForget(program: Command, context: ForgetContext): void {
  const { deps, print } = context;
  const forget = program
    .command("forget")
    .description("erase every trace of recipients from this deployment (SparkPost's right-to-be-forgotten request)")
    .argument("[addresses...]", "recipient addresses")
    .option("--file <file>", "also read addresses from a file, one per line (blank lines and # comments skipped)")
    .option("--include-subaccounts", "the primary account and every subaccount (default: the primary account only)")
    .option("--sparkpost", "send the same request to SparkPost's own Data Privacy API too, so both copies go")
    .option("--wait", "wait until each request completed, then print its audit entry")
    .addHelpText(
      "after",
      `
Events, search counts and the raw batches holding the addresses are erased in the background (a day of events or a
batch at a time); the addresses are suppressed at once, so no redelivery, replay or backfill brings them back. The
deployment keeps an audit entry per request (keyed hashes, never the address): msgevents forget-status.
More than ${MAX_RECIPIENTS} addresses are sent as several requests. --subaccount applies to both copies.

Examples:
  msgevents forget alice@example.com --wait
  msgevents forget --file erasures.txt --include-subaccounts
  SPARKPOST_API_KEY=… msgevents forget alice@example.com --sparkpost`,
    );
  context.sparkPostOptions(forget).action(async (addresses: string[], options, command: Command) => {
    const recipients = await collectAddresses(addresses, options.file, deps, await addressCheck());
    const connection = await context.connection(command);
    const sparkPost = options.sparkpost ? context.account(options as never, deps.env) : undefined;
    const body = (chunk: string[]) =>
      JSON.stringify({ recipients: chunk, include_subaccounts: options.includeSubaccounts === true });
    const subaccount = options.subaccount as number | undefined;
    const ids: string[] = [];
    for (const chunk of chunks(recipients, MAX_RECIPIENTS)) {
      const id = await postRequest(deps, joinUrl(connection.url, RTBF_REQUEST), requireApiKey(connection), {
        body: body(chunk),
        subaccount,
        what: `saving the erasure request at ${connection.url}`,
      });
      ids.push(id ?? "");
      await print(`msgevents: request ${id} saved (${chunk.length} recipient(s)); erasure runs in the background`);
    }
    if (sparkPost) {
      for (const chunk of chunks(recipients, MAX_RECIPIENTS)) {
        await postRequest(deps, `${sparkPost.apiUrl}${RTBF_REQUEST}`, sparkPost.apiKey, {
          body: body(chunk),
          subaccount,
          what: `forwarding the request to SparkPost at ${sparkPost.apiUrl} (msgevents saved request(s) ${ids.join(", ")})`,
        });
        await print(`SparkPost: request saved (${chunk.length} recipient(s)); SparkPost completes it within 30 days`);
      }
    }
    if (options.wait) {
      for (const id of ids) await print(describeRequest(await waitFor(connection, id, deps)));
    }
  });

  program
    .command("forget-status")
    .description("the audit of erasure requests: who asked, when, their state and what they erased")
    .argument("[id]", "one request (with its recipients' keyed hashes)")
    .option("--recipient <address>", "only the requests that erased this address")
    .addOption(new Option("--format <format>", "text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      "\nExamples:\n  msgevents forget-status\n  msgevents forget-status --recipient alice@example.com",
    )
    .action(async (id: string | undefined, options, command: Command) => {
      const connection = await context.connection(command);
      const isValidAddress = await addressCheck();
      if (options.recipient !== undefined && !isValidAddress(String(options.recipient).trim())) {
        throw usageError(`--recipient ${JSON.stringify(options.recipient)} is not an email address`);
      }
      const query = options.recipient ? `?recipient=${encodeURIComponent(String(options.recipient).trim())}` : "";
      const found =
        id === undefined ? await getJson<RequestView[]>(connection, `${RTBF_REQUESTS}${query}`, deps) : undefined;
      const views = found ?? [
        await getJson<RequestView>(connection, `${RTBF_REQUESTS}/${encodeURIComponent(id ?? "")}`, deps),
      ];
      if (options.format === "json") await print(JSON.stringify(id === undefined ? views : views[0], null, 2));
      else await print(views.length === 0 ? "no erasure requests" : views.map(describeRequest).join("\n\n"));
    });
}

/** Addresses from the arguments and the file, trimmed, each once; every invalid one named before anything is sent. */
async function collectAddresses(
  given: string[],
  file: string | undefined,
  deps: CliDeps,
  isValidAddress: (address: string) => boolean,
): Promise<string[]> {
  const all = [...given];
  if (file !== undefined) {
    const text = await readFile(path.resolve(deps.cwd, file), "utf8").catch((error: NodeJS.ErrnoException) => {
      throw usageError(`--file ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });
    all.push(...text.split(/\r?\n/).filter((line) => line.trim() !== "" && !line.trim().startsWith("#")));
  }
  const addresses = [...new Set(all.map((address) => address.trim()))];
  if (addresses.length === 0) throw usageError("forget needs addresses: give them as arguments or with --file");
  const invalid = addresses.filter((address) => !isValidAddress(address));
  if (invalid.length > 0) {
    throw usageError(`not email addresses: ${invalid.map((address) => JSON.stringify(address)).join(", ")}`);
  }
  return addresses;
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );
}

/** POSTs an rtbf request (SparkPost's shape) and returns the id msgevents gives it (SparkPost gives none). */
async function postRequest(
  deps: CliDeps,
  url: string,
  apiKey: string,
  request: { body: string; subaccount: number | undefined; what: string },
): Promise<string | undefined> {
  const headers: Record<string, string> = { authorization: apiKey, "content-type": "application/json" };
  if (request.subaccount !== undefined) headers["x-msys-subaccount"] = String(request.subaccount);
  const response = await fetchWithRetry(deps, url, { method: "POST", headers, body: request.body });
  if (!response.ok) {
    const answer = await readJson(response.clone());
    const invalid = invalidRecipients(answer);
    if (response.status === 400 && invalid.length > 0) {
      throw new CliError(`${request.what} failed: invalid email address(es): ${invalid.join(", ")}`, EXIT.refused);
    }
    throw await failure(response, request.what);
  }
  const answer = (await readJson(response)) as { results?: { id?: unknown } } | undefined;
  return typeof answer?.results?.id === "string" ? answer.results.id : undefined;
}

function invalidRecipients(answer: unknown): string[] {
  const errors = (answer as { errors?: { recipient?: unknown }[] } | undefined)?.errors;
  return Array.isArray(errors)
    ? errors.flatMap((error) => (typeof error.recipient === "string" ? [error.recipient] : []))
    : [];
}

async function getJson<T>(connection: Connection, pathAndQuery: string, deps: CliDeps): Promise<T> {
  const url = joinUrl(connection.url, pathAndQuery);
  const response = await fetchWithRetry(deps, url, { headers: { authorization: requireApiKey(connection) } });
  if (!response.ok) throw await failure(response, `reading ${pathAndQuery} at ${connection.url}`);
  return ((await readJson(response)) as { results: T }).results;
}

async function waitFor(connection: Connection, id: string, deps: CliDeps): Promise<RequestView> {
  for (;;) {
    const view = await getJson<RequestView>(connection, `${RTBF_REQUESTS}/${id}`, deps);
    if (view.status === "completed" || deps.signal.aborted) return view;
    await deps.sleep(WAIT_POLL_MS);
  }
}

/** A request's audit entry as text: never an address (the deployment has none to give). */
export function describeRequest(view: RequestView): string {
  const progress =
    view.status === "completed"
      ? `completed ${view.completed_at}`
      : view.status === "events"
        ? `erasing events${view.next_day ? ` (at ${view.next_day})` : ""}`
        : view.status === "batches"
          ? `rewriting raw batches (${view.batches_pending} left)`
          : "waiting for the eraser";
  const lines = [
    `request ${view.id}: ${progress}`,
    `  received ${view.received_at} from ${view.credential}, ${view.recipients} recipient(s), accounts: ${view.accounts}`,
    `  erased ${view.events_erased} event(s); ${view.batches_found} raw batch(es) held them, ${view.batches_rewritten} rewritten (${view.records_removed} record(s) removed)`,
  ];
  if (view.last_error) lines.push(`  last error (retried): ${view.last_error}`);
  if (view.recipient_hashes) lines.push(...view.recipient_hashes.map((hash) => `  recipient ${hash}`));
  return lines.join("\n");
}

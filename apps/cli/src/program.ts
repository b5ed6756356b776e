import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { registerAlertCommands } from "./alerts.ts";
import { type ConnectionFlags, dataDirOf, resolveConnection } from "./connection.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, configError, EXIT } from "./errors.ts";
import { DEFAULT_EVENT_COLUMNS, EVENT_FILTERS, type EventFilter, searchEvents } from "./events.ts";
import { defaultFormat, OUTPUT_FORMATS, type OutputFormat, parseColumns, writeText } from "./output.ts";
import { listRejections, REJECTION_COLUMNS } from "./rejections.ts";
import { sendBatches } from "./send.ts";
import { normalizeApiUrl, SPARKPOST_API_URLS } from "./sparkpost-hosts.ts";
import type { SparkPostAccount } from "./sparkpost-webhooks.ts";
import { pickWebhookAuth, WEBHOOK_AUTH_MODES, type WebhookAuthMode } from "./webhook-auth.ts";
import { connect, describeConnect, describeStatus, disconnect, webhookStatus } from "./webhook-commands.ts";

const EXIT_CODES_HELP = `
Exit codes: 0 done · 1 unexpected failure · 2 bad arguments · 3 missing configuration (URL, key, credentials)
            4 refused by a server (4xx) · 5 server unavailable after retries (5xx, 429, network)
            6 done, but some items failed · 130 interrupted (Ctrl-C; backfill resumes where it stopped)`;

const kebab = (name: string) => name.replaceAll("_", "-");
const camel = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

function positiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError("must be a positive integer");
  return number;
}

function nonNegativeInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError("must be an integer ≥ 0");
  return number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const formatOption = () =>
  new Option("--format <format>", "output: table (default on a terminal), json, ndjson, csv").choices(OUTPUT_FORMATS);
const authOption = () =>
  new Option("--auth <mode>", "webhook auth: basic, oauth2 or none (default: whichever credentials are known)").choices(
    WEBHOOK_AUTH_MODES,
  );

function sparkPostOptions(command: Command): Command {
  return command
    .option("--sparkpost-api-key <key>", "SparkPost API key (default: $SPARKPOST_API_KEY)")
    .addOption(new Option("--region <region>", "SparkPost region").choices(["us", "eu"]).default("us"))
    .option("--sparkpost-api-url <url>", "SparkPost API host, overriding --region (default: $SPARKPOST_API_URL)")
    .option(
      "--subaccount <id>",
      "act for this subaccount (X-MSYS-SUBACCOUNT; 0 = primary account only)",
      nonNegativeInt,
    );
}

interface SparkPostFlags {
  sparkpostApiKey?: string;
  region: "us" | "eu";
  sparkpostApiUrl?: string;
  subaccount?: number;
}

function sparkPostApiUrl(flags: SparkPostFlags, env: NodeJS.ProcessEnv): string {
  return normalizeApiUrl(flags.sparkpostApiUrl ?? (env.SPARKPOST_API_URL?.trim() || SPARKPOST_API_URLS[flags.region]));
}

function sparkPostKey(flags: SparkPostFlags, env: NodeJS.ProcessEnv): string {
  const key = flags.sparkpostApiKey ?? (env.SPARKPOST_API_KEY?.trim() || undefined);
  if (!key) throw configError("no SparkPost API key: pass --sparkpost-api-key or set SPARKPOST_API_KEY");
  return key;
}

function account(flags: SparkPostFlags, env: NodeJS.ProcessEnv): SparkPostAccount {
  return { apiUrl: sparkPostApiUrl(flags, env), apiKey: sparkPostKey(flags, env), subaccount: flags.subaccount };
}

/** Builds the `msgevents` program; actions write to deps' streams and return through `exitCode`. */
export function buildProgram(deps: CliDeps, setExit: (code: number) => void): Command {
  const program = new Command("msgevents")
    .description("Connect SparkPost to a msgevents deployment, search its events, send, replay, redrive and backfill.")
    .option("--url <url>", "the deployment's base URL (default: $MSGEVENTS_URL, else the local stack in the data dir)")
    .option("--api-key <key>", "query API key (default: $MSGEVENTS_API_KEY, else the local stack's)")
    .option("--data-dir <dir>", "local data directory (default: $MSGEVENTS_DATA_DIR, else ./.msgevents)")
    .option(
      "--webhook-username <name>",
      "webhook Basic user (default: $MSGEVENTS_WEBHOOK_USERNAME, else the local stack's)",
    )
    .option(
      "--webhook-password <password>",
      "webhook Basic password (default: $MSGEVENTS_WEBHOOK_PASSWORD, else the local stack's)",
    )
    .option(
      "--oauth-client-id <id>",
      "webhook OAuth2 client (default: $MSGEVENTS_OAUTH_CLIENT_ID, else the local stack's)",
    )
    .option(
      "--oauth-client-secret <secret>",
      "webhook OAuth2 secret (default: $MSGEVENTS_OAUTH_CLIENT_SECRET, else the local stack's)",
    )
    .showHelpAfterError("(add --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  msgevents send                                  post SparkPost's sample of every event type to the local stack
  msgevents events --events bounce --from 2026-11-30T00:00:00Z
  msgevents connect --sparkpost-api-key $KEY --url https://events.example.com
  msgevents backfill --from 2026-11-21T00:00:00Z --to 2026-12-01T00:00:00Z
${EXIT_CODES_HELP}`,
    );
  program.configureOutput({
    writeOut: (text) => deps.stdout.write(text),
    writeErr: (text) => deps.stderr.write(text),
  });
  program.exitOverride();

  const connection = (command: Command) => resolveConnection(command.optsWithGlobals<ConnectionFlags>(), deps);
  // replay and redrive work on the data dir or AWS alone: no running deployment is needed.
  const dataDir = (command: Command) => dataDirOf(command.optsWithGlobals<ConnectionFlags>(), deps);
  const format = (value: OutputFormat | undefined) => value ?? defaultFormat(deps.stdout);
  const print = (text: string) => writeText(deps.stdout, `${text}\n`);

  const events = program
    .command("events")
    .description("search events (SparkPost's Events API: every filter is a flag; lists are comma-separated)")
    .option("--from <time>", "inclusive start, ISO 8601 (default: 24 hours ago)")
    .option("--to <time>", "exclusive end, ISO 8601 (default: 1 minute ago)")
    .option("--per-page <n>", "events per page, 1-10000", positiveInt)
    .option("--delimiter <text>", "list separator in filter values (default ,)")
    .addOption(formatOption())
    .option("--columns <fields>", `fields for table and csv (default ${DEFAULT_EVENT_COLUMNS.join(",")})`)
    .option("--all", "follow every page (streams: constant memory)", false)
    .option("--progress", "show a progress bar even when stderr is not a terminal")
    .addHelpText(
      "after",
      `
Examples:
  msgevents events --recipients alice@example.com --from 2026-11-01T00:00:00Z
  msgevents events --campaigns blackfriday --events click,open --format csv > clicks.csv
  msgevents events --all --format ndjson --from 2026-11-01T00:00:00Z > november.ndjson
  msgevents events --rcpt-meta plan=pro --columns timestamp,type,rcpt_to,rcpt_meta`,
    );
  for (const filter of EVENT_FILTERS) events.option(`--${kebab(filter)} <list>`, filter);
  events.action(async (options: Record<string, unknown>, command: Command) => {
    const filters: Partial<Record<EventFilter, string>> = {};
    for (const filter of EVENT_FILTERS) {
      const value = options[camel(filter)];
      if (typeof value === "string") filters[filter] = value;
    }
    await searchEvents(
      await connection(command),
      {
        from: options.from as string | undefined,
        to: options.to as string | undefined,
        perPage: options.perPage as number | undefined,
        delimiter: options.delimiter as string | undefined,
        filters,
        all: options.all === true,
        format: format(options.format as OutputFormat | undefined),
        columns: options.columns ? parseColumns(options.columns as string) : DEFAULT_EVENT_COLUMNS,
        progress: options.progress as boolean | undefined,
      },
      deps,
    );
    if (deps.signal.aborted) setExit(EXIT.interrupted);
  });

  program
    .command("rejections")
    .description("records the loader refused, newest batch first, with the reason for each")
    .option("--from <time>", "inclusive start, ISO 8601 (default: 7 days ago)")
    .option("--to <time>", "exclusive end, ISO 8601 (default: now)")
    .option("--per-page <n>", "records per page, 1-1000", positiveInt)
    .addOption(formatOption())
    .option("--all", "follow every page", false)
    .addHelpText(
      "after",
      "\nExamples:\n  msgevents rejections\n  msgevents rejections --all --format csv > rejected.csv",
    )
    .action(async (options, command: Command) => {
      await listRejections(
        await connection(command),
        { ...options, format: format(options.format), columns: REJECTION_COLUMNS, all: options.all === true },
        deps,
      );
    });

  program
    .command("send")
    .description(
      "post a webhook batch as SparkPost would (its samples of all 27 event types, or files) and show the receipt",
    )
    .argument("[files...]", "batch files (JSON arrays of webhook records) to post as they are")
    .option("--types <list>", "only these sample event types (comma-separated)")
    .addOption(authOption())
    .option("--batch-id <id>", "X-MessageSystems-Batch-ID to send (default: a random one)")
    .option("--keep-timestamps", "post the samples with their 2016 timestamps instead of two minutes ago")
    .option("--target <url>", "post here instead of <url>/webhooks/sparkpost")
    .addHelpText(
      "after",
      `
Examples:
  msgevents send                                  all 27 sample events, timestamped two minutes ago
  msgevents send --types bounce,delivery --auth oauth2
  msgevents send batch.json --batch-id 3f2a… --url https://events.example.com`,
    )
    .action(async (files: string[], options, command: Command) => {
      const resolved = await connection(command);
      await sendBatches(
        resolved,
        {
          files,
          types: options.types ? String(options.types).split(",").filter(Boolean) : undefined,
          auth: pickWebhookAuth(resolved, options.auth as WebhookAuthMode | undefined),
          batchId: options.batchId,
          keepTimestamps: options.keepTimestamps === true,
          target: options.target,
        },
        deps,
      );
    });

  const backfillCommand = program
    .command("backfill")
    .description("pull events from a SparkPost Events API and deliver them through the webhook endpoint (resumable)")
    .requiredOption("--from <time>", "inclusive start, ISO 8601 (SparkPost keeps 10 days)")
    .requiredOption("--to <time>", "exclusive end, ISO 8601")
    .option("--api-url <url>", "Events API to read (default: SparkPost in --region; any drop-in works)")
    .option("--events <list>", "only these event types")
    .option("--per-page <n>", "events per source page, 1-10000", positiveInt, 1000)
    .option("--max-batch-bytes <n>", "largest webhook batch to post", positiveInt, 3 * 1024 * 1024)
    .addOption(authOption())
    .option("--state-file <file>", "where the position is kept (default: <data dir>/backfill/<range hash>.json)")
    .option("--restart", "start from the first page even if a state file says otherwise", false)
    .option("--progress", "show a progress bar even when stderr is not a terminal")
    .addHelpText(
      "after",
      `
Delivers every event of the range as webhook batches (ids derived from their content), so events that also came
by webhook are stored once. Ctrl-C (or a failure) keeps the position: run the same command again to resume.

Examples:
  SPARKPOST_API_KEY=… msgevents backfill --from 2026-11-21T00:00:00Z --to 2026-12-01T00:00:00Z
  msgevents backfill --region eu --from 2026-11-30T00:00:00Z --to 2026-12-01T00:00:00Z --url https://events.example.com`,
    );
  sparkPostOptions(backfillCommand).action(async (options, command: Command) => {
    const resolved = await connection(command);
    // Commands that load the AWS SDK or the event model are imported when run, so every other command starts fast.
    const { backfill, describeBackfill } = await import("./backfill.ts");
    const summary = await backfill(
      resolved,
      {
        apiUrl: options.apiUrl ?? sparkPostApiUrl(options, deps.env),
        sourceApiKey: sparkPostKey(options, deps.env),
        from: options.from,
        to: options.to,
        events: options.events,
        perPage: options.perPage,
        maxBatchBytes: options.maxBatchBytes,
        auth: pickWebhookAuth(resolved, options.auth as WebhookAuthMode | undefined),
        stateFile: options.stateFile,
        restart: options.restart === true,
        progress: options.progress,
      },
      deps,
    );
    await print(describeBackfill(summary));
  });

  const connectCommand = program
    .command("connect")
    .description("register (or update in place) the SparkPost webhook that points at this deployment")
    .option("--name <name>", "webhook name shown in SparkPost (max 24 characters)", "msgevents")
    .addOption(
      new Option("--auth <mode>", "how SparkPost authenticates: basic or oauth2 (our token endpoint)").choices([
        "basic",
        "oauth2",
      ]),
    )
    .option("--target <url>", "the public URL SparkPost posts to (default: <url>/webhooks/sparkpost)")
    .addHelpText(
      "after",
      `
Subscribes to every event type, with msgevents' own webhook credentials. Webhooks are matched by exact target URL;
the account's other webhooks are never touched. SparkPost test-posts to the target on create and on a target change,
and refuses when the deployment does not answer 200: run msgevents send first to check it end to end.

Examples:
  SPARKPOST_API_KEY=… msgevents connect --url https://events.example.com
  msgevents connect --region eu --subaccount 12 --auth oauth2`,
    );
  sparkPostOptions(connectCommand).action(async (options, command: Command) => {
    const resolved = await connection(command);
    const auth = options.auth ?? pickWebhookAuth(resolved, undefined);
    if (auth === "none")
      throw configError("connect needs webhook credentials: SparkPost must authenticate to msgevents");
    const result = await connect(
      resolved,
      { account: account(options, deps.env), name: options.name, auth, target: options.target },
      deps,
    );
    await print(describeConnect(result));
  });

  const disconnectCommand = program
    .command("disconnect")
    .description("delete the SparkPost webhook(s) whose target is exactly this deployment's")
    .option("--target <url>", "the target URL to remove (default: <url>/webhooks/sparkpost)")
    .addHelpText("after", "\nExamples:\n  msgevents disconnect --url https://events.example.com");
  sparkPostOptions(disconnectCommand).action(async (options, command: Command) => {
    const removed = await disconnect(
      await connection(command),
      { account: account(options, deps.env), target: options.target },
      deps,
    );
    await print(
      removed.length === 0 ? "no webhook pointed at this deployment" : `deleted webhook(s) ${removed.join(", ")}`,
    );
  });

  const webhook = program.command("webhook").description("the SparkPost webhook of this deployment");
  const statusCommand = webhook
    .command("status")
    .description("the webhook, its last batches and failed batches (24 h) beside the deployment's own figures")
    .option("--target <url>", "the target URL (default: <url>/webhooks/sparkpost)")
    .addOption(new Option("--format <format>", "text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      "\nExamples:\n  msgevents webhook status\n  msgevents webhook status --format json --url https://events.example.com",
    );
  sparkPostOptions(statusCommand).action(async (options, command: Command) => {
    const status = await webhookStatus(
      await connection(command),
      { account: account(options, deps.env), target: options.target },
      deps,
    );
    await print(options.format === "json" ? JSON.stringify(status, null, 2) : describeStatus(status));
  });

  program
    .command("replay")
    .description("load stored batches again, by time range or batch id (idempotent: a replay never doubles)")
    .option("--from <time>", "first receipt day to replay, ISO 8601")
    .option("--to <time>", "last receipt day (default: now)")
    .option(
      "--batch-id <id>",
      "only this batch (repeatable); searched over the last 30 days without --from",
      collect,
      [],
    )
    .option(
      "--queue-url <url>",
      "AWS: the loader's SQS queue (default: $MSGEVENTS_SQS_QUEUE_URL); without it, the local stack",
    )
    .option("--bucket <name>", "AWS: the batch bucket (default: $MSGEVENTS_S3_BUCKET)")
    .option("--region <region>", "AWS region (default: $AWS_REGION)")
    .option("--dry-run", "list the batches without replaying them", false)
    .addHelpText(
      "after",
      `
Locally the batches go to the running stack's queue; in AWS each becomes the S3 notification the loader's queue
receives. AWS credentials come from the SDK's standard chain (AWS_PROFILE, SSO, environment).

Examples:
  msgevents replay --from 2026-11-30T00:00:00Z --to 2026-11-30T23:59:59Z
  msgevents replay --batch-id 032d330540298f54f0e8bcc1373f3cfd
  msgevents replay --from 2026-11-30T00:00:00Z --queue-url https://sqs.eu-west-1.amazonaws.com/1234/msgevents-loader --bucket msgevents-batches`,
    )
    .action(async (options, command: Command) => {
      const { replay } = await import("./replay.ts");
      const summary = await replay(dataDir(command), { ...options, batchIds: options.batchId }, deps);
      const verb = options.dryRun
        ? "would replay"
        : summary.mode === "local"
          ? "handed to the local stack's loader"
          : "sent to the loader's queue";
      await print(
        `${summary.batches.length} batch(es) ${verb}${summary.batches.length > 0 ? `:\n  ${summary.batches.join("\n  ")}` : ""}`,
      );
      if (summary.missing.length > 0) {
        deps.stderr.write(`not found in the range: ${summary.missing.join(", ")} (widen it with --from/--to)\n`);
        setExit(EXIT.partial);
      }
    });

  program
    .command("redrive")
    .description("show why each dead-lettered batch failed, then move them back to be loaded again")
    .option(
      "--dlq-url <url>",
      "AWS: the loader's dead-letter queue (default: $MSGEVENTS_SQS_DLQ_URL); without it, the local stack",
    )
    .option("--queue-url <url>", "AWS: the queue to move them back to (default: $MSGEVENTS_SQS_QUEUE_URL)")
    .option("--region <region>", "AWS region (default: $AWS_REGION)")
    .option("--max <n>", "AWS: move at most this many messages", positiveInt)
    .option("--dry-run", "only show the dead letters and why", false)
    .addHelpText(
      "after",
      `
Examples:
  msgevents redrive --dry-run
  msgevents redrive
  msgevents redrive --dlq-url https://sqs…/msgevents-loader-dlq --queue-url https://sqs…/msgevents-loader`,
    )
    .action(async (options, command: Command) => {
      const { describeRedrive, redrive } = await import("./redrive.ts");
      const summary = await redrive(dataDir(command), options, deps);
      await print(describeRedrive(summary, options.dryRun));
    });

  registerAlertCommands(program, deps, connection);
  return program;
}

/** Runs one command line; returns the exit code instead of exiting, so tests run it in process. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(deps, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" ||
        error.code === "commander.help" ||
        error.code === "commander.version"
        ? EXIT.ok
        : EXIT.usage;
    }
    if (error instanceof CliError) {
      deps.stderr.write(`msgevents: ${error.message}\n`);
      return error.exitCode;
    }
    if (deps.signal.aborted) {
      deps.stderr.write("msgevents: interrupted\n");
      return EXIT.interrupted;
    }
    deps.stderr.write(`msgevents: ${(error as Error).message ?? String(error)}\n`);
    return EXIT.failed;
  }
}

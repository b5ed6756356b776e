import { Command, CommanderError, Option } from "commander";
import { registerAlertCommands } from "./alerts.ts";
import { type ConnectionFlags, dataDirOf, type ResolveOptions, resolveConnection } from "./connection.ts";
import { CREDENTIAL_NAMES, type CredentialName, showCredentials } from "./credentials.ts";
import type { CliDeps } from "./deps.ts";
import { CliError, configError, EXIT, usageError } from "./errors.ts";
import { eventFields } from "./event-fields.ts";
import { DEFAULT_EVENT_COLUMNS, EVENT_FILTERS, type EventFilter, searchEvents } from "./events.ts";
import { registerForget } from "./forget.ts";
import { apiTime, checkNames, checkNotEmpty, integerIn, parseEventTypes, parseList, parseRange } from "./input.ts";
import { openWebApp } from "./open-web-app.ts";
import { defaultFormat, OUTPUT_FORMATS, type OutputFormat, parseColumns, writeText } from "./output.ts";
import { listRejections, REJECTION_COLUMNS } from "./rejections.ts";
import { describeSend, sendBatches } from "./send.ts";
import { normalizeApiUrl, SPARKPOST_API_URLS } from "./sparkpost-hosts.ts";
import type { SparkPostAccount } from "./sparkpost-webhooks.ts";
import { registerStatusCommand } from "./status.ts";
import { pickWebhookAuth, WEBHOOK_AUTH_MODES, type WebhookAuthMode } from "./webhook-auth.ts";
import { connect, describeConnect, describeStatus, disconnect, webhookStatus } from "./webhook-commands.ts";

const EXIT_CODES_HELP = `
Exit codes: 0 done · 1 unexpected failure · 2 bad arguments · 3 missing configuration (URL, key, credentials)
            4 refused by a server (4xx) · 5 server unavailable after retries (5xx, 429, network)
            6 done, but some items failed · 130 interrupted (Ctrl-C; backfill resumes where it stopped)`;

const kebab = (name: string) => name.replaceAll("_", "-");
const camel = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Rows a table shows when no --per-page is given: a screenful, not the API's 1,000. */
const TABLE_ROWS = 25;
/** Filters whose values are integers (the Events API refuses anything else). */
const INTEGER_FILTERS: ReadonlySet<EventFilter> = new Set(["bounce_classes", "subaccounts", "ab_test_versions"]);

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
      integerIn("--subaccount", 0, 2_147_483_647),
    );
}

interface SparkPostFlags {
  sparkpostApiKey?: string;
  region: "us" | "eu";
  sparkpostApiUrl?: string;
  subaccount?: number;
}

/** Filter values checked as the Events API would check them: no empty item, known event types, integers. */
function checkedFilters(options: Record<string, unknown>): Partial<Record<EventFilter, string>> {
  const delimiter = typeof options.delimiter === "string" ? options.delimiter : ",";
  const filters: Partial<Record<EventFilter, string>> = {};
  for (const filter of EVENT_FILTERS) {
    const value = options[camel(filter)];
    if (typeof value !== "string") continue;
    const flag = `--${kebab(filter)}`;
    const items = filter === "events" ? parseEventTypes(value, flag, delimiter) : parseList(value, flag, delimiter);
    if (INTEGER_FILTERS.has(filter)) {
      for (const item of items)
        if (!/^\d+$/.test(item)) throw usageError(`${flag}: ${JSON.stringify(item)} is not a whole number`);
    }
    if (filter === "rcpt_meta") {
      for (const item of items) {
        if (item.indexOf("=") <= 0) throw usageError(`${flag}: ${JSON.stringify(item)} is not key=value`);
      }
    }
    filters[filter] = items.join(delimiter);
  }
  return filters;
}

const timeOf = (date: Date | undefined) => (date ? apiTime(date) : undefined);

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
    .addHelpText(
      "after",
      `
Examples:
  msgevents send                                  post SparkPost's sample of every event type to the local stack
  msgevents send --generate 10000 --days 7        post a week of realistic traffic
  msgevents events --events bounce --from 2026-11-30
  msgevents credentials                           the local stack's API key and webhook credentials
  msgevents open                                  the web app, signed in
  msgevents connect --sparkpost-api-key $KEY --url https://events.example.com
  msgevents backfill --from 2026-11-21 --to 2026-12-01

Times: YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, with Z or an offset (+02:00); UTC when none.
${EXIT_CODES_HELP}`,
    );
  program.configureOutput({
    writeOut: (text) => deps.stdout.write(text),
    writeErr: (text) => deps.stderr.write(text),
    // Usage errors are written by runCli as one `msgevents: …` line, not commander's `error: …` lines.
    outputError: () => {},
  });
  program.exitOverride();
  // An empty value (--recipients "") is refused before anything runs, instead of being dropped silently.
  program.hook("preAction", (_program, action) => {
    checkNotEmpty(action.optsWithGlobals(), (name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  });

  const connection = (command: Command, options?: ResolveOptions) =>
    resolveConnection(command.optsWithGlobals<ConnectionFlags>(), deps, options);
  // replay and redrive work on the data dir or AWS alone: no running deployment is needed.
  const dataDir = (command: Command) => dataDirOf(command.optsWithGlobals<ConnectionFlags>(), deps);
  const format = (value: OutputFormat | undefined) => value ?? defaultFormat(deps.stdout);
  const print = (text: string) => writeText(deps.stdout, `${text}\n`);

  const events = program
    .command("events")
    .description("search events (SparkPost's Events API: every filter is a flag; lists are comma-separated)")
    .option("--from <time>", "inclusive start (default: 24 hours ago)")
    .option("--to <time>", "exclusive end (default: 1 minute ago)")
    .option(
      "--per-page <n>",
      `events per page, 1-10000 (default: ${TABLE_ROWS} in a table, else 1000)`,
      integerIn("--per-page", 1, 10_000),
    )
    .option("--delimiter <text>", "list separator in filter values (default ,)")
    .addOption(formatOption())
    .option("--columns <fields>", `fields for table and csv (default ${DEFAULT_EVENT_COLUMNS.join(",")})`)
    .option("--all", "follow every page (streams: constant memory)", false)
    .option("--progress", "show a progress bar even when stderr is not a terminal")
    .addHelpText(
      "after",
      `
Examples:
  msgevents events --recipients alice@example.com --from 2026-11-01
  msgevents events --campaigns blackfriday --events click,open --format csv > clicks.csv
  msgevents events --all --format ndjson --from 2026-11-01 --to 2026-12-01 > november.ndjson
  msgevents events --rcpt-meta plan=pro --columns timestamp,type,rcpt_to,rcpt_meta`,
    );
  for (const filter of EVENT_FILTERS) events.option(`--${kebab(filter)} <list>`, filter);
  events.action(async (options: Record<string, unknown>, command: Command) => {
    const range = parseRange(options.from as string | undefined, options.to as string | undefined);
    const filters = checkedFilters(options);
    const columns = options.columns ? parseColumns(options.columns as string) : DEFAULT_EVENT_COLUMNS;
    checkNames(columns, eventFields(), "--columns", "a field of the Events API's results");
    const chosen = format(options.format as OutputFormat | undefined);
    const all = options.all === true;
    await searchEvents(
      await connection(command),
      {
        from: timeOf(range.from),
        to: timeOf(range.to),
        perPage: (options.perPage as number | undefined) ?? (chosen === "table" && !all ? TABLE_ROWS : undefined),
        delimiter: options.delimiter as string | undefined,
        filters,
        all,
        format: chosen,
        columns,
        progress: options.progress as boolean | undefined,
      },
      deps,
    );
    if (deps.signal.aborted) setExit(EXIT.interrupted);
  });

  program
    .command("rejections")
    .description("records the loader refused, newest batch first, with the reason for each")
    .option("--from <time>", "inclusive start (default: 7 days ago)")
    .option("--to <time>", "exclusive end (default: now)")
    .option("--per-page <n>", "records per page, 1-1000", integerIn("--per-page", 1, 1000))
    .addOption(formatOption())
    .option("--all", "follow every page", false)
    .addHelpText(
      "after",
      "\nExamples:\n  msgevents rejections\n  msgevents rejections --all --format csv > rejected.csv",
    )
    .action(async (options, command: Command) => {
      const range = parseRange(options.from, options.to);
      const chosen = format(options.format);
      const all = options.all === true;
      await listRejections(
        await connection(command),
        {
          from: timeOf(range.from),
          to: timeOf(range.to),
          perPage: options.perPage ?? (chosen === "table" && !all ? TABLE_ROWS : undefined),
          format: chosen,
          columns: REJECTION_COLUMNS,
          all,
        },
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
    .option(
      "--generate <n>",
      "post n events of realistic generated traffic instead",
      integerIn("--generate", 1, 10_000_000),
    )
    .option("--days <d>", "with --generate: spread over the last d days (default 1)", integerIn("--days", 1, 3650))
    .option(
      "--batch-size <n>",
      "with --generate: events per webhook batch (default 1000)",
      integerIn("--batch-size", 1, 10_000),
    )
    .option(
      "--seed <n>",
      "with --generate: the same seed gives the same events (default: random)",
      integerIn("--seed", 0, 2 ** 31),
    )
    .option(
      "--wait <seconds>",
      "wait this long for the loader's outcome (0: report what was received)",
      integerIn("--wait", 0, 86_400),
    )
    .option("--progress", "show a progress bar even when stderr is not a terminal")
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
  msgevents send --generate 100000 --days 7      a week of realistic traffic, with events/s
  msgevents send batch.json --batch-id 3f2a… --url https://events.example.com

Then waits for the loader and reports what it stored, found already stored and rejected.`,
    )
    .action(async (files: string[], options, command: Command) => {
      const types = options.types ? parseEventTypes(options.types, "--types") : undefined;
      const generate = options.generate as number | undefined;
      for (const flag of ["days", "batchSize", "seed"] as const) {
        if (options[flag] !== undefined && generate === undefined) {
          throw usageError(`--${kebab(flag.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))} goes with --generate`);
        }
      }
      const resolved = await connection(command);
      const summary = await sendBatches(
        resolved,
        {
          files,
          types,
          generate:
            generate === undefined
              ? undefined
              : { count: generate, days: options.days ?? 1, batchSize: options.batchSize ?? 1000, seed: options.seed },
          auth: pickWebhookAuth(resolved, options.auth as WebhookAuthMode | undefined),
          batchId: options.batchId,
          keepTimestamps: options.keepTimestamps === true,
          target: options.target,
          // Long enough for the loader to work through generated traffic at a few thousand events a second.
          waitSeconds: options.wait ?? (generate ? 60 + Math.ceil(generate / 1000) : 60),
          progress: options.progress,
        },
        deps,
      );
      for (const line of describeSend(summary, generate !== undefined)) await print(line);
      if (summary.totals.failedBatches.length > 0) setExit(EXIT.partial);
      if (deps.signal.aborted) setExit(EXIT.interrupted);
    });

  const backfillCommand = program
    .command("backfill")
    .description("pull events from a SparkPost Events API and deliver them through the webhook endpoint (resumable)")
    .requiredOption("--from <time>", "inclusive start (SparkPost keeps 10 days)")
    .requiredOption("--to <time>", "exclusive end")
    .option("--api-url <url>", "Events API to read (default: SparkPost in --region; any drop-in works)")
    .option("--events <list>", "only these event types")
    .option("--per-page <n>", "events per source page, 1-10000", integerIn("--per-page", 1, 10_000), 1000)
    .option(
      "--max-batch-bytes <n>",
      "largest webhook batch to post",
      integerIn("--max-batch-bytes", 1024, 100 * 1024 * 1024),
      3 * 1024 * 1024,
    )
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
  SPARKPOST_API_KEY=… msgevents backfill --from 2026-11-21 --to 2026-12-01
  msgevents backfill --region eu --from 2026-11-30T00:00Z --to 2026-12-01T00:00Z --url https://events.example.com`,
    );
  sparkPostOptions(backfillCommand).action(async (options, command: Command) => {
    parseRange(options.from, options.to);
    const events = options.events ? parseEventTypes(options.events, "--events").join(",") : undefined;
    if (options.apiUrl !== undefined) normalizeApiUrl(options.apiUrl);
    const sourceApiKey = sparkPostKey(options, deps.env);
    const resolved = await connection(command);
    // Commands that load the AWS SDK or the event model are imported when run, so every other command starts fast.
    const { backfill, describeBackfill } = await import("./backfill.ts");
    const summary = await backfill(
      resolved,
      {
        apiUrl: options.apiUrl ?? sparkPostApiUrl(options, deps.env),
        sourceApiKey,
        from: options.from,
        to: options.to,
        events,
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
      await connection(command, { stack: "optional" }),
      { account: account(options, deps.env), target: options.target },
      deps,
    );
    await print(
      removed.length === 0 ? "no webhook pointed at this deployment" : `deleted webhook(s) ${removed.join(", ")}`,
    );
  });

  registerStatusCommand(program, connection, deps, setExit);

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
    // Without a SparkPost key the deployment's own figures are still worth showing.
    const hasKey = Boolean(options.sparkpostApiKey ?? deps.env.SPARKPOST_API_KEY?.trim());
    const status = await webhookStatus(
      await connection(command, { stack: "optional" }),
      { account: hasKey ? account(options, deps.env) : undefined, target: options.target },
      deps,
    );
    await print(options.format === "json" ? JSON.stringify(status, null, 2) : describeStatus(status));
  });

  program
    .command("replay")
    .description("load stored batches again, by time range or batch id (idempotent: a replay never doubles)")
    .option("--from <time>", "first receipt day to replay")
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
    .option("--force", "load batches already loaded again, adding only what is missing (local stack)", false)
    .addHelpText(
      "after",
      `
Locally the CLI runs the loader against the running stack's database and reports, batch by batch, what was loaded,
skipped as already loaded (--force loads those again: after a fix, say) and failed. In AWS each batch becomes the S3
notification the loader's queue receives. AWS credentials come from the SDK's standard chain (AWS_PROFILE, SSO,
environment).

Examples:
  msgevents replay --from 2026-11-30 --to 2026-11-30
  msgevents replay --from 2026-11-30 --force
  msgevents replay --batch-id 032d330540298f54f0e8bcc1373f3cfd
  msgevents replay --from 2026-11-30 --queue-url https://sqs.eu-west-1.amazonaws.com/1234/msgevents-loader --bucket msgevents-batches`,
    )
    .action(async (options, command: Command) => {
      const { describeReplay, replay } = await import("./replay.ts");
      const summary = await replay(
        dataDir(command),
        { ...options, batchIds: options.batchId, force: options.force === true },
        deps,
      );
      await print(describeReplay(summary, { dryRun: options.dryRun === true, force: options.force === true }));
      if ((summary.loaded?.failed.length ?? 0) > 0) setExit(EXIT.partial);
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
    .option("--max <n>", "AWS: move at most this many messages", integerIn("--max", 1, 1_000_000))
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

  program
    .command("credentials")
    .description("print the local stack's API key and webhook credentials (only when asked: never in its output)")
    .addArgument(new Command().createArgument("[name]", `print this one alone: ${CREDENTIAL_NAMES.join(", ")}`))
    .addOption(new Option("--format <format>", "text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `
Examples:
  msgevents credentials                           every credential, labelled
  curl -H "Authorization: $(msgevents credentials api-key)" http://127.0.0.1:3000/api/v1/events/message`,
    )
    .action(async (name: string | undefined, options, command: Command) => {
      if (name !== undefined) checkNames([name], CREDENTIAL_NAMES, "credentials", "a credential name");
      const flags = command.optsWithGlobals<ConnectionFlags>();
      if (flags.url !== undefined || deps.env.MSGEVENTS_URL?.trim()) {
        throw usageError(
          "credentials prints the local stack's, from its data directory; for AWS: pulumi stack output apiKey --show-secrets",
        );
      }
      const resolved = await connection(command, { stack: "optional" });
      await print(showCredentials(resolved, name as CredentialName | undefined, options.format));
    });

  program
    .command("open")
    .description("open the web app in the browser, signed in with the API key (handed over in the URL fragment)")
    .option("--print", "print the signed-in URL instead of opening a browser (it holds the key: do not share it)")
    .addHelpText(
      "after",
      '\nExamples:\n  msgevents open\n  msgevents open --url https://events.example.com --api-key "$KEY"',
    )
    .action(async (options, command: Command) => {
      await print(await openWebApp(await connection(command), { print: options.print === true }, deps));
    });

  registerForget(program, { deps, connection, sparkPostOptions, account, print });
  registerAlertCommands(program, deps, connection);
  return program;
}

/** A commander error as one line: `unknown option '--x' (did you mean --y?)`. */
function usageLine(error: CommanderError): string {
  return error.message
    .replace(/^error: /, "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ")
    .replace("(Did you mean", "(did you mean");
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
      if (["commander.helpDisplayed", "commander.help", "commander.version"].includes(error.code)) return EXIT.ok;
      deps.stderr.write(`msgevents: ${usageLine(error)} (see --help)\n`);
      return EXIT.usage;
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

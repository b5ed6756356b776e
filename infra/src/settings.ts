import path from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { type AlertSettings, readAlertSettings } from "./alert-settings.ts";
import { assertBodyLimitDeliverable } from "./body-limit.ts";
import { DEFAULT_AUTOSCALING_CEILING_GB } from "./components/database.ts";
import { INSTANCE_CLASS_MEMORY_GIB } from "./connections.ts";

/** Every value the program reads from the stack configuration (namespace `msgevents`), with its default filled in. */
export interface Settings {
  /** The repository root: bundles are read from `<root>/packages/*\/dist`, migrations from `packages/schema`. */
  sourceRoot: string;
  /** Build the bundles (`pnpm exec turbo run build` at the repository root) before reading them. */
  build: boolean;
  database: DatabaseSettings;
  /** Days of events kept (daily partitions dropped by the maintenance function); 0 keeps everything. */
  retentionDays: number;
  /**
   * Reserve concurrency for the query (its `queryReservedConcurrency`) and maintenance (1) functions. Off, an account
   * whose Lambda concurrency quota is below the reservations + 100 can still deploy; the account's quota then caps
   * the query function instead (the connection budget counts it).
   */
  reservedConcurrency: boolean;
  loader: LoaderSettings;
  query: QuerySettings;
  /**
   * Largest webhook body ingest accepts (larger ones get 413). Unset: ingest's own Lambda default, the largest body
   * the platform can deliver at all.
   */
  maxBodyBytes: number | undefined;
  api: ApiSettings;
  archive: ArchiveSettings;
  logRetentionDays: number;
  alarms: AlarmSettings;
  /** Availability zones holding an ENI of the Secrets Manager interface endpoint (each costs $0.01/h). */
  secretsEndpointAzCount: 1 | 2;
  /** Zone ids of the two subnets, when the operator pins them; otherwise the pre-flight chooses (src/zones.ts). */
  availabilityZoneIds: [string, string] | undefined;
  /** A bastion reachable only through SSM Session Manager, for psql and the CLI against the private database. */
  bastion: boolean;
  credentials: CredentialSettings;
  alerts: AlertSettings;
}

export interface DatabaseSettings {
  instanceClass: string;
  allocatedStorageGb: number;
  /** Upper bound for RDS storage autoscaling; 0 turns autoscaling off. */
  maxAllocatedStorageGb: number;
  backupRetentionDays: number;
  /** RDS deletion protection and Pulumi's `protect`: neither a destroy nor a replacement can delete the instance. */
  deletionProtection: boolean;
  finalSnapshot: boolean;
  multiAz: boolean;
}

export interface LoaderSettings {
  /** The event source mapping's maximum concurrency (SQS accepts 2–1000). */
  maxConcurrency: number;
  poolMax: number;
  timeoutSeconds: number;
  batchSize: number;
  maxReceiveCount: number;
}

export interface QuerySettings {
  reservedConcurrency: number;
  poolMax: number;
  statementTimeoutMs: number;
}

export interface ApiSettings {
  throttleRatePerSecond: number;
  throttleBurst: number;
  customDomain: { domainName: string; certificateArn: string } | undefined;
}

export interface ArchiveSettings {
  /** Days after which raw batches move to `transitionStorageClass`; 0 keeps them in S3 Standard. */
  transitionDays: number;
  transitionStorageClass: string;
  /** Days after which raw batches are deleted; 0 keeps them forever. */
  expirationDays: number;
  /** Days a deleted or overwritten batch stays recoverable as a noncurrent version. */
  noncurrentVersionDays: number;
  /** Lets `pulumi destroy` empty and delete the bucket; false also keeps Pulumi's `protect` on it. */
  forceDestroy: boolean;
}

export interface AlarmSettings {
  /** Addresses subscribed to the alarm topic (AWS e-mails each a confirmation link first). */
  emails: string[];
  /** An HTTPS endpoint subscribed to the topic (an incident tool that confirms SNS subscriptions). */
  httpsEndpoint: string | undefined;
  /** Alarm when no webhook request arrived for this many hours; 0 turns the alarm off (quiet senders). */
  noWebhookTrafficHours: number;
  /** Alarm when the database's free storage will run out within this many days at the current rate. */
  storageDaysLeft: number;
  /** Alarm when the API's p99 latency stays above this many milliseconds for 15 minutes. */
  apiLatencyP99Ms: number;
}

/** Credentials the user set with `pulumi config set --secret`; the ones left unset are generated. */
export interface CredentialSettings {
  webhookUsername: pulumi.Output<string> | undefined;
  webhookPassword: pulumi.Output<string> | undefined;
  oauthClientId: pulumi.Output<string> | undefined;
  oauthClientSecret: pulumi.Output<string> | undefined;
  apiKey: pulumi.Output<string> | undefined;
  cursorSecret: pulumi.Output<string> | undefined;
  /** The key of erased recipients' keyed hashes (packages/erasure); generated when unset. */
  recipientHashSecret: pulumi.Output<string> | undefined;
}

export const ARCHIVE_STORAGE_CLASSES = ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"] as const;
/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy); anything else is refused at deploy time. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** The query function's timeout: API Gateway stops waiting at 30 s. */
export const QUERY_FUNCTION_TIMEOUT_SECONDS = 29;
/** Time the query function needs besides the statement: a cold connection (IAM token, TLS), the answer's JSON. */
export const QUERY_TIMEOUT_MARGIN_MS = 4000;
/** RDS refuses a storage autoscaling ceiling less than 10% above the allocated storage. */
export const AUTOSCALING_MIN_HEADROOM_PERCENT = 10;

/** Every key of the `msgevents` namespace; any other key is a typo and fails the deploy instead of being ignored. */
export const SETTING_KEYS = [
  "sourceRoot",
  "build",
  "dbInstanceClass",
  "dbAllocatedStorageGb",
  "dbMaxAllocatedStorageGb",
  "dbBackupRetentionDays",
  "dbDeletionProtection",
  "dbFinalSnapshot",
  "dbMultiAz",
  "retentionDays",
  "lambdaReservedConcurrency",
  "loaderMaxConcurrency",
  "loaderPoolMax",
  "loaderTimeoutSeconds",
  "loaderBatchSize",
  "loaderMaxReceiveCount",
  "queryReservedConcurrency",
  "queryPoolMax",
  "queryTimeoutMs",
  "maxBodyBytes",
  "apiThrottleRatePerSecond",
  "apiThrottleBurst",
  "domainName",
  "certificateArn",
  "archiveTransitionDays",
  "archiveTransitionStorageClass",
  "archiveExpirationDays",
  "archiveNoncurrentVersionDays",
  "archiveForceDestroy",
  "logRetentionDays",
  "alarmEmail",
  "alarmHttpsEndpoint",
  "alarmNoWebhookTrafficHours",
  "alarmStorageDaysLeft",
  "alarmApiLatencyP99Ms",
  "secretsEndpointAzCount",
  "availabilityZoneIds",
  "bastion",
  "webhookUsername",
  "webhookPassword",
  "oauthClientId",
  "oauthClientSecret",
  "apiKey",
  "cursorSecret",
  "recipientHashSecret",
  "alertSchedule",
  "alertSparkPostApiKey",
  "alertSparkPostApiUrl",
  "alertEmailFrom",
  "alertSigningKey",
] as const;

/** The shortest value each function accepts for a credential (their env.ts), so a deploy never ships one they refuse. */
const CREDENTIAL_MIN_LENGTHS = {
  webhookUsername: 1,
  webhookPassword: 1,
  oauthClientId: 1,
  oauthClientSecret: 16,
  apiKey: 8,
  cursorSecret: 16,
  recipientHashSecret: 16,
} as const;

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Reads the stack configuration once; a value out of range fails `pulumi preview` with a sentence naming the key. */
export function readSettings(config = new pulumi.Config("msgevents")): Settings {
  refuseUnknownKeys(config.name);
  const read = reader(config);
  const database = readDatabase(read);
  const retentionDays = read.int("retentionDays", 0, 36_500, 0);
  const maxBodyBytes = read.optionalInt("maxBodyBytes", 1024, Number.MAX_SAFE_INTEGER);
  if (maxBodyBytes !== undefined) assertBodyLimitDeliverable(maxBodyBytes);
  return {
    sourceRoot: path.resolve(config.get("sourceRoot") ?? repositoryRoot),
    build: read.bool("build", true),
    database,
    retentionDays,
    reservedConcurrency: read.bool("lambdaReservedConcurrency", true),
    loader: {
      maxConcurrency: read.int("loaderMaxConcurrency", 2, 1000, 5),
      poolMax: read.int("loaderPoolMax", 1, 20, 2),
      timeoutSeconds: read.int("loaderTimeoutSeconds", 10, 900, 120),
      batchSize: read.int("loaderBatchSize", 1, 10, 10),
      maxReceiveCount: read.int("loaderMaxReceiveCount", 1, 1000, 5),
    },
    query: {
      reservedConcurrency: read.int("queryReservedConcurrency", 1, 1000, 10),
      poolMax: read.int("queryPoolMax", 1, 20, 2),
      statementTimeoutMs: read.int(
        "queryTimeoutMs",
        1000,
        QUERY_FUNCTION_TIMEOUT_SECONDS * 1000 - QUERY_TIMEOUT_MARGIN_MS,
        15_000,
        `the query function stops after ${QUERY_FUNCTION_TIMEOUT_SECONDS} s and needs ${QUERY_TIMEOUT_MARGIN_MS / 1000} s of it to connect and answer`,
      ),
    },
    maxBodyBytes,
    api: readApi(read, config),
    archive: readArchive(read, config, retentionDays),
    logRetentionDays: readLogRetention(read),
    alarms: readAlarms(read, config),
    secretsEndpointAzCount: read.int("secretsEndpointAzCount", 1, 2, 1) === 2 ? 2 : 1,
    availabilityZoneIds: readZoneIds(config),
    bastion: read.bool("bastion", false),
    credentials: readCredentials(config),
    alerts: readAlertSettings(config),
  };
}

type Reader = ReturnType<typeof reader>;

function reader(config: pulumi.Config) {
  const key = (name: string) => `${config.name}:${name}`;
  const wholeNumber = (name: string, min: number, max: number, why?: string): number | undefined => {
    const text = config.get(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(
        `${key(name)} must be a whole number from ${min} to ${max}${why ? ` (${why})` : ""}; got ${JSON.stringify(text)}.`,
      );
    }
    return value;
  };
  return {
    key,
    text: (name: string) => config.get(name),
    int: (name: string, min: number, max: number, fallback: number, why?: string) =>
      wholeNumber(name, min, max, why) ?? fallback,
    optionalInt: wholeNumber,
    bool: (name: string, fallback: boolean): boolean => {
      const text = config.get(name);
      if (text === undefined) return fallback;
      if (text !== "true" && text !== "false")
        throw new Error(`${key(name)} must be true or false; got ${JSON.stringify(text)}.`);
      return text === "true";
    },
  };
}

/** A key this program does not read is a typo (`alarmEmial`): say so instead of deploying without it. */
function refuseUnknownKeys(namespace: string): void {
  const known = new Set<string>(SETTING_KEYS);
  const unknown = Object.keys(pulumi.runtime.allConfig())
    .filter((key) => key.startsWith(`${namespace}:`))
    .map((key) => key.slice(namespace.length + 1))
    .filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown setting${unknown.length > 1 ? "s" : ""} ${unknown.map((name) => `${namespace}:${name}`).join(", ")}: ` +
        "infra/README.md lists every key (`pulumi config rm` removes one).",
    );
  }
}

function readDatabase(read: Reader): DatabaseSettings {
  const classes = Object.keys(INSTANCE_CLASS_MEMORY_GIB);
  const instanceClass = read.text("dbInstanceClass") ?? "db.t4g.micro";
  if (!classes.includes(instanceClass)) {
    throw new Error(
      `${read.key("dbInstanceClass")} must be one of ${classes.join(", ")} (the classes infra/src/connections.ts can budget connections for); got ${instanceClass}.`,
    );
  }
  const allocatedStorageGb = read.int("dbAllocatedStorageGb", 20, 65_536, 20);
  const minimumCeiling = Math.ceil((allocatedStorageGb * (100 + AUTOSCALING_MIN_HEADROOM_PERCENT)) / 100);
  const maxAllocatedStorageGb = read.int(
    "dbMaxAllocatedStorageGb",
    0,
    65_536,
    // 100 GB (about 60 million events), or twice the allocated storage when that is more.
    Math.max(DEFAULT_AUTOSCALING_CEILING_GB, 2 * allocatedStorageGb),
  );
  if (maxAllocatedStorageGb !== 0 && maxAllocatedStorageGb < minimumCeiling) {
    throw new Error(
      `${read.key("dbMaxAllocatedStorageGb")} (${maxAllocatedStorageGb}) must be at least ${minimumCeiling}, 10% above ` +
        `${read.key("dbAllocatedStorageGb")} (${allocatedStorageGb}) as RDS requires, or 0 to turn storage autoscaling off.`,
    );
  }
  return {
    instanceClass,
    allocatedStorageGb,
    maxAllocatedStorageGb,
    backupRetentionDays: read.int("dbBackupRetentionDays", 1, 35, 7),
    deletionProtection: read.bool("dbDeletionProtection", true),
    finalSnapshot: read.bool("dbFinalSnapshot", true),
    multiAz: read.bool("dbMultiAz", false),
  };
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;

function readApi(read: Reader, config: pulumi.Config): ApiSettings {
  const domainName = config.get("domainName");
  const certificateArn = config.get("certificateArn");
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error(
      `${read.key("domainName")} and ${read.key("certificateArn")} go together: set both (an ACM certificate in the stack's region covering the domain) or neither.`,
    );
  }
  if (domainName !== undefined && !HOSTNAME.test(domainName)) {
    throw new Error(`${read.key("domainName")} must be a host name such as events.example.com; got ${domainName}.`);
  }
  if (certificateArn !== undefined && !CERTIFICATE_ARN.test(certificateArn)) {
    throw new Error(
      `${read.key("certificateArn")} must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); got ${certificateArn}.`,
    );
  }
  return {
    throttleRatePerSecond: read.int(
      "apiThrottleRatePerSecond",
      1,
      10_000,
      50,
      "the account's default API Gateway quota",
    ),
    throttleBurst: read.int("apiThrottleBurst", 1, 5000, 100, "the account's default API Gateway quota"),
    customDomain: domainName !== undefined && certificateArn !== undefined ? { domainName, certificateArn } : undefined,
  };
}

function readArchive(read: Reader, config: pulumi.Config, retentionDays: number): ArchiveSettings {
  const transitionStorageClass = config.get("archiveTransitionStorageClass") ?? "STANDARD_IA";
  if (!(ARCHIVE_STORAGE_CLASSES as readonly string[]).includes(transitionStorageClass)) {
    throw new Error(
      `${read.key("archiveTransitionStorageClass")} must be one of ${ARCHIVE_STORAGE_CLASSES.join(", ")}; got ${transitionStorageClass}.`,
    );
  }
  const transitionDays = read.int("archiveTransitionDays", 0, 36_500, 30);
  const expirationDays = read.int("archiveExpirationDays", 0, 36_500, 0);
  if (transitionDays > 0 && transitionDays < 30 && transitionStorageClass.endsWith("_IA")) {
    throw new Error(
      `S3 moves objects to ${transitionStorageClass} no sooner than 30 days after creation: set ${read.key("archiveTransitionDays")} to 30 or more (or 0 to keep batches in S3 Standard).`,
    );
  }
  if (expirationDays > 0 && transitionDays > 0 && expirationDays <= transitionDays) {
    throw new Error(
      `${read.key("archiveExpirationDays")} (${expirationDays}) must be later than ${read.key("archiveTransitionDays")} (${transitionDays}), or 0 to keep batches.`,
    );
  }
  if (expirationDays > 0 && retentionDays > 0 && expirationDays < retentionDays) {
    throw new Error(
      `${read.key("archiveExpirationDays")} (${expirationDays}) would delete raw batches before the database drops their events ` +
        `(${read.key("retentionDays")} ${retentionDays}): they are the source of every replay, so keep them at least as long.`,
    );
  }
  return {
    transitionDays,
    transitionStorageClass,
    expirationDays,
    noncurrentVersionDays: read.int("archiveNoncurrentVersionDays", 1, 3650, 30),
    forceDestroy: read.bool("archiveForceDestroy", false),
  };
}

function readLogRetention(read: Reader): number {
  const days = read.int("logRetentionDays", 1, 3653, 30);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
    throw new Error(
      `${read.key("logRetentionDays")} must be one of the periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}; got ${days}.`,
    );
  }
  return days;
}

const EMAIL = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;

function readAlarms(read: Reader, config: pulumi.Config): AlarmSettings {
  const emails = (config.get("alarmEmail") ?? "")
    .split(",")
    .map((address) => address.trim())
    .filter((address) => address !== "");
  for (const address of emails) {
    if (!EMAIL.test(address)) {
      throw new Error(
        `${read.key("alarmEmail")} must be e-mail addresses separated by commas; ${JSON.stringify(address)} is not one.`,
      );
    }
  }
  if (new Set(emails).size !== emails.length) throw new Error(`${read.key("alarmEmail")} lists an address twice.`);
  const httpsEndpoint = config.get("alarmHttpsEndpoint");
  if (httpsEndpoint !== undefined && !isHttpsUrl(httpsEndpoint)) {
    throw new Error(
      `${read.key("alarmHttpsEndpoint")} must be an https:// URL that confirms SNS subscriptions (e.g. an incident tool's SNS integration URL).`,
    );
  }
  return {
    emails,
    httpsEndpoint,
    // CloudWatch evaluates at most 7 days of hourly periods.
    noWebhookTrafficHours: read.int("alarmNoWebhookTrafficHours", 0, 168, 0, "0 turns the alarm off"),
    storageDaysLeft: read.int("alarmStorageDaysLeft", 1, 90, 14),
    apiLatencyP99Ms: read.int("alarmApiLatencyP99Ms", 100, 30_000, 10_000, "API Gateway stops at 30 s"),
  };
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}

/** Zone ids such as use1-az1 or euw1-az3: stable across accounts, unlike names (us-east-1a differs per account). */
const ZONE_ID = /^[a-z]+[0-9]+-az[0-9]+$/;

function readZoneIds(config: pulumi.Config): [string, string] | undefined {
  const text = config.get("availabilityZoneIds");
  if (text === undefined) return undefined;
  const ids = text.split(",").map((id) => id.trim());
  const [first, second] = ids;
  if (
    ids.length !== 2 ||
    first === undefined ||
    second === undefined ||
    first === second ||
    !ids.every((id) => ZONE_ID.test(id))
  ) {
    throw new Error(
      `${config.name}:availabilityZoneIds must be two different zone ids separated by a comma (e.g. use1-az1,use1-az2); got ${JSON.stringify(text)}.`,
    );
  }
  return [first, second];
}

function readCredentials(config: pulumi.Config): CredentialSettings {
  for (const [name, min] of Object.entries(CREDENTIAL_MIN_LENGTHS)) {
    // The raw value, read only to measure it: it never reaches a message or a log.
    const value = pulumi.runtime.getConfig(`${config.name}:${name}`);
    if (value !== undefined && value.length < min) {
      throw new Error(
        `${config.name}:${name} must be at least ${min} characters (the function that reads it refuses shorter ones); set it with \`pulumi config set --secret\`.`,
      );
    }
  }
  return {
    webhookUsername: config.getSecret("webhookUsername"),
    webhookPassword: config.getSecret("webhookPassword"),
    oauthClientId: config.getSecret("oauthClientId"),
    oauthClientSecret: config.getSecret("oauthClientSecret"),
    apiKey: config.getSecret("apiKey"),
    cursorSecret: config.getSecret("cursorSecret"),
    recipientHashSecret: config.getSecret("recipientHashSecret"),
  };
}

import path from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { type AlertSettings, readAlertSettings } from "./alert-settings.ts";

/** Every value the program reads from the stack configuration (namespace `msgevents`), with its default filled in. */
export interface Settings {
  /** The repository root: bundles are read from `<root>/packages/*\/dist`, migrations from `packages/schema`. */
  sourceRoot: string;
  /** Run `pnpm build` at the repository root before reading the bundles. */
  build: boolean;
  database: DatabaseSettings;
  /** Days of events kept (daily partitions dropped by the maintenance function); 0 keeps everything. */
  retentionDays: number;
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
  alarmEmail: string | undefined;
  /** Availability zones holding an ENI of the Secrets Manager interface endpoint (each costs $0.01/h). */
  secretsEndpointAzCount: 1 | 2;
  credentials: CredentialSettings;
  alerts: AlertSettings;
}

export interface DatabaseSettings {
  instanceClass: string;
  allocatedStorageGb: number;
  /** Upper bound for RDS storage autoscaling; 0 turns autoscaling off. */
  maxAllocatedStorageGb: number;
  backupRetentionDays: number;
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
  forceDestroy: boolean;
}

/** Credentials the user set with `pulumi config set --secret`; the ones left unset are generated. */
export interface CredentialSettings {
  webhookUsername: pulumi.Output<string> | undefined;
  webhookPassword: pulumi.Output<string> | undefined;
  oauthClientId: pulumi.Output<string> | undefined;
  oauthClientSecret: pulumi.Output<string> | undefined;
  apiKey: pulumi.Output<string> | undefined;
  cursorSecret: pulumi.Output<string> | undefined;
}

export const ARCHIVE_STORAGE_CLASSES = ["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"] as const;

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Reads the stack configuration once; a value out of range fails `pulumi up` with a sentence naming the key. */
export function readSettings(config = new pulumi.Config("msgevents")): Settings {
  const domainName = config.get("domainName");
  const certificateArn = config.get("certificateArn");
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error(
      "msgevents:domainName and msgevents:certificateArn go together: set both (an ACM certificate in the stack's region covering the domain) or neither.",
    );
  }
  const transitionStorageClass = config.get("archiveTransitionStorageClass") ?? "STANDARD_IA";
  if (!(ARCHIVE_STORAGE_CLASSES as readonly string[]).includes(transitionStorageClass)) {
    throw new Error(
      `msgevents:archiveTransitionStorageClass must be one of ${ARCHIVE_STORAGE_CLASSES.join(", ")}; got ${transitionStorageClass}.`,
    );
  }
  const transitionDays = config.getNumber("archiveTransitionDays", { min: 0 }) ?? 30;
  const expirationDays = config.getNumber("archiveExpirationDays", { min: 0 }) ?? 0;
  if (transitionDays > 0 && transitionDays < 30 && transitionStorageClass.endsWith("_IA")) {
    throw new Error(
      `S3 moves objects to ${transitionStorageClass} no sooner than 30 days after creation: set msgevents:archiveTransitionDays to 30 or more (or 0 to keep batches in S3 Standard).`,
    );
  }
  if (expirationDays > 0 && transitionDays > 0 && expirationDays <= transitionDays) {
    throw new Error(
      `msgevents:archiveExpirationDays (${expirationDays}) must be later than msgevents:archiveTransitionDays (${transitionDays}), or 0 to keep batches.`,
    );
  }
  const secretsEndpointAzCount = config.getNumber("secretsEndpointAzCount", { min: 1, max: 2 }) ?? 1;
  return {
    sourceRoot: path.resolve(config.get("sourceRoot") ?? repositoryRoot),
    build: config.getBoolean("build") ?? true,
    database: {
      instanceClass: config.get("dbInstanceClass", { pattern: /^db\.[a-z0-9-]+\.[a-z0-9]+$/ }) ?? "db.t4g.micro",
      allocatedStorageGb: config.getNumber("dbAllocatedStorageGb", { min: 20, max: 65_536 }) ?? 20,
      maxAllocatedStorageGb: config.getNumber("dbMaxAllocatedStorageGb", { min: 0, max: 65_536 }) ?? 0,
      backupRetentionDays: config.getNumber("dbBackupRetentionDays", { min: 1, max: 35 }) ?? 7,
      deletionProtection: config.getBoolean("dbDeletionProtection") ?? true,
      finalSnapshot: config.getBoolean("dbFinalSnapshot") ?? true,
      multiAz: config.getBoolean("dbMultiAz") ?? false,
    },
    retentionDays: config.getNumber("retentionDays", { min: 0 }) ?? 0,
    loader: {
      maxConcurrency: config.getNumber("loaderMaxConcurrency", { min: 2, max: 1000 }) ?? 5,
      poolMax: config.getNumber("loaderPoolMax", { min: 1, max: 20 }) ?? 2,
      timeoutSeconds: config.getNumber("loaderTimeoutSeconds", { min: 10, max: 900 }) ?? 120,
      batchSize: config.getNumber("loaderBatchSize", { min: 1, max: 10 }) ?? 10,
      maxReceiveCount: config.getNumber("loaderMaxReceiveCount", { min: 1, max: 1000 }) ?? 5,
    },
    query: {
      reservedConcurrency: config.getNumber("queryReservedConcurrency", { min: 1, max: 1000 }) ?? 10,
      poolMax: config.getNumber("queryPoolMax", { min: 1, max: 20 }) ?? 2,
      statementTimeoutMs: config.getNumber("queryTimeoutMs", { min: 1000, max: 28_000 }) ?? 15_000,
    },
    maxBodyBytes: config.getNumber("maxBodyBytes", { min: 1024 }),
    api: {
      throttleRatePerSecond: config.getNumber("apiThrottleRatePerSecond", { min: 1 }) ?? 50,
      throttleBurst: config.getNumber("apiThrottleBurst", { min: 1 }) ?? 100,
      customDomain:
        domainName !== undefined && certificateArn !== undefined ? { domainName, certificateArn } : undefined,
    },
    archive: {
      transitionDays,
      transitionStorageClass,
      expirationDays,
      forceDestroy: config.getBoolean("archiveForceDestroy") ?? false,
    },
    logRetentionDays: config.getNumber("logRetentionDays", { min: 1 }) ?? 30,
    alarmEmail: config.get("alarmEmail"),
    secretsEndpointAzCount: secretsEndpointAzCount === 2 ? 2 : 1,
    credentials: {
      webhookUsername: config.getSecret("webhookUsername"),
      webhookPassword: config.getSecret("webhookPassword"),
      oauthClientId: config.getSecret("oauthClientId"),
      oauthClientSecret: config.getSecret("oauthClientSecret"),
      apiKey: config.getSecret("apiKey"),
      cursorSecret: config.getSecret("cursorSecret"),
    },
    alerts: readAlertSettings(config),
  };
}

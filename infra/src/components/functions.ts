import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Bundle, FunctionName } from "../bundles.ts";
import { readRecipientSecret, withStatements } from "../erasure-policies.ts";
import type { Reservations } from "../lambda-quota.ts";
import {
  databaseUserArn,
  ingestPolicy,
  loaderPolicy,
  maintenancePolicy,
  migratorPolicy,
  queryPolicy,
} from "../policies.ts";
import { QUERY_FUNCTION_TIMEOUT_SECONDS } from "../settings.ts";
import { BATCH_PREFIX } from "./batch-archive.ts";
import { BundledFunction } from "./bundled-function.ts";
import type { VpcFunction } from "./network.ts";

/**
 * The query function's V8 flags: a larger young generation, so that more of a 1,000-event page's short-lived objects
 * die young instead of being promoted. Each full collection adds 40-60 ms of marking to the search it lands in; over
 * the 5M bench's timed searches (packages/query's bench, which runs with the same flag, as does the local stack) the
 * flag cut them from 56 to 33. 64 MB semi-spaces take at most 192 MB of the function's 1,024.
 */
export const QUERY_NODE_OPTIONS = "--max-semi-space-size=64";

/** Login roles the migrator creates (CONTRACTS.md); each function connects as its own, through IAM authentication. */
export const DATABASE_USERS = {
  loader: "msgevents_loader",
  query: "msgevents_query",
  maintenance: "msgevents_maintenance",
  eraser: "msgevents_eraser",
} as const;

/** The alias API routes, the event source mapping and the schedule invoke; it moves only after a migration succeeded. */
export const LIVE_ALIAS = "live";
/** The RDS CA bundle shipped in the Lambda Node.js runtime. */
export const RDS_CA_BUNDLE = "/var/runtime/ca-cert.pem";
/**
 * The migrator's timeout: Lambda's maximum, so the migrator's own lock_timeout and statement_timeout (set in
 * packages/migrator) end a stuck migration first, with a message, and the parameter group's
 * client_connection_check_interval makes PostgreSQL roll back within seconds if the function is killed anyway.
 */
export const MIGRATOR_TIMEOUT_SECONDS = 900;

export interface FunctionsArgs {
  bundles: Record<FunctionName, Bundle>;
  /** hashDirectory of the schema's migrations: a change re-runs the migrator. */
  migrationsHash: string;
  partition: string;
  region: string;
  accountId: string;
  network: {
    subnetIds: pulumi.Input<string>[];
    securityGroupIds: Record<VpcFunction, pulumi.Input<string>>;
    ready: pulumi.Resource[];
  };
  database: {
    address: pulumi.Input<string>;
    port: pulumi.Input<number>;
    name: string;
    resourceId: pulumi.Input<string>;
    masterSecretArn: pulumi.Input<string>;
    instance: pulumi.Resource;
  };
  archive: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string>; queueArn: pulumi.Input<string> };
  secrets: { webhookSecretArn: pulumi.Input<string>; apiSecretArn: pulumi.Input<string> };
  /** The recipient-hash key (erasure), read by the loader (suppression) and query (requests). */
  recipientSecretArn: pulumi.Input<string>;
  /** Unset leaves ingest's default: whatever the platform delivers. */
  maxBodyBytes: number | undefined;
  retentionDays: number;
  loader: { poolMax: number; timeoutSeconds: number };
  query: { poolMax: number; statementTimeoutMs: number };
  /** Reserved concurrency per function, or none (msgevents:lambdaReservedConcurrency false). */
  reservations: Reservations | undefined;
  logRetentionDays: number;
}

/**
 * The five functions, the migration that runs before any of them takes traffic, and the `live` aliases that carry
 * the traffic. Order on every `pulumi up`: new versions are published (nothing invokes them yet) → the migrator's new
 * version is invoked → only if it succeeded do the aliases move to the new versions. A failing migration fails the
 * deploy and leaves every alias on the version that was serving.
 */
export class Functions extends pulumi.ComponentResource {
  readonly ingest: BundledFunction;
  readonly loader: BundledFunction;
  readonly query: BundledFunction;
  readonly maintenance: BundledFunction;
  readonly migrator: BundledFunction;
  readonly migration: aws.lambda.Invocation;
  readonly live: Record<"ingest" | "loader" | "query" | "maintenance", aws.lambda.Alias>;
  /** How the eraser (components/erasure.ts) logs in: its connection variables and its IAM database user. */
  readonly eraserDatabase: { environment: Record<string, pulumi.Input<string>>; userArn: pulumi.Output<string> };

  constructor(name: string, args: FunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Functions", name, {}, opts);
    const parent = { parent: this };
    const common = { logRetentionDays: args.logRetentionDays };
    const inVpc = (fn: VpcFunction) => ({
      vpc: { subnetIds: args.network.subnetIds, securityGroupId: args.network.securityGroupIds[fn] },
      dependsOn: args.network.ready,
    });
    const db = args.database;
    const connection = {
      MSGEVENTS_DB_HOST: db.address,
      MSGEVENTS_DB_PORT: pulumi.output(db.port).apply(String),
      MSGEVENTS_DB_NAME: db.name,
      MSGEVENTS_DB_SSL: "true",
      NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE,
    };
    const iamLogin = (user: string) => ({ ...connection, MSGEVENTS_DB_USER: user, MSGEVENTS_DB_IAM_AUTH: "true" });
    const userArn = (user: string) =>
      pulumi.output(db.resourceId).apply((dbiResourceId) =>
        databaseUserArn({
          partition: args.partition,
          region: args.region,
          accountId: args.accountId,
          dbiResourceId,
          user,
        }),
      );

    this.ingest = new BundledFunction(
      `${name}-ingest`,
      {
        ...common,
        bundle: args.bundles.ingest,
        publish: true,
        timeoutSeconds: 15,
        environment: {
          MSGEVENTS_S3_BUCKET: args.archive.bucketName,
          MSGEVENTS_WEBHOOK_SECRET_ARN: args.secrets.webhookSecretArn,
          MSGEVENTS_WEBHOOK_AUTH: "basic,oauth2",
          ...(args.maxBodyBytes !== undefined ? { MSGEVENTS_MAX_BODY_BYTES: String(args.maxBodyBytes) } : {}),
        },
        policy: (logGroupArn) =>
          pulumi
            .all([args.archive.bucketArn, args.secrets.webhookSecretArn])
            .apply(([bucketArn, webhookSecretArn]) =>
              ingestPolicy({ logGroupArn, bucketArn, batchPrefix: BATCH_PREFIX, webhookSecretArn }),
            ),
      },
      parent,
    );

    this.loader = new BundledFunction(
      `${name}-loader`,
      {
        ...common,
        ...inVpc("loader"),
        bundle: args.bundles.loader,
        publish: true,
        memoryMb: 1024,
        timeoutSeconds: args.loader.timeoutSeconds,
        environment: {
          ...iamLogin(DATABASE_USERS.loader),
          MSGEVENTS_S3_BUCKET: args.archive.bucketName,
          MSGEVENTS_LOADER_POOL_MAX: String(args.loader.poolMax),
          MSGEVENTS_RECIPIENT_SECRET_ARN: args.recipientSecretArn,
        },
        policy: (logGroupArn) =>
          pulumi
            .all([
              args.archive.bucketArn,
              args.archive.queueArn,
              userArn(DATABASE_USERS.loader),
              args.recipientSecretArn,
            ])
            .apply(([bucketArn, queueArn, databaseUser, recipientSecretArn]) =>
              withStatements(
                loaderPolicy({ logGroupArn, bucketArn, batchPrefix: BATCH_PREFIX, queueArn, databaseUser }),
                readRecipientSecret(recipientSecretArn),
              ),
            ),
      },
      parent,
    );

    this.query = new BundledFunction(
      `${name}-query`,
      {
        ...common,
        ...inVpc("query"),
        bundle: args.bundles.query,
        publish: true,
        memoryMb: 1024,
        // API Gateway gives up after 30 s; the statement timeout ends the search well before.
        timeoutSeconds: QUERY_FUNCTION_TIMEOUT_SECONDS,
        reservedConcurrency: args.reservations?.query,
        environment: {
          ...iamLogin(DATABASE_USERS.query),
          MSGEVENTS_API_SECRET_ARN: args.secrets.apiSecretArn,
          MSGEVENTS_DB_POOL_MAX: String(args.query.poolMax),
          MSGEVENTS_QUERY_TIMEOUT_MS: String(args.query.statementTimeoutMs),
          MSGEVENTS_RECIPIENT_SECRET_ARN: args.recipientSecretArn,
          NODE_OPTIONS: QUERY_NODE_OPTIONS,
        },
        policy: (logGroupArn) =>
          pulumi
            .all([args.secrets.apiSecretArn, userArn(DATABASE_USERS.query), args.recipientSecretArn])
            .apply(([apiSecretArn, databaseUser, recipientSecretArn]) =>
              withStatements(
                queryPolicy({ logGroupArn, apiSecretArn, databaseUser }),
                readRecipientSecret(recipientSecretArn),
              ),
            ),
      },
      parent,
    );

    this.maintenance = new BundledFunction(
      `${name}-maintenance`,
      {
        ...common,
        ...inVpc("maintenance"),
        bundle: args.bundles.maintenance,
        publish: true,
        memoryMb: 256,
        timeoutSeconds: 300,
        reservedConcurrency: args.reservations?.maintenance,
        environment: {
          ...iamLogin(DATABASE_USERS.maintenance),
          ...(args.retentionDays > 0 ? { MSGEVENTS_RETENTION_DAYS: String(args.retentionDays) } : {}),
        },
        policy: (logGroupArn) =>
          userArn(DATABASE_USERS.maintenance).apply((databaseUser) => maintenancePolicy({ logGroupArn, databaseUser })),
      },
      parent,
    );

    this.migrator = new BundledFunction(
      `${name}-migrator`,
      {
        ...common,
        ...inVpc("migrator"),
        bundle: args.bundles.migrator,
        publish: true,
        timeoutSeconds: MIGRATOR_TIMEOUT_SECONDS,
        environment: { ...connection, MSGEVENTS_DB_MASTER_SECRET_ARN: db.masterSecretArn },
        policy: (logGroupArn) =>
          pulumi
            .output(db.masterSecretArn)
            .apply((masterSecretArn) => migratorPolicy({ logGroupArn, masterSecretArn })),
      },
      parent,
    );

    const rerunWhen = { migrations: args.migrationsHash, migrator: args.bundles.migrator.hash };
    this.migration = new aws.lambda.Invocation(
      `${name}-migrate`,
      {
        functionName: this.migrator.function.name,
        qualifier: this.migrator.function.version,
        input: JSON.stringify({ source: "pulumi", ...rerunWhen }),
        triggers: rerunWhen,
      },
      { parent: this, dependsOn: [db.instance, ...args.network.ready] },
    );

    const moveAfterMigration = (key: string, fn: BundledFunction) =>
      new aws.lambda.Alias(
        `${name}-${key}-live`,
        { name: LIVE_ALIAS, functionName: fn.function.name, functionVersion: fn.function.version },
        { parent: this, dependsOn: [this.migration] },
      );
    this.live = {
      ingest: moveAfterMigration("ingest", this.ingest),
      loader: moveAfterMigration("loader", this.loader),
      query: moveAfterMigration("query", this.query),
      maintenance: moveAfterMigration("maintenance", this.maintenance),
    };
    this.eraserDatabase = { environment: iamLogin(DATABASE_USERS.eraser), userArn: userArn(DATABASE_USERS.eraser) };
    this.registerOutputs({ migration: this.migration.result });
  }
}

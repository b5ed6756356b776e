// msgevents on AWS. Deploys: a VPC with isolated subnets (S3 gateway endpoint, one Secrets Manager interface
// endpoint), RDS PostgreSQL (private, encrypted, TLS only, IAM authentication), the raw-batch bucket with its SQS
// queue and dead-letter queue, two app secrets, five Lambdas from the esbuild bundles (ingest, loader, query,
// migrator, maintenance), the schema migration that runs before traffic moves, an HTTP API with the six routes, the
// loader's SQS trigger, the hourly maintenance schedule, CloudWatch alarms into an SNS topic, and the alerts: an
// evaluator in the VPC every 5 minutes and a sender outside it, joined by an outbox bucket.
// See infra/README.md for configuration, costs and limits.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assertBodyLimitDeliverable } from "./src/body-limit.ts";
import { buildBundles, locateBundles, MIGRATIONS_DIRECTORY } from "./src/bundles.ts";
import { Alarms } from "./src/components/alarms.ts";
import { Alerts } from "./src/components/alerts.ts";
import { Api } from "./src/components/api.ts";
import { AppSecrets } from "./src/components/app-secrets.ts";
import { BatchArchive } from "./src/components/batch-archive.ts";
import { Database } from "./src/components/database.ts";
import { Functions } from "./src/components/functions.ts";
import { LoaderTrigger } from "./src/components/loader-trigger.ts";
import { Network } from "./src/components/network.ts";
import { Schedules } from "./src/components/schedules.ts";
import { assertConnectionBudget } from "./src/connections.ts";
import { readSettings } from "./src/settings.ts";
import { hashDirectory } from "./src/source-hash.ts";

const settings = readSettings();
assertConnectionBudget({
  instanceClass: settings.database.instanceClass,
  loaderMaxConcurrency: settings.loader.maxConcurrency,
  loaderPoolMax: settings.loader.poolMax,
  queryReservedConcurrency: settings.query.reservedConcurrency,
  queryPoolMax: settings.query.poolMax,
});
if (settings.maxBodyBytes !== undefined) assertBodyLimitDeliverable(settings.maxBodyBytes);
if (settings.build) buildBundles(settings.sourceRoot);
const bundles = locateBundles(settings.sourceRoot);
const migrationsHash = hashDirectory(`${settings.sourceRoot}/${MIGRATIONS_DIRECTORY}`);

const accountId = aws.getCallerIdentityOutput().accountId;
const region = aws.getRegionOutput().region;

const network = new Network("network", { secretsEndpointAzCount: settings.secretsEndpointAzCount });
const database = new Database("database", {
  subnetIds: network.subnetIds,
  securityGroupId: network.databaseSecurityGroupId,
  ...settings.database,
});
const archive = new BatchArchive("archive", {
  accountId,
  loaderTimeoutSeconds: settings.loader.timeoutSeconds,
  maxReceiveCount: settings.loader.maxReceiveCount,
  ...settings.archive,
});
const secrets = new AppSecrets("secrets", { credentials: settings.credentials });
const functions = new Functions("functions", {
  bundles,
  migrationsHash,
  region,
  accountId,
  network: { subnetIds: network.subnetIds, securityGroupIds: network.functionSecurityGroupIds, ready: network.ready },
  database: {
    address: database.address,
    port: database.port,
    name: database.name,
    resourceId: database.resourceId,
    masterSecretArn: database.masterSecretArn,
    instance: database.instance,
  },
  archive,
  secrets,
  maxBodyBytes: settings.maxBodyBytes,
  retentionDays: settings.retentionDays,
  loader: settings.loader,
  query: settings.query,
  logRetentionDays: settings.logRetentionDays,
});
new LoaderTrigger("loader-trigger", {
  queueArn: archive.queueArn,
  loader: functions.live.loader,
  batchSize: settings.loader.batchSize,
  maxConcurrency: settings.loader.maxConcurrency,
  dependsOn: [archive.notification, functions.migration],
});
const api = new Api("api", {
  targets: { ingest: functions.live.ingest, query: functions.live.query },
  throttleRatePerSecond: settings.api.throttleRatePerSecond,
  throttleBurst: settings.api.throttleBurst,
  logRetentionDays: settings.logRetentionDays,
  customDomain: settings.api.customDomain,
});
new Schedules("schedules", { maintenance: functions.live.maintenance });
const alerts = new Alerts("alerts", {
  bundles: { evaluator: bundles["alert-evaluator"], sender: bundles["alert-sender"] },
  region,
  accountId,
  network: {
    vpcId: network.vpcId,
    subnetIds: network.subnetIds,
    databaseSecurityGroupId: network.databaseSecurityGroupId,
    s3PrefixListId: network.s3PrefixListId,
    ready: network.ready,
  },
  database: {
    address: database.address,
    port: database.port,
    name: database.name,
    resourceId: database.resourceId,
  },
  migration: functions.migration,
  publicUrl: api.baseUrl,
  settings: settings.alerts,
  logRetentionDays: settings.logRetentionDays,
});
const alarms = new Alarms("alarms", {
  deadLetterQueueName: archive.deadLetterQueueName,
  queueName: archive.queueName,
  loaderFunctionName: functions.loader.function.name,
  accessLogGroupName: api.accessLogGroupName,
  apiId: api.apiId,
  databaseInstanceId: database.instanceId,
  databaseInstanceClass: settings.database.instanceClass,
  databaseAllocatedStorageGb: settings.database.allocatedStorageGb,
  email: settings.alarmEmail,
});

export const webhookUrl = pulumi.interpolate`${api.baseUrl}/webhooks/sparkpost`;
export const tokenUrl = pulumi.interpolate`${api.baseUrl}/oauth/token`;
export const eventsApiUrl = pulumi.interpolate`${api.baseUrl}/api/v1/events/message`;
export const webAppUrl = pulumi.interpolate`${api.baseUrl}/`;
export const alertsApiUrl = pulumi.interpolate`${api.baseUrl}/api/v1/alerts`;
export const alertOutboxBucketName = alerts.bucketName;
export const customDomainTarget = api.customDomainTarget;
export const bucketName = archive.bucketName;
export const queueName = archive.queueName;
export const deadLetterQueueName = archive.deadLetterQueueName;
export const alarmTopicArn = alarms.topicArn;
export const databaseEndpoint = database.address;
export const migrationResult = functions.migration.result;
// Secret outputs: shown only with `pulumi stack output --show-secrets`.
export const webhookUsername = secrets.webhookUsername;
export const webhookPassword = secrets.webhookPassword;
export const oauthClientId = secrets.oauthClientId;
export const oauthClientSecret = secrets.oauthClientSecret;
export const apiKey = secrets.apiKey;
export const alertSigningKey = alerts.signingKey;

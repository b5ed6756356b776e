// msgevents on AWS. Deploys: a VPC with isolated subnets (S3 gateway endpoint, one Secrets Manager interface
// endpoint, both with policies scoped to the stack), RDS PostgreSQL (private, encrypted, TLS only, IAM
// authentication, storage autoscaling, protected), the raw-batch bucket (versioned, protected) with its SQS queue and
// dead-letter queue, two app secrets, five Lambdas from the esbuild bundles (ingest, loader, query, migrator,
// maintenance), the schema migration that runs before traffic moves, an HTTP API with the routes, the loader's SQS
// trigger, the hourly maintenance schedule, CloudWatch alarms into an SNS topic, the eraser, the alerts (an evaluator
// in the VPC every 5 minutes and a sender outside it, joined by an outbox bucket), and optionally an SSM-only bastion.
// Before declaring anything it checks what the account and region must offer (src/preflight.ts).
// See infra/README.md for configuration, costs and limits.
import * as pulumi from "@pulumi/pulumi";
import { buildBundles, locateBundles, MIGRATIONS_DIRECTORY } from "./src/bundles.ts";
import { Alarms } from "./src/components/alarms.ts";
import { Alerts } from "./src/components/alerts.ts";
import { Api } from "./src/components/api.ts";
import { AppSecrets } from "./src/components/app-secrets.ts";
import { Bastion } from "./src/components/bastion.ts";
import { BATCH_PREFIX, BatchArchive } from "./src/components/batch-archive.ts";
import { Database } from "./src/components/database.ts";
import { EndpointPolicies } from "./src/components/endpoint-policies.ts";
import { Erasure, RecipientSecret } from "./src/components/erasure.ts";
import { Functions } from "./src/components/functions.ts";
import { LoaderTrigger } from "./src/components/loader-trigger.ts";
import { Network } from "./src/components/network.ts";
import { Schedules } from "./src/components/schedules.ts";
import { assertConnectionBudget } from "./src/connections.ts";
import { reservationsOf } from "./src/lambda-quota.ts";
import { preflight } from "./src/preflight.ts";
import { stackProvider } from "./src/provider.ts";
import { readSettings } from "./src/settings.ts";
import { hashDirectory } from "./src/source-hash.ts";

const settings = readSettings();
const provider = stackProvider();
const account = await preflight(settings, provider);
const reservations = reservationsOf(settings);
assertConnectionBudget({
  instanceClass: settings.database.instanceClass,
  loaderMaxConcurrency: settings.loader.maxConcurrency,
  loaderPoolMax: settings.loader.poolMax,
  // Unreserved, nothing but the account's quota caps the query function.
  queryReservedConcurrency: reservations?.query ?? account.lambdaConcurrencyQuota,
  queryPoolMax: settings.query.poolMax,
  queryCappedBy: reservations ? "reservation" : "account quota",
});
if (settings.build) buildBundles(settings.sourceRoot);
const bundles = locateBundles(settings.sourceRoot);
const migrationsHash = hashDirectory(`${settings.sourceRoot}/${MIGRATIONS_DIRECTORY}`);

const inStack: pulumi.ComponentResourceOptions = { providers: [provider] };

const network = new Network(
  "network",
  {
    zones: account.zones,
    region: account.region,
    endpointServicePrefix: account.endpointServicePrefix,
    secretsEndpointAzCount: settings.secretsEndpointAzCount,
  },
  inStack,
);
const database = new Database(
  "database",
  { subnetIds: network.subnetIds, securityGroupId: network.databaseSecurityGroupId, ...settings.database },
  inStack,
);
const archive = new BatchArchive(
  "archive",
  {
    accountId: account.accountId,
    loaderTimeoutSeconds: settings.loader.timeoutSeconds,
    maxReceiveCount: settings.loader.maxReceiveCount,
    ...settings.archive,
  },
  inStack,
);
const secrets = new AppSecrets("secrets", { credentials: settings.credentials }, inStack);
const recipientSecret = new RecipientSecret(
  "recipient-hash",
  { value: settings.credentials.recipientHashSecret },
  inStack,
);
const functions = new Functions(
  "functions",
  {
    bundles,
    migrationsHash,
    partition: account.partition,
    region: account.region,
    accountId: account.accountId,
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
    recipientSecretArn: recipientSecret.arn,
    maxBodyBytes: settings.maxBodyBytes,
    retentionDays: settings.retentionDays,
    loader: settings.loader,
    query: settings.query,
    reservations,
    logRetentionDays: settings.logRetentionDays,
  },
  inStack,
);
new LoaderTrigger(
  "loader-trigger",
  {
    queueArn: archive.queueArn,
    loader: functions.live.loader,
    batchSize: settings.loader.batchSize,
    maxConcurrency: settings.loader.maxConcurrency,
    dependsOn: [archive.notification, functions.migration],
  },
  inStack,
);
const api = new Api(
  "api",
  {
    targets: { ingest: functions.live.ingest, query: functions.live.query },
    throttleRatePerSecond: settings.api.throttleRatePerSecond,
    throttleBurst: settings.api.throttleBurst,
    logRetentionDays: settings.logRetentionDays,
    customDomain: settings.api.customDomain,
  },
  inStack,
);
new Schedules("schedules", { maintenance: functions.live.maintenance }, inStack);
const alarms = new Alarms(
  "alarms",
  {
    deadLetterQueueName: archive.deadLetterQueueName,
    queueName: archive.queueName,
    functionNames: {
      ingest: functions.ingest.function.name,
      loader: functions.loader.function.name,
      query: functions.query.function.name,
      maintenance: functions.maintenance.function.name,
    },
    maintenanceLogGroupName: functions.maintenance.logGroup.name,
    accessLogGroupName: api.accessLogGroupName,
    apiId: api.apiId,
    stageName: api.stageName,
    database: {
      instanceId: database.instanceId,
      instanceClass: settings.database.instanceClass,
      allocatedStorageGb: database.allocatedStorageGb,
      maxAllocatedStorageGb: settings.database.maxAllocatedStorageGb,
    },
    emails: settings.alarms.emails,
    httpsEndpoint: settings.alarms.httpsEndpoint,
    noWebhookTrafficHours: settings.alarms.noWebhookTrafficHours,
    storageDaysLeft: settings.alarms.storageDaysLeft,
    apiLatencyP99Ms: settings.alarms.apiLatencyP99Ms,
  },
  inStack,
);
// The batch bucket keeps versions (BatchArchive enables versioning): the eraser deletes a rewritten batch's noncurrent
// versions, and is granted s3:ListBucketVersions and s3:DeleteObjectVersion for it. Keep this in step with the bucket.
const ARCHIVE_VERSIONED = true;
const erasure = new Erasure(
  "erasure",
  {
    bundle: bundles.eraser,
    databaseEnvironment: functions.eraserDatabase.environment,
    databaseUserArn: functions.eraserDatabase.userArn,
    bucketName: archive.bucketName,
    bucketArn: archive.bucketArn,
    batchPrefix: BATCH_PREFIX,
    versioned: ARCHIVE_VERSIONED,
    recipientSecretArn: recipientSecret.arn,
    vpc: { subnetIds: network.subnetIds, securityGroupId: network.functionSecurityGroupIds.eraser },
    dependsOn: [...network.ready, functions.migration],
    logRetentionDays: settings.logRetentionDays,
    alarmTopicArn: alarms.topicArn,
  },
  inStack,
);
const alerts = new Alerts(
  "alerts",
  {
    bundles: { evaluator: bundles["alert-evaluator"], sender: bundles["alert-sender"] },
    partition: account.partition,
    region: account.region,
    accountId: account.accountId,
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
    reservedConcurrency: reservations?.alertEvaluator,
    settings: settings.alerts,
    logRetentionDays: settings.logRetentionDays,
    alarmTopicArn: alarms.topicArn,
  },
  inStack,
);
new EndpointPolicies(
  "endpoint-policies",
  {
    s3EndpointId: network.s3EndpointId,
    secretsEndpointId: network.secretsEndpointId,
    bucketArn: archive.bucketArn,
    batchPrefix: BATCH_PREFIX,
    loaderRoleArn: functions.loader.roleArn,
    eraser: { roleArn: erasure.eraser.roleArn, versioned: ARCHIVE_VERSIONED },
    alertEvaluator: { roleArn: alerts.evaluator.roleArn, bucketArn: alerts.bucketArn },
    secretReaders: [
      { secretArn: database.masterSecretArn, readerRoleArn: functions.migrator.roleArn },
      { secretArn: secrets.apiSecretArn, readerRoleArn: functions.query.roleArn },
      { secretArn: recipientSecret.arn, readerRoleArn: functions.loader.roleArn },
      { secretArn: recipientSecret.arn, readerRoleArn: functions.query.roleArn },
      { secretArn: recipientSecret.arn, readerRoleArn: erasure.eraser.roleArn },
    ],
  },
  inStack,
);
const bastionSubnet = network.subnets.find((subnet) => subnet.zone.id === account.bastionZone?.id);
const bastion = bastionSubnet
  ? new Bastion(
      "bastion",
      {
        vpcId: network.vpcId,
        subnetId: bastionSubnet.id,
        databaseSecurityGroupId: network.databaseSecurityGroupId,
        region: account.region,
        endpointServicePrefix: account.endpointServicePrefix,
      },
      inStack,
    )
  : undefined;

export const webhookUrl = pulumi.interpolate`${api.baseUrl}/webhooks/sparkpost`;
export const tokenUrl = pulumi.interpolate`${api.baseUrl}/oauth/token`;
export const eventsApiUrl = pulumi.interpolate`${api.baseUrl}/api/v1/events/message`;
export const webAppUrl = pulumi.interpolate`${api.baseUrl}/`;
export const alertsApiUrl = pulumi.interpolate`${api.baseUrl}/api/v1/alerts`;
export const alertOutboxBucketName = alerts.bucketName;
/** Where the custom domain's CNAME points; null without a custom domain. */
export const customDomainTarget = api.customDomainTarget;
export const bucketName = archive.bucketName;
export const queueName = archive.queueName;
export const deadLetterQueueName = archive.deadLetterQueueName;
export const alarmTopicArn = alarms.topicArn;
export const databaseEndpoint = database.address;
export const databaseMasterSecretArn = database.masterSecretArn;
/** The bastion's instance id for `aws ssm start-session`; null while msgevents:bastion is off. */
export const bastionInstanceId = bastion?.instanceId ?? null;
export const migrationResult = functions.migration.result;
// Secret outputs: shown only with `pulumi stack output --show-secrets`.
export const webhookUsername = secrets.webhookUsername;
export const webhookPassword = secrets.webhookPassword;
export const oauthClientId = secrets.oauthClientId;
export const oauthClientSecret = secrets.oauthClientSecret;
export const apiKey = secrets.apiKey;
export const alertSigningKey = alerts.signingKey;

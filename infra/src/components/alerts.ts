import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type AlertSettings, LONGEST_ALERT_INTERVAL_MINUTES } from "../alert-settings.ts";
import type { Bundle } from "../bundles.ts";
import { ALERT_EVALUATOR_CONNECTIONS } from "../connections.ts";
import { alertEvaluatorPolicy, alertSenderPolicy, databaseUserArn } from "../policies.ts";
import { BundledFunction } from "./bundled-function.ts";
import { LIVE_ALIAS, RDS_CA_BUNDLE } from "./functions.ts";
import { privateBucket } from "./private-bucket.ts";

/** The login role the migrator creates for the evaluator (packages/schema/src/db/roles.ts). */
export const ALERTS_DATABASE_USER = "msgevents_alerts";
/** packages/alerter/src/outbox-bucket.ts: the evaluator writes here, S3 invokes the sender for each new object. */
export const OUTBOX_PREFIX = "outbox/";
export const RECEIPTS_PREFIX = "receipts/";
const POSTGRES_PORT = 5432;
const HTTPS_PORT = 443;
/** Objects of either prefix left behind (a sender that never ran, a receipt nobody collected) go after a week. */
const OUTBOX_EXPIRATION_DAYS = 7;

export interface AlertsArgs {
  bundles: { evaluator: Bundle; sender: Bundle };
  /** aws, aws-cn, …: ARNs are written for the partition the account is in. */
  partition: string;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  network: {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string>[];
    databaseSecurityGroupId: pulumi.Input<string>;
    s3PrefixListId: pulumi.Input<string>;
    ready: pulumi.Resource[];
  };
  database: {
    address: pulumi.Input<string>;
    port: pulumi.Input<number>;
    name: string;
    resourceId: pulumi.Input<string>;
  };
  /** The schema migration: the evaluator's `live` alias moves to a new version only after it succeeded. */
  migration: pulumi.Resource;
  /** The API's base URL, where the web app is: notifications link into it. */
  publicUrl: pulumi.Input<string>;
  /** The evaluator's reserved concurrency (1), or none while msgevents:lambdaReservedConcurrency is off. */
  reservedConcurrency: number | undefined;
  settings: AlertSettings;
  logRetentionDays: number;
  /** The stack's alarm topic: the evaluator's and the sender's own alarms go there. */
  alarmTopicArn: pulumi.Input<string>;
}

/**
 * Alert evaluation and delivery without a NAT gateway. The evaluator runs in the isolated VPC every 5 minutes (its
 * own security group: PostgreSQL to the database, HTTPS to S3's gateway endpoint, nothing else) and hands each
 * delivery over as an object under `outbox/` in a private bucket; S3 invokes the sender, outside the VPC, for each
 * one; the sender posts to the webhook, Slack or SparkPost's Transmissions API and leaves a receipt under
 * `receipts/`, which the evaluator records on the incident at its next cycle. The sender can read only the outbox,
 * write only receipts and read only its own secret (the signing key and the SparkPost API key).
 */
/** Failed cycles are counted per quarter hour; two quarter hours running with a failure raise the alarm. */
const ERRORS_PERIOD_SECONDS = 900;
/** No evaluator run at all for this long raises the alarm: readAlertSettings refuses rarer `rate(…)` schedules. */
const EVALUATOR_SILENCE_SECONDS = LONGEST_ALERT_INTERVAL_MINUTES * 60;

export class Alerts extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  /** For the S3 gateway endpoint's policy, which admits the evaluator to this bucket alone (EndpointPolicies). */
  readonly bucketArn: pulumi.Output<string>;
  readonly secretArn: pulumi.Output<string>;
  readonly signingKey: pulumi.Output<string>;
  readonly evaluator: BundledFunction;
  readonly sender: BundledFunction;

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Alerts", name, {}, opts);
    const parent = { parent: this };

    const bucket = this.outboxBucket(name);
    this.signingKey = pulumi.secret(
      args.settings.signingKey ??
        new random.RandomPassword(`${name}-signing-key`, { length: 32, special: false }, parent).result,
    );
    const secret = new aws.secretsmanager.Secret(
      `${name}-sender`,
      { description: "msgevents alert sender: webhook signing key and SparkPost API key", recoveryWindowInDays: 7 },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-sender`,
      {
        secretId: secret.id,
        secretString: pulumi.jsonStringify({
          signingKey: this.signingKey,
          ...(args.settings.sparkPostApiKey ? { sparkPostApiKey: args.settings.sparkPostApiKey } : {}),
        }),
      },
      parent,
    );

    const securityGroup = this.evaluatorNetwork(name, args);
    const databaseUser = pulumi
      .all([args.region, args.accountId, args.database.resourceId])
      .apply(([region, accountId, dbiResourceId]) =>
        databaseUserArn({ partition: args.partition, region, accountId, dbiResourceId, user: ALERTS_DATABASE_USER }),
      );
    this.evaluator = new BundledFunction(
      `${name}-evaluator`,
      {
        bundle: args.bundles.evaluator,
        publish: true,
        memoryMb: 512,
        timeoutSeconds: 120,
        // One cycle at a time: its connections are budgeted (ALERT_EVALUATOR_CONNECTIONS), and the database's
        // advisory lock makes an overlapping cycle skip anyway (also when nothing is reserved).
        reservedConcurrency: args.reservedConcurrency,
        logRetentionDays: args.logRetentionDays,
        vpc: { subnetIds: args.network.subnetIds, securityGroupId: securityGroup.group.id },
        dependsOn: [...args.network.ready, ...securityGroup.rules],
        environment: {
          MSGEVENTS_DB_HOST: args.database.address,
          MSGEVENTS_DB_PORT: pulumi.output(args.database.port).apply(String),
          MSGEVENTS_DB_NAME: args.database.name,
          MSGEVENTS_DB_USER: ALERTS_DATABASE_USER,
          MSGEVENTS_DB_SSL: "true",
          MSGEVENTS_DB_IAM_AUTH: "true",
          NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE,
          MSGEVENTS_DB_POOL_MAX: String(ALERT_EVALUATOR_CONNECTIONS),
          MSGEVENTS_OUTBOX_BUCKET: bucket.bucket,
          MSGEVENTS_PUBLIC_URL: args.publicUrl,
        },
        policy: (logGroupArn) =>
          pulumi.all([databaseUser, bucket.arn]).apply(([user, bucketArn]) =>
            alertEvaluatorPolicy({
              logGroupArn,
              databaseUser: user,
              bucketArn,
              outboxPrefix: OUTBOX_PREFIX,
              receiptsPrefix: RECEIPTS_PREFIX,
            }),
          ),
      },
      parent,
    );
    const live = new aws.lambda.Alias(
      `${name}-evaluator-live`,
      {
        name: LIVE_ALIAS,
        functionName: this.evaluator.function.name,
        functionVersion: this.evaluator.function.version,
      },
      { parent: this, dependsOn: [args.migration] },
    );
    this.schedule(name, live, args.settings.scheduleExpression);

    this.sender = new BundledFunction(
      `${name}-sender`,
      {
        bundle: args.bundles.sender,
        publish: true,
        memoryMb: 256,
        // Three channels at 10 s each at worst.
        timeoutSeconds: 60,
        logRetentionDays: args.logRetentionDays,
        environment: {
          MSGEVENTS_OUTBOX_BUCKET: bucket.bucket,
          MSGEVENTS_ALERT_SECRET_ARN: secret.arn,
          MSGEVENTS_ALERT_SPARKPOST_API_URL: args.settings.sparkPostApiUrl,
          ...(args.settings.emailFrom ? { MSGEVENTS_ALERT_EMAIL_FROM: args.settings.emailFrom } : {}),
        },
        policy: (logGroupArn) =>
          pulumi.all([bucket.arn, secret.arn]).apply(([bucketArn, secretArn]) =>
            alertSenderPolicy({
              logGroupArn,
              bucketArn,
              outboxPrefix: OUTBOX_PREFIX,
              receiptsPrefix: RECEIPTS_PREFIX,
              secretArn,
            }),
          ),
      },
      parent,
    );
    // The sender moves with the evaluator, after the migration: the outbox objects of one version are read by the same.
    const senderLive = new aws.lambda.Alias(
      `${name}-sender-live`,
      { name: LIVE_ALIAS, functionName: this.sender.function.name, functionVersion: this.sender.function.version },
      { parent: this, dependsOn: [args.migration] },
    );
    // One attempt per object: a failed or lost one is retried by the evaluator (its receipt deadline), never by
    // Lambda, which could send a notification twice.
    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-sender`,
      {
        functionName: this.sender.function.name,
        qualifier: senderLive.name,
        maximumRetryAttempts: 0,
        maximumEventAgeInSeconds: 900,
      },
      parent,
    );
    const invoke = new aws.lambda.Permission(
      `${name}-sender-from-outbox`,
      {
        action: "lambda:InvokeFunction",
        function: senderLive.functionName,
        qualifier: senderLive.name,
        principal: "s3.amazonaws.com",
        sourceArn: bucket.arn,
        sourceAccount: args.accountId,
      },
      parent,
    );
    new aws.s3.BucketNotification(
      `${name}-outbox`,
      {
        bucket: bucket.id,
        lambdaFunctions: [
          { lambdaFunctionArn: senderLive.arn, events: ["s3:ObjectCreated:*"], filterPrefix: OUTBOX_PREFIX },
        ],
      },
      // S3 checks that it may invoke the function when the configuration is set.
      { parent: this, dependsOn: [invoke] },
    );

    this.alarms(name, args.alarmTopicArn);

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.secretArn = secret.arn;
    this.registerOutputs({ bucketName: this.bucketName });
  }

  /**
   * Nobody hears of a blocklisting when the alerts themselves fail: the evaluator failing cycles (database unreachable,
   * timeouts), the evaluator not running at all (a disabled schedule, a broken alias), and the sender crashing (its
   * receipt never comes: the evaluator retries the delivery after 15 minutes, and the incident shows it).
   */
  private alarms(name: string, topicArn: pulumi.Input<string>): void {
    const lambdaAlarm = (
      suffix: string,
      description: string,
      functionName: pulumi.Input<string>,
      settings: Pick<
        aws.cloudwatch.MetricAlarmArgs,
        | "metricName"
        | "period"
        | "evaluationPeriods"
        | "datapointsToAlarm"
        | "threshold"
        | "comparisonOperator"
        | "treatMissingData"
      >,
    ) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}`,
        {
          alarmDescription: description,
          namespace: "AWS/Lambda",
          dimensions: { FunctionName: functionName },
          statistic: "Sum",
          alarmActions: [topicArn],
          okActions: [topicArn],
          ...settings,
        },
        { parent: this },
      );
    lambdaAlarm(
      "evaluator-errors",
      "Alert cycles fail: rules are not evaluated and nobody is notified (runbook: alert evaluator errors).",
      this.evaluator.function.name,
      {
        metricName: "Errors",
        period: ERRORS_PERIOD_SECONDS,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      },
    );
    lambdaAlarm(
      "evaluator-stopped",
      "The alert evaluator has not run for three hours: rules are not evaluated (runbook: alert evaluator stopped).",
      this.evaluator.function.name,
      {
        metricName: "Invocations",
        period: EVALUATOR_SILENCE_SECONDS,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      },
    );
    lambdaAlarm(
      "sender-errors",
      "The alert sender crashed on a delivery: it is retried after 15 minutes (runbook: alert sender errors).",
      this.sender.function.name,
      {
        metricName: "Errors",
        period: ERRORS_PERIOD_SECONDS,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      },
    );
  }

  /** Private, encrypted, TLS only; what either side leaves behind expires. */
  private outboxBucket(name: string): aws.s3.Bucket {
    const parent = { parent: this };
    const bucket = privateBucket(`${name}-outbox`, { forceDestroy: true }, this);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-outbox`,
      {
        bucket: bucket.id,
        rules: [OUTBOX_PREFIX, RECEIPTS_PREFIX].map((prefix) => ({
          id: prefix.replace("/", ""),
          status: "Enabled",
          filter: { prefix },
          expiration: { days: OUTBOX_EXPIRATION_DAYS },
        })),
      },
      parent,
    );
    return bucket;
  }

  /** The evaluator's own security group: PostgreSQL to the database and HTTPS to S3's gateway endpoint, nothing else. */
  private evaluatorNetwork(name: string, args: AlertsArgs) {
    const parent = { parent: this };
    const group = new aws.ec2.SecurityGroup(
      `${name}-evaluator`,
      { vpcId: args.network.vpcId, description: "msgevents alert evaluator function" },
      parent,
    );
    const rules = [
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-database-from-evaluator`,
        {
          securityGroupId: args.network.databaseSecurityGroupId,
          referencedSecurityGroupId: group.id,
          ipProtocol: "tcp",
          fromPort: POSTGRES_PORT,
          toPort: POSTGRES_PORT,
          description: "PostgreSQL from the alert evaluator function",
        },
        parent,
      ),
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-evaluator-to-database`,
        {
          securityGroupId: group.id,
          referencedSecurityGroupId: args.network.databaseSecurityGroupId,
          ipProtocol: "tcp",
          fromPort: POSTGRES_PORT,
          toPort: POSTGRES_PORT,
          description: "PostgreSQL to the msgevents database",
        },
        parent,
      ),
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-evaluator-to-s3`,
        {
          securityGroupId: group.id,
          prefixListId: args.network.s3PrefixListId,
          ipProtocol: "tcp",
          fromPort: HTTPS_PORT,
          toPort: HTTPS_PORT,
          description: "HTTPS to S3 through the gateway endpoint (the outbox bucket)",
        },
        parent,
      ),
    ];
    return { group, rules };
  }

  /** Runs the evaluator's live alias on the schedule (5 minutes by default). */
  private schedule(name: string, live: aws.lambda.Alias, scheduleExpression: string): void {
    const parent = { parent: this };
    const rule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      { description: "msgevents alert evaluation", scheduleExpression },
      parent,
    );
    const permission = new aws.lambda.Permission(
      `${name}-schedule`,
      {
        action: "lambda:InvokeFunction",
        function: live.functionName,
        qualifier: live.name,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-schedule`,
      {
        rule: rule.name,
        arn: live.arn,
        // A late cycle is worthless: the next one comes within minutes.
        retryPolicy: { maximumRetryAttempts: 1, maximumEventAgeInSeconds: 240 },
      },
      { parent: this, dependsOn: [permission] },
    );
  }
}

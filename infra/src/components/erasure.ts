import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Bundle } from "../bundles.ts";
import { eraserPolicy } from "../erasure-policies.ts";
import { BundledFunction } from "./bundled-function.ts";

export interface RecipientSecretArgs {
  /** `pulumi config set --secret msgevents:recipientHashSecret`; generated when unset. */
  value?: pulumi.Output<string>;
}

/**
 * The key of the keyed hashes by which erased recipients are known (packages/erasure), in its own Secrets Manager
 * secret: the loader, query and eraser functions read it, and nothing else does. It never reaches the database, so a
 * copy of the database cannot be checked against a list of addresses. Changing it makes every suppression and audit
 * hash unmatchable: generate it once and keep it.
 */
export class RecipientSecret extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: RecipientSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:RecipientSecret", name, {}, opts);
    const parent = { parent: this };
    const value =
      args.value ?? new random.RandomPassword(`${name}-value`, { length: 32, special: false }, parent).result;
    const secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      { description: "msgevents recipient-hash key (loader, query, eraser)", recoveryWindowInDays: 30 },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-secret`,
      { secretId: secret.id, secretString: pulumi.jsonStringify({ recipientHashSecret: pulumi.secret(value) }) },
      parent,
    );
    this.arn = secret.arn;
    this.registerOutputs({ arn: this.arn });
  }
}

export interface ErasureArgs {
  bundle: Bundle;
  /** Database connection variables (host, port, name, TLS) and the eraser's IAM database user ARN. */
  databaseEnvironment: Record<string, pulumi.Input<string>>;
  databaseUserArn: pulumi.Input<string>;
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  batchPrefix: string;
  /**
   * The raw-batch bucket keeps object versions: the eraser then deletes a rewritten batch's noncurrent versions too,
   * and only then gets s3:ListBucketVersions and s3:DeleteObjectVersion. Must follow the bucket's versioning setting.
   */
  versioned: boolean;
  recipientSecretArn: pulumi.Input<string>;
  vpc: { subnetIds: pulumi.Input<string>[]; securityGroupId: pulumi.Input<string> };
  /** Network rules and the migration: the eraser's alias moves, and its schedule starts, only after them. */
  dependsOn: pulumi.Resource[];
  logRetentionDays: number;
  alarmTopicArn: pulumi.Input<string>;
  /** Defaults to every 15 minutes. */
  scheduleExpression?: string;
}

/** The function's timeout; a run starts no new step after ERASER_BUDGET_SECONDS, leaving time for the last one. */
export const ERASER_TIMEOUT_SECONDS = 900;
export const ERASER_BUDGET_SECONDS = 600;
/** A request still open after this long raises the alarm (SparkPost completes its own within 30 days; we aim at one). */
export const ERASURE_ALARM_SECONDS = 86_400;

/**
 * Right-to-be-forgotten erasure in AWS: the eraser function (VPC, its own role and database user; no reserved
 * concurrency: a run that finds another running returns at once, the eraser's lock being in the database) run every
 * 15 minutes through its `live` alias, and an alarm when a request stays unfinished past a day, or when
 * the eraser stops reporting (missing data is breaching: each run reports the oldest open request's age, 0 if none).
 */
export class Erasure extends pulumi.ComponentResource {
  readonly eraser: BundledFunction;
  readonly alias: aws.lambda.Alias;

  constructor(name: string, args: ErasureArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Erasure", name, {}, opts);
    const parent = { parent: this };
    this.eraser = new BundledFunction(
      `${name}-eraser`,
      {
        bundle: args.bundle,
        publish: true,
        memoryMb: 512,
        timeoutSeconds: ERASER_TIMEOUT_SECONDS,
        vpc: args.vpc,
        dependsOn: args.dependsOn,
        logRetentionDays: args.logRetentionDays,
        environment: {
          ...args.databaseEnvironment,
          MSGEVENTS_S3_BUCKET: args.bucketName,
          MSGEVENTS_S3_VERSIONED: String(args.versioned),
          MSGEVENTS_RECIPIENT_SECRET_ARN: args.recipientSecretArn,
          MSGEVENTS_ERASER_BUDGET_SECONDS: String(ERASER_BUDGET_SECONDS),
        },
        policy: (logGroupArn) =>
          pulumi
            .all([args.bucketArn, args.databaseUserArn, args.recipientSecretArn])
            .apply(([bucketArn, databaseUser, recipientSecretArn]) =>
              eraserPolicy({
                logGroupArn,
                bucketArn,
                batchPrefix: args.batchPrefix,
                databaseUser,
                recipientSecretArn,
                versioned: args.versioned,
              }),
            ),
      },
      parent,
    );
    this.alias = new aws.lambda.Alias(
      `${name}-eraser-live`,
      { name: "live", functionName: this.eraser.function.name, functionVersion: this.eraser.function.version },
      { parent: this, dependsOn: args.dependsOn },
    );
    const rule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      { description: "msgevents erasure requests", scheduleExpression: args.scheduleExpression ?? "rate(15 minutes)" },
      parent,
    );
    const permission = new aws.lambda.Permission(
      `${name}-schedule`,
      {
        action: "lambda:InvokeFunction",
        function: this.alias.functionName,
        qualifier: this.alias.name,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-schedule`,
      { rule: rule.name, arn: this.alias.arn, retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 900 } },
      { parent: this, dependsOn: [permission] },
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-unfinished`,
      {
        alarmDescription:
          "An erasure request is still open after a day, or the eraser reported nothing for an hour (runbook: erasure unfinished).",
        namespace: "msgevents",
        metricName: "OldestOpenErasureRequestSeconds",
        dimensions: { service: "msgevents-eraser" },
        statistic: "Maximum",
        period: 3600,
        evaluationPeriods: 1,
        threshold: ERASURE_ALARM_SECONDS,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "breaching",
        alarmActions: [args.alarmTopicArn],
        okActions: [args.alarmTopicArn],
      },
      parent,
    );
    this.registerOutputs({ eraserName: this.eraser.function.name });
  }
}

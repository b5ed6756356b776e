import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AlarmsArgs {
  deadLetterQueueName: pulumi.Input<string>;
  queueName: pulumi.Input<string>;
  loaderFunctionName: pulumi.Input<string>;
  /** The API's access log group: ingest 5xx are counted from it by route. */
  accessLogGroupName: pulumi.Input<string>;
  apiId: pulumi.Input<string>;
  databaseInstanceId: pulumi.Input<string>;
  databaseInstanceClass: string;
  databaseAllocatedStorageGb: number;
  /** Subscribed to the alarm topic when set (AWS e-mails a confirmation link first). */
  email?: string;
  /** Defaults to 900 s: SparkPost's batches should be loaded within minutes. */
  oldestMessageAgeSeconds?: number;
}

const FIVE_MINUTES = 300;
/** Alarm when less than this share of the allocated storage is free. */
export const FREE_STORAGE_ALARM_SHARE = 0.2;
/** t4g instances earn 12–24 credits an hour; below this the database is close to its baseline CPU. */
export const CPU_CREDIT_ALARM_THRESHOLD = 30;

/** CloudWatch alarms on everything that means lost time or lost data, into one SNS topic. */
export class Alarms extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Alarms", name, {}, opts);
    const parent = { parent: this };
    // Not KMS-encrypted: the AWS managed SNS key does not let CloudWatch publish, and alarm messages hold no secret.
    const topic = new aws.sns.Topic(`${name}-topic`, {}, parent);
    if (args.email) {
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: topic.arn, protocol: "email", endpoint: args.email },
        parent,
      );
    }
    const alarm = (key: string, alarmArgs: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${key}`,
        { treatMissingData: "notBreaching", ...alarmArgs, alarmActions: [topic.arn], okActions: [topic.arn] },
        parent,
      );

    const ingest5xxNamespace = pulumi.interpolate`msgevents/${args.apiId}`;
    const countFromAccessLog = (key: string, pattern: string, metricName: string) =>
      new aws.cloudwatch.LogMetricFilter(
        `${name}-${key}`,
        {
          logGroupName: args.accessLogGroupName,
          pattern,
          metricTransformation: { name: metricName, namespace: ingest5xxNamespace, value: "1", defaultValue: "0" },
        },
        parent,
      );
    countFromAccessLog(
      "ingest-5xx",
      '{ ($.status >= 500) && (($.routeKey = "POST /webhooks/sparkpost") || ($.routeKey = "POST /oauth/token")) }',
      "Ingest5xx",
    );
    // Counted from the access log rather than the ingest's own OversizedBatches metric: a body too large for Lambda
    // is refused by the platform before our code runs, and only the access log sees both kinds of refusal.
    countFromAccessLog(
      "webhook-413",
      '{ ($.status = 413) && ($.routeKey = "POST /webhooks/sparkpost") }',
      "WebhookTooLarge",
    );

    alarm("dead-letters", {
      alarmDescription:
        "Batches the loader failed on repeatedly are in the dead-letter queue: see infra/README.md, Operations.",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: args.deadLetterQueueName },
      statistic: "Maximum",
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("oldest-message-age", {
      alarmDescription: "Batch notifications wait too long: the loader is failing, throttled or too slow.",
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: args.queueName },
      statistic: "Maximum",
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: args.oldestMessageAgeSeconds ?? 900,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("loader-errors", {
      alarmDescription: "Loader invocations fail (database unreachable, timeouts): batches are being retried.",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: args.loaderFunctionName },
      statistic: "Sum",
      period: FIVE_MINUTES,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("ingest-5xx", {
      alarmDescription: "The webhook answers 5xx: SparkPost retries for 8 hours, then drops the batch.",
      namespace: ingest5xxNamespace,
      metricName: "Ingest5xx",
      statistic: "Sum",
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("webhook-too-large", {
      alarmDescription:
        "A SparkPost batch was refused as too large (413): SparkPost retries it for 8 hours, then drops it. See infra/README.md.",
      namespace: ingest5xxNamespace,
      metricName: "WebhookTooLarge",
      statistic: "Sum",
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("database-free-storage", {
      alarmDescription:
        "Less than 20% of the database storage is free: raise msgevents:dbAllocatedStorageGb or set retention.",
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      dimensions: { DBInstanceIdentifier: args.databaseInstanceId },
      statistic: "Minimum",
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: freeStorageThresholdBytes(args.databaseAllocatedStorageGb),
      comparisonOperator: "LessThanThreshold",
    });
    if (isBurstable(args.databaseInstanceClass)) {
      alarm("database-cpu-credits", {
        alarmDescription: "The database is running out of CPU credits: choose a larger msgevents:dbInstanceClass.",
        namespace: "AWS/RDS",
        metricName: "CPUCreditBalance",
        dimensions: { DBInstanceIdentifier: args.databaseInstanceId },
        statistic: "Minimum",
        period: FIVE_MINUTES,
        evaluationPeriods: 3,
        threshold: CPU_CREDIT_ALARM_THRESHOLD,
        comparisonOperator: "LessThanThreshold",
      });
    }
    this.topicArn = topic.arn;
    this.registerOutputs({ topicArn: this.topicArn });
  }
}

export function freeStorageThresholdBytes(allocatedStorageGb: number): number {
  return Math.round(allocatedStorageGb * 1024 ** 3 * FREE_STORAGE_ALARM_SHARE);
}

export function isBurstable(instanceClass: string): boolean {
  return /^db\.t\d/.test(instanceClass);
}

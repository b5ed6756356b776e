import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumedMaxConnections, INSTANCE_CLASS_MEMORY_GIB } from "../connections.ts";

export interface AlarmsArgs {
  deadLetterQueueName: pulumi.Input<string>;
  queueName: pulumi.Input<string>;
  functionNames: Record<"ingest" | "loader" | "query" | "maintenance", pulumi.Input<string>>;
  /** The maintenance function's log group: ERROR lines of its JSON logs count as maintenance/backfill errors. */
  maintenanceLogGroupName: pulumi.Input<string>;
  /** The API's access log group: webhook and query answers are counted from it by route and status. */
  accessLogGroupName: pulumi.Input<string>;
  apiId: pulumi.Input<string>;
  /** The stage's name, the `Stage` dimension of API Gateway's own metrics. */
  stageName: pulumi.Input<string>;
  database: {
    instanceId: pulumi.Input<string>;
    instanceClass: string;
    /** GiB allocated as Pulumi last saw it (the instance's state). */
    allocatedStorageGb: pulumi.Input<number>;
    /** The autoscaling ceiling; 0 when autoscaling is off. */
    maxAllocatedStorageGb: number;
  };
  /** Subscribed to the alarm topic (AWS e-mails each a confirmation link first). */
  emails?: string[];
  /** An HTTPS endpoint subscribed to the topic (it must confirm the subscription). */
  httpsEndpoint?: string;
  /** Alarm when no webhook request arrived for this many hours; 0 (the default) leaves the alarm out. */
  noWebhookTrafficHours?: number;
  /** Alarm when the database's storage will be full within this many days at the current rate. Defaults to 14. */
  storageDaysLeft?: number;
  /** Alarm when the API's p99 latency stays above this for 15 minutes. Defaults to 10,000 ms. */
  apiLatencyP99Ms?: number;
  /** Defaults to 900 s: SparkPost's batches should be loaded within minutes. */
  oldestMessageAgeSeconds?: number;
}

const FIVE_MINUTES = 300;
const ONE_HOUR = 3600;
/** The storage trend is read over six-hour steps: long enough to smooth vacuum and WAL swings. */
const STORAGE_TREND_PERIOD = 6 * ONE_HOUR;
const GIB = 1024 ** 3;
/** Without autoscaling: alarm when less than this share of the allocated storage is free. */
export const FREE_STORAGE_ALARM_SHARE = 0.2;
/** With autoscaling (which grows the disk at 10% free): below this share, autoscaling did not keep up or hit its cap. */
export const FREE_STORAGE_AUTOSCALING_SHARE = 0.05;
/** t4g instances earn 12–24 credits an hour; below this the database is close to its baseline CPU. */
export const CPU_CREDIT_ALARM_THRESHOLD = 30;
/** Alarm when connections reach this share of max_connections (as src/connections.ts assumes it for the class). */
export const CONNECTIONS_ALARM_SHARE = 0.8;
/** Alarm when freeable memory stays below this share of the class's memory: the cache is being squeezed out. */
export const FREEABLE_MEMORY_ALARM_SHARE = 0.1;
/** A credential mismatch: this share of webhook requests answered 401/403 … */
export const AUTH_FAILURE_ALARM_PERCENT = 50;
/** … among at least this many requests in five minutes (a scanner's odd probe is not a mismatch). */
export const AUTH_FAILURE_MIN_REQUESTS = 3;
/** The routes SparkPost calls: the webhook, and the token endpoint for OAuth2 webhooks. */
export const WEBHOOK_ROUTES = ["POST /webhooks/sparkpost", "POST /oauth/token"] as const;

const anyWebhookRoute = `(${WEBHOOK_ROUTES.map((route) => `($.routeKey = "${route}")`).join(" || ")})`;
const noWebhookRoute = WEBHOOK_ROUTES.map((route) => `($.routeKey != "${route}")`).join(" && ");

/** Metric filters on the access log (JSON, one line per request): name → pattern. */
export const ACCESS_LOG_METRICS = {
  Ingest5xx: `{ ($.status >= 500) && ${anyWebhookRoute} }`,
  WebhookTooLarge: '{ ($.status = 413) && ($.routeKey = "POST /webhooks/sparkpost") }',
  WebhookRequests: `{ ${anyWebhookRoute} }`,
  WebhookAuthFailures: `{ (($.status = 401) || ($.status = 403)) && ${anyWebhookRoute} }`,
  Query5xx: `{ ($.status >= 500) && ${noWebhookRoute} }`,
  ApiThrottled: "{ $.status = 429 }",
} as const;
/** Powertools' JSON log lines carry `level`; an ERROR from maintenance (partitions, retention, backfills) counts. */
export const MAINTENANCE_ERROR_PATTERN = '{ $.level = "ERROR" }';

type AlarmFields = Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">;
type MetricSpec = aws.types.input.cloudwatch.MetricAlarmMetricQueryMetric;

/**
 * CloudWatch alarms on everything that means lost data, lost time or a full disk, into one SNS topic. Each alarm's
 * description names its runbook line in infra/README.md ("Operations").
 */
export class Alarms extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:Alarms", name, {}, opts);
    const parent = { parent: this };
    // Not KMS-encrypted: the AWS managed SNS key does not let CloudWatch publish, and alarm messages hold no secret.
    const topic = new aws.sns.Topic(`${name}-topic`, {}, parent);
    this.subscribe(name, topic, args);

    const alarm = (key: string, fields: AlarmFields) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${key}`,
        { treatMissingData: "notBreaching", ...fields, alarmActions: [topic.arn], okActions: [topic.arn] },
        parent,
      );
    const namespace = pulumi.interpolate`msgevents/${args.apiId}`;
    const countLines = (key: string, logGroupName: pulumi.Input<string>, metricName: string, pattern: string) =>
      new aws.cloudwatch.LogMetricFilter(
        `${name}-${key}`,
        {
          logGroupName,
          pattern,
          metricTransformation: { name: metricName, namespace, value: "1", defaultValue: "0" },
        },
        parent,
      );
    const logFilterKeys: Record<keyof typeof ACCESS_LOG_METRICS, string> = {
      Ingest5xx: "ingest-5xx",
      WebhookTooLarge: "webhook-413",
      WebhookRequests: "webhook-requests",
      WebhookAuthFailures: "webhook-401-403",
      Query5xx: "query-5xx",
      ApiThrottled: "api-429",
    };
    for (const [metricName, pattern] of Object.entries(ACCESS_LOG_METRICS)) {
      countLines(
        logFilterKeys[metricName as keyof typeof ACCESS_LOG_METRICS],
        args.accessLogGroupName,
        metricName,
        pattern,
      );
    }
    countLines(
      "maintenance-logged-errors",
      args.maintenanceLogGroupName,
      "MaintenanceLoggedErrors",
      MAINTENANCE_ERROR_PATTERN,
    );
    const custom = (metricName: string, period: number): MetricSpec => ({ namespace, metricName, period, stat: "Sum" });
    const lambda = (fn: keyof AlarmsArgs["functionNames"], metricName: string, period: number): MetricSpec => ({
      namespace: "AWS/Lambda",
      metricName,
      dimensions: { FunctionName: args.functionNames[fn] },
      period,
      stat: "Sum",
    });
    const db = { DBInstanceIdentifier: args.database.instanceId };

    // Queue and loader.
    alarm("dead-letters", {
      alarmDescription: "Batches the loader failed on repeatedly are in the dead-letter queue (runbook: dead letters).",
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
      alarmDescription:
        "Batch notifications wait too long: the loader is failing, throttled or too slow (runbook: queue age).",
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
      alarmDescription:
        "Loader invocations fail (database unreachable, timeouts): batches are being retried (runbook: loader errors).",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: args.functionNames.loader },
      statistic: "Sum",
      period: FIVE_MINUTES,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });

    // The webhook.
    alarm("ingest-5xx", {
      alarmDescription:
        "The webhook answers 5xx in 2 of 3 five-minute periods: SparkPost retries for 8 hours, then drops the batch (runbook: ingest 5xx).",
      namespace,
      metricName: "Ingest5xx",
      statistic: "Sum",
      period: FIVE_MINUTES,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("webhook-too-large", {
      alarmDescription:
        "A SparkPost batch was refused as too large (413): SparkPost retries it for 8 hours, then drops it (runbook: webhook too large).",
      namespace,
      metricName: "WebhookTooLarge",
      statistic: "Sum",
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("webhook-auth-failures", {
      alarmDescription: `At least ${AUTH_FAILURE_ALARM_PERCENT}% of webhook requests answered 401/403 for 15 minutes: SparkPost's credentials do not match, and it drops every batch after 8 hours (runbook: webhook 401/403).`,
      metricQueries: [
        { id: "failures", metric: custom("WebhookAuthFailures", FIVE_MINUTES), returnData: false },
        { id: "requests", metric: custom("WebhookRequests", FIVE_MINUTES), returnData: false },
        {
          id: "failurePercent",
          label: "webhook requests answered 401/403 (%)",
          expression: `IF(FILL(requests, 0) >= ${AUTH_FAILURE_MIN_REQUESTS}, 100 * FILL(failures, 0) / requests, 0)`,
          returnData: true,
        },
      ],
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: AUTH_FAILURE_ALARM_PERCENT,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    const quietHours = args.noWebhookTrafficHours ?? 0;
    if (quietHours > 0) {
      alarm("no-webhook-traffic", {
        alarmDescription: `No webhook request for ${quietHours} hours: SparkPost stopped sending, or cannot reach the webhook (runbook: no webhook traffic).`,
        namespace,
        metricName: "WebhookRequests",
        statistic: "Sum",
        period: ONE_HOUR,
        evaluationPeriods: quietHours,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        // No request means no access-log line, so no data point at all: that is the condition.
        treatMissingData: "breaching",
      });
    }

    // The query API.
    alarm("query-5xx", {
      alarmDescription: "Searches answer 5xx in 2 of 3 five-minute periods (runbook: query 5xx).",
      namespace,
      metricName: "Query5xx",
      statistic: "Sum",
      period: FIVE_MINUTES,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("throttles", {
      alarmDescription:
        "Requests are throttled (API stage 429s, or the query or ingest function at its concurrency limit) in 2 of 3 five-minute periods (runbook: throttles).",
      metricQueries: [
        { id: "api", metric: custom("ApiThrottled", FIVE_MINUTES), returnData: false },
        { id: "query", metric: lambda("query", "Throttles", FIVE_MINUTES), returnData: false },
        { id: "ingest", metric: lambda("ingest", "Throttles", FIVE_MINUTES), returnData: false },
        {
          id: "throttled",
          label: "throttled requests and invocations",
          expression: "FILL(api, 0) + FILL(query, 0) + FILL(ingest, 0)",
          returnData: true,
        },
      ],
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    alarm("api-latency-p99", {
      alarmDescription: `The API's p99 latency (API Gateway's own metric) stayed above ${args.apiLatencyP99Ms ?? 10_000} ms for 15 minutes (runbook: API latency).`,
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      dimensions: { ApiId: args.apiId, Stage: args.stageName },
      extendedStatistic: "p99",
      period: FIVE_MINUTES,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: args.apiLatencyP99Ms ?? 10_000,
      comparisonOperator: "GreaterThanThreshold",
    });

    // Maintenance (partitions, retention, backfills).
    alarm("maintenance-errors", {
      alarmDescription:
        "The hourly maintenance (partitions, retention, backfills) failed or logged errors two hours running (runbook: maintenance errors).",
      metricQueries: [
        { id: "failed", metric: lambda("maintenance", "Errors", ONE_HOUR), returnData: false },
        { id: "logged", metric: custom("MaintenanceLoggedErrors", ONE_HOUR), returnData: false },
        {
          id: "maintenanceErrors",
          label: "failed maintenance runs and logged errors",
          expression: "FILL(failed, 0) + FILL(logged, 0)",
          returnData: true,
        },
      ],
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });

    // The database.
    const autoscaling = args.database.maxAllocatedStorageGb > 0;
    alarm("database-free-storage", {
      alarmDescription: autoscaling
        ? `Less than ${FREE_STORAGE_AUTOSCALING_SHARE * 100}% of the database storage is free: autoscaling has reached msgevents:dbMaxAllocatedStorageGb or cannot keep up (runbook: free storage).`
        : `Less than ${FREE_STORAGE_ALARM_SHARE * 100}% of the database storage is free (runbook: free storage).`,
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      dimensions: db,
      statistic: "Minimum",
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: pulumi
        .output(args.database.allocatedStorageGb)
        .apply((gb) => freeStorageThresholdBytes(gb, autoscaling)),
      comparisonOperator: "LessThanThreshold",
    });
    alarm("database-storage-days-left", {
      alarmDescription: `At the last 6-hour rate the database storage will be full in less than ${args.storageDaysLeft ?? 14} days${autoscaling ? ", counting what autoscaling may still add" : ""} (runbook: storage days left).`,
      metricQueries: [
        {
          id: "free",
          metric: {
            namespace: "AWS/RDS",
            metricName: "FreeStorageSpace",
            dimensions: db,
            period: STORAGE_TREND_PERIOD,
            stat: "Minimum",
          },
          returnData: false,
        },
        {
          id: "daysLeft",
          label: "days until the database storage is full",
          expression: pulumi
            .output(args.database.allocatedStorageGb)
            .apply((gb) =>
              daysToFullExpression(autoscaling ? autoscalingHeadroomBytes(gb, args.database.maxAllocatedStorageGb) : 0),
            ),
          returnData: true,
        },
      ],
      // RATE needs the period before, so the first of three periods may have no value: two of three decide.
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: args.storageDaysLeft ?? 14,
      comparisonOperator: "LessThanThreshold",
    });
    alarm("database-connections", {
      alarmDescription: `Database connections reached ${CONNECTIONS_ALARM_SHARE * 100}% of max_connections (runbook: database connections).`,
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: db,
      statistic: "Maximum",
      period: FIVE_MINUTES,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: connectionsAlarmThreshold(args.database.instanceClass),
      comparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    alarm("database-freeable-memory", {
      alarmDescription: `The database's freeable memory stayed below ${FREEABLE_MEMORY_ALARM_SHARE * 100}% of the instance's for 15 minutes (runbook: freeable memory).`,
      namespace: "AWS/RDS",
      metricName: "FreeableMemory",
      dimensions: db,
      statistic: "Minimum",
      period: FIVE_MINUTES,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: freeableMemoryThresholdBytes(args.database.instanceClass),
      comparisonOperator: "LessThanThreshold",
    });
    if (isBurstable(args.database.instanceClass)) {
      alarm("database-cpu-credits", {
        alarmDescription: "The database is running out of CPU credits (runbook: CPU credits).",
        namespace: "AWS/RDS",
        metricName: "CPUCreditBalance",
        dimensions: db,
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

  /** E-mail and HTTPS subscriptions; with neither, `pulumi up` says that every alarm goes nowhere. */
  private subscribe(name: string, topic: aws.sns.Topic, args: AlarmsArgs): void {
    const emails = args.emails ?? [];
    for (const [index, email] of emails.entries()) {
      new aws.sns.TopicSubscription(
        `${name}-email-${subscriptionSlug(email)}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        // The single address of earlier versions was named `${name}-email`: keep its subscription (and its
        // confirmation) instead of replacing it.
        { parent: this, aliases: index === 0 ? [{ name: `${name}-email` }] : [] },
      );
    }
    if (args.httpsEndpoint !== undefined) {
      new aws.sns.TopicSubscription(
        `${name}-https`,
        { topic: topic.arn, protocol: "https", endpoint: args.httpsEndpoint, endpointAutoConfirms: true },
        { parent: this },
      );
    }
    if (emails.length === 0 && args.httpsEndpoint === undefined) {
      pulumi.log.warn(NO_SUBSCRIBER_WARNING, this);
    }
  }
}

export const NO_SUBSCRIBER_WARNING =
  "no alarm subscriber is configured: every alarm (dead letters, webhook failures, a full disk) goes to an SNS topic " +
  "nobody reads. Set msgevents:alarmEmail (addresses separated by commas; a Slack channel's e-mail address works) " +
  "or msgevents:alarmHttpsEndpoint (infra/README.md, Operations).";

/** A resource-name part from an address: ops@example.com → ops-example-com. */
export function subscriptionSlug(address: string): string {
  return address
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

export function freeStorageThresholdBytes(allocatedStorageGb: number, autoscaling = false): number {
  return Math.round(
    allocatedStorageGb * GIB * (autoscaling ? FREE_STORAGE_AUTOSCALING_SHARE : FREE_STORAGE_ALARM_SHARE),
  );
}

/** What storage autoscaling can still add, as far as Pulumi last saw the allocation. */
export function autoscalingHeadroomBytes(allocatedStorageGb: number, maxAllocatedStorageGb: number): number {
  return Math.max(0, maxAllocatedStorageGb - allocatedStorageGb) * GIB;
}

/**
 * Metric math for the days until the disk is full: free space (plus what autoscaling may still add) divided by the
 * rate it shrinks at, from `free` (FreeStorageSpace, 6-hour minimum). RATE is bytes per second between consecutive
 * points; when free space grows or holds, the disk never fills (3650 days stands for that).
 */
export function daysToFullExpression(headroomBytes: number): string {
  return `IF(RATE(free) < 0, (free + ${headroomBytes}) / (-RATE(free) * 86400), 3650)`;
}

export function connectionsAlarmThreshold(instanceClass: string): number {
  return Math.floor(assumedMaxConnections(instanceClass) * CONNECTIONS_ALARM_SHARE);
}

export function freeableMemoryThresholdBytes(instanceClass: string): number {
  const gib = INSTANCE_CLASS_MEMORY_GIB[instanceClass];
  if (gib === undefined) throw new Error(`no memory figure for ${instanceClass} in infra/src/connections.ts.`);
  return Math.round(gib * GIB * FREEABLE_MEMORY_ALARM_SHARE);
}

export function isBurstable(instanceClass: string): boolean {
  return /^db\.t\d/.test(instanceClass);
}

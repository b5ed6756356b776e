import { beforeAll, describe, expect, it } from "vitest";
import {
  ACCESS_LOG_METRICS,
  autoscalingHeadroomBytes,
  daysToFullExpression,
  MAINTENANCE_ERROR_PATTERN,
  NO_SUBSCRIBER_WARNING,
} from "../src/components/alarms.ts";
import { fixtureSourceRoot, type ProgramRun, runProgram } from "./harness.ts";

const GIB = 1024 ** 3;
const sourceRoot = fixtureSourceRoot();

describe("the alarms of the default stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ sourceRoot });
  });
  const alarm = (key: string) =>
    run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.name === `alarms-${key}`)?.inputs ?? {};
  const stateOf = (name: string, key: string) => run.named(name).state[key];
  const fn = (name: string) => stateOf(`functions-${name}-function`, "name");
  const namespace = () => `msgevents/${run.named("api-http").id}`;
  const db = () => ({ DBInstanceIdentifier: stateOf("database-postgres", "identifier") });

  it("has exactly these alarms", () => {
    expect(
      run
        .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
        .map((a) => a.name.replace(/^alarms-/, ""))
        .sort(),
    ).toEqual(
      [
        "dead-letters",
        "oldest-message-age",
        "loader-errors",
        "ingest-5xx",
        "webhook-too-large",
        "webhook-auth-failures",
        "query-5xx",
        "throttles",
        "api-latency-p99",
        "maintenance-errors",
        "database-free-storage",
        "database-storage-days-left",
        "database-connections",
        "database-freeable-memory",
        "database-cpu-credits",
        "erasure-unfinished",
        "alerts-evaluator-errors",
        "alerts-evaluator-stopped",
        "alerts-sender-errors",
      ].sort(),
    );
    for (const a of run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
      expect(a.inputs.alarmDescription, a.name).toMatch(/\(runbook: [a-z0-9 /]+\)\.$/i);
    }
  });

  it("keeps the queue and loader alarms: dead letters, queue age, loader errors in 2 of 3 periods", () => {
    expect(alarm("dead-letters")).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: stateOf("archive-dead-letters", "name") },
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    expect(alarm("oldest-message-age")).toMatchObject({
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: stateOf("archive-notifications", "name") },
      threshold: 900,
    });
    expect(alarm("loader-errors")).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: fn("loader") },
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
    });
  });

  it("counts webhook and query answers from the access log, by route and numeric status", () => {
    const filters = run.ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => f.inputs);
    const accessLog = stateOf("api-access-logs", "name");
    for (const [metric, pattern] of Object.entries(ACCESS_LOG_METRICS)) {
      const filter = filters.find((f) => f.metricTransformation.name === metric);
      expect(filter, metric).toMatchObject({
        logGroupName: accessLog,
        pattern,
        metricTransformation: { namespace: namespace(), value: "1", defaultValue: "0" },
      });
    }
    expect(ACCESS_LOG_METRICS.WebhookAuthFailures).toBe(
      '{ (($.status = 401) || ($.status = 403)) && (($.routeKey = "POST /webhooks/sparkpost") || ($.routeKey = "POST /oauth/token")) }',
    );
    expect(ACCESS_LOG_METRICS.Query5xx).toBe(
      '{ ($.status >= 500) && ($.routeKey != "POST /webhooks/sparkpost") && ($.routeKey != "POST /oauth/token") }',
    );
    expect(filters.find((f) => f.metricTransformation.name === "MaintenanceLoggedErrors")).toMatchObject({
      logGroupName: stateOf("functions-maintenance-logs", "name"),
      pattern: MAINTENANCE_ERROR_PATTERN,
    });
  });

  it("pages on ingest 5xx only when they recur (2 of 3 five-minute periods), and on every refused batch", () => {
    expect(alarm("ingest-5xx")).toMatchObject({
      namespace: namespace(),
      metricName: "Ingest5xx",
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    expect(alarm("webhook-too-large")).toMatchObject({
      metricName: "WebhookTooLarge",
      evaluationPeriods: 1,
      threshold: 0,
    });
  });

  it("alarms when half the webhook requests answer 401/403 for 15 minutes, among at least 3 requests", () => {
    expect(alarm("webhook-auth-failures")).toMatchObject({
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: 50,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      metricQueries: [
        {
          id: "failures",
          metric: { namespace: namespace(), metricName: "WebhookAuthFailures", period: 300, stat: "Sum" },
        },
        { id: "requests", metric: { namespace: namespace(), metricName: "WebhookRequests", period: 300, stat: "Sum" } },
        {
          id: "failurePercent",
          expression: "IF(FILL(requests, 0) >= 3, 100 * FILL(failures, 0) / requests, 0)",
          returnData: true,
        },
      ],
    });
  });

  it("leaves the no-traffic alarm out by default: some senders are quiet for days", () => {
    expect(run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).not.toContain(
      "alarms-no-webhook-traffic",
    );
  });

  it("alarms on query 5xx, on throttles (API 429s, query or ingest at its limit) and on API Gateway's own p99 latency", () => {
    expect(alarm("query-5xx")).toMatchObject({
      namespace: namespace(),
      metricName: "Query5xx",
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
    });
    expect(alarm("throttles")).toMatchObject({
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      metricQueries: [
        { id: "api", metric: { namespace: namespace(), metricName: "ApiThrottled", period: 300, stat: "Sum" } },
        {
          id: "query",
          metric: { namespace: "AWS/Lambda", metricName: "Throttles", dimensions: { FunctionName: fn("query") } },
        },
        {
          id: "ingest",
          metric: { namespace: "AWS/Lambda", metricName: "Throttles", dimensions: { FunctionName: fn("ingest") } },
        },
        { id: "throttled", expression: "FILL(api, 0) + FILL(query, 0) + FILL(ingest, 0)", returnData: true },
      ],
    });
    expect(alarm("api-latency-p99")).toMatchObject({
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      dimensions: { ApiId: run.named("api-http").id, Stage: "$default" },
      extendedStatistic: "p99",
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: 10_000,
      comparisonOperator: "GreaterThanThreshold",
    });
  });

  it("alarms when maintenance (partitions, retention, backfills) fails or logs errors two hours running", () => {
    expect(alarm("maintenance-errors")).toMatchObject({
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: 0,
      metricQueries: [
        {
          id: "failed",
          metric: {
            namespace: "AWS/Lambda",
            metricName: "Errors",
            dimensions: { FunctionName: fn("maintenance") },
            period: 3600,
          },
        },
        { id: "logged", metric: { namespace: namespace(), metricName: "MaintenanceLoggedErrors", period: 3600 } },
        { id: "maintenanceErrors", expression: "FILL(failed, 0) + FILL(logged, 0)", returnData: true },
      ],
    });
  });

  it("predicts the days until the disk is full from the 6-hour trend, counting the autoscaling headroom", () => {
    // 20 GB allocated, autoscaling up to 100 GB: 80 GiB may still be added.
    expect(alarm("database-storage-days-left")).toMatchObject({
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 14,
      comparisonOperator: "LessThanThreshold",
      metricQueries: [
        {
          id: "free",
          metric: {
            namespace: "AWS/RDS",
            metricName: "FreeStorageSpace",
            dimensions: db(),
            period: 21_600,
            stat: "Minimum",
          },
          returnData: false,
        },
        { id: "daysLeft", expression: daysToFullExpression(80 * GIB), returnData: true },
      ],
    });
    expect(daysToFullExpression(80 * GIB)).toBe(
      "IF(RATE(free) < 0, (free + 85899345920) / (-RATE(free) * 86400), 3650)",
    );
    expect(autoscalingHeadroomBytes(120, 100)).toBe(0);
  });

  it("keeps a free-storage floor: below 5% free, autoscaling has hit its cap or cannot keep up", () => {
    expect(alarm("database-free-storage")).toMatchObject({
      metricName: "FreeStorageSpace",
      dimensions: db(),
      statistic: "Minimum",
      threshold: Math.round(20 * GIB * 0.05),
      comparisonOperator: "LessThanThreshold",
    });
  });

  it("alarms at 80% of max_connections, on freeable memory below 10% and on CPU credits", () => {
    // db.t4g.micro: 78 connections assumed (src/connections.ts), 80% is 62; 1 GiB of memory, 10% is 107,374,182.
    expect(alarm("database-connections")).toMatchObject({
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: db(),
      statistic: "Maximum",
      threshold: 62,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    });
    expect(alarm("database-freeable-memory")).toMatchObject({
      metricName: "FreeableMemory",
      dimensions: db(),
      statistic: "Minimum",
      threshold: 107_374_182,
      comparisonOperator: "LessThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });
    expect(alarm("database-cpu-credits")).toMatchObject({
      metricName: "CPUCreditBalance",
      dimensions: db(),
      threshold: 30,
    });
  });

  it("warns on every `pulumi up` that no one is subscribed", () => {
    expect(run.warnings).toContain(NO_SUBSCRIBER_WARNING);
  });
});

describe("alarm settings", () => {
  it("add the no-traffic alarm after the configured hours, subscribers, thresholds, and a fixed floor without autoscaling", async () => {
    const run = await runProgram({
      sourceRoot,
      alarmNoWebhookTrafficHours: "6",
      alarmEmail: "ops@example.com,oncall@example.com",
      alarmHttpsEndpoint: "https://events.example.com/sns",
      alarmStorageDaysLeft: "30",
      alarmApiLatencyP99Ms: "5000",
      dbMaxAllocatedStorageGb: "0",
      dbInstanceClass: "db.m7g.large",
    });
    const alarm = (key: string) =>
      run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.name === `alarms-${key}`)?.inputs ?? {};
    expect(alarm("no-webhook-traffic")).toMatchObject({
      metricName: "WebhookRequests",
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: 6,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    });
    expect(alarm("database-storage-days-left")).toMatchObject({ threshold: 30 });
    expect(alarm("database-storage-days-left").metricQueries[1].expression).toBe(daysToFullExpression(0));
    expect(alarm("database-free-storage").threshold).toBe(Math.round(20 * GIB * 0.2));
    expect(alarm("api-latency-p99").threshold).toBe(5000);
    // db.m7g.large: 8 GiB, 630 connections assumed.
    expect(alarm("database-connections").threshold).toBe(504);
    expect(run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).not.toContain(
      "alarms-database-cpu-credits",
    );
    const subscriptions = run.ofType("aws:sns/topicSubscription:TopicSubscription");
    expect(subscriptions.map((s) => [s.name, s.inputs.protocol, s.inputs.endpoint])).toEqual([
      ["alarms-email-ops-example-com", "email", "ops@example.com"],
      ["alarms-email-oncall-example-com", "email", "oncall@example.com"],
      ["alarms-https", "https", "https://events.example.com/sns"],
    ]);
    expect(run.named("alarms-https").inputs.endpointAutoConfirms).toBe(true);
    expect(run.warnings).toEqual([]);
  });

  it("keep the subscription of a stack that had one alarmEmail under its earlier name (an alias, no re-confirmation)", async () => {
    const run = await runProgram({ sourceRoot, alarmEmail: "ops@example.com" });
    const subscription = run.named("alarms-email-ops-example-com");
    expect(subscription.aliasUrns).toContain(
      "urn:pulumi:dev::msgevents::msgevents:aws:Alarms$aws:sns/topicSubscription:TopicSubscription::alarms-email",
    );
  });
});

import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { readAlertSettings } from "../src/alert-settings.ts";
import { OUTBOX_PREFIX, RECEIPTS_PREFIX } from "../src/components/alerts.ts";
import { fixtureSourceRoot, isSecretValue, type ProgramRun, plain, policyOf, runProgram } from "./harness.ts";

describe("the alerts of the default stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ sourceRoot: fixtureSourceRoot() });
  });
  const statements = (policy: string) => policyOf(run.named(policy)).Statement;
  const bucketArn = () => run.named("alerts-outbox").state.arn as string;

  it("evaluates every 5 minutes through the evaluator's live alias, which moves only after the migration", () => {
    expect(run.named("alerts-schedule").inputs.scheduleExpression).toBe("rate(5 minutes)");
    const target = run.ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.name === "alerts-schedule");
    expect(target?.inputs).toMatchObject({
      arn: run.named("alerts-evaluator-live").state.arn,
      retryPolicy: { maximumRetryAttempts: 1, maximumEventAgeInSeconds: 240 },
    });
    const permission = run.ofType("aws:lambda/permission:Permission").find((p) => p.name === "alerts-schedule");
    expect(permission?.inputs).toMatchObject({
      principal: "events.amazonaws.com",
      qualifier: "live",
      sourceArn: run.named("alerts-schedule").state.arn,
    });
    expect(run.named("alerts-evaluator-live").dependsOn).toContain("functions-migrate");
  });

  it("runs the evaluator in the isolated subnets, one at a time, as msgevents_alerts, with no secret", () => {
    const evaluator = run.named("alerts-evaluator-function").inputs;
    expect(evaluator.vpcConfig.subnetIds).toHaveLength(2);
    expect(evaluator.reservedConcurrentExecutions).toBe(1);
    expect(evaluator.environment.variables).toEqual({
      MSGEVENTS_DB_HOST: run.named("database-postgres").state.address,
      MSGEVENTS_DB_PORT: "5432",
      MSGEVENTS_DB_NAME: "msgevents",
      MSGEVENTS_DB_USER: "msgevents_alerts",
      MSGEVENTS_DB_SSL: "true",
      MSGEVENTS_DB_IAM_AUTH: "true",
      NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
      MSGEVENTS_DB_POOL_MAX: "2",
      MSGEVENTS_OUTBOX_BUCKET: run.named("alerts-outbox").state.bucket,
      MSGEVENTS_PUBLIC_URL: run.named("api-http").state.apiEndpoint,
    });
  });

  it("lets the evaluator reach PostgreSQL and S3's gateway endpoint only: no NAT, no other way out", () => {
    const groupId = (name: string) => `${run.named(name).state.name}-id`;
    const egress = run
      .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
      .filter((rule) => rule.inputs.securityGroupId === groupId("alerts-evaluator"))
      .map((rule) => ({
        port: rule.inputs.fromPort,
        to: rule.inputs.referencedSecurityGroupId ?? rule.inputs.prefixListId,
      }));
    expect(egress).toEqual([
      { port: 5432, to: groupId("network-database") },
      { port: 443, to: run.named("network-s3").state.prefixListId },
    ]);
    expect(run.named("alerts-database-from-evaluator").inputs).toMatchObject({
      securityGroupId: groupId("network-database"),
      referencedSecurityGroupId: groupId("alerts-evaluator"),
      fromPort: 5432,
      toPort: 5432,
      ipProtocol: "tcp",
    });
    expect(run.named("alerts-evaluator-function").inputs.vpcConfig.securityGroupIds).toEqual([
      groupId("alerts-evaluator"),
    ]);
    expect(run.ofType("aws:ec2/natGateway:NatGateway")).toEqual([]);
    expect(run.named("alerts-sender-function").inputs.vpcConfig).toBeUndefined();
  });

  it("grants the evaluator its database user, outbox writes and receipt reads, nothing more", () => {
    const arn = bucketArn();
    expect(
      statements("alerts-evaluator-policy").filter((s) => s.Sid !== "WriteOwnLogs" && s.Sid !== "AttachToVpc"),
    ).toEqual([
      {
        Sid: "ConnectAsOwnDatabaseUser",
        Effect: "Allow",
        Action: ["rds-db:connect"],
        Resource: ["arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABCDEFGHIJKLMNOP/msgevents_alerts"],
      },
      { Sid: "HandOverDeliveries", Effect: "Allow", Action: ["s3:PutObject"], Resource: [`${arn}/${OUTBOX_PREFIX}*`] },
      {
        Sid: "ListReceipts",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [arn],
        Condition: { StringLike: { "s3:prefix": `${RECEIPTS_PREFIX}*` } },
      },
      {
        Sid: "CollectReceipts",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:DeleteObject"],
        Resource: [`${arn}/${RECEIPTS_PREFIX}*`],
      },
    ]);
  });

  it("grants the sender the outbox's objects, its receipts and its own secret, and no database", () => {
    const arn = bucketArn();
    const secretArn = run.named("alerts-sender").state.arn;
    expect(statements("alerts-sender-policy").filter((s) => s.Sid !== "WriteOwnLogs")).toEqual([
      { Sid: "ReadDeliveries", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${arn}/${OUTBOX_PREFIX}*`] },
      { Sid: "WriteReceipts", Effect: "Allow", Action: ["s3:PutObject"], Resource: [`${arn}/${RECEIPTS_PREFIX}*`] },
      { Sid: "ReadOwnSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secretArn] },
    ]);
    const readers = run
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .filter((policy) => JSON.stringify(policyOf(policy)).includes(String(secretArn)))
      .map((policy) => policy.name);
    expect(readers).toEqual(["alerts-sender-policy"]);
    expect(run.named("alerts-sender-function").inputs.environment.variables).toEqual({
      MSGEVENTS_OUTBOX_BUCKET: run.named("alerts-outbox").state.bucket,
      MSGEVENTS_ALERT_SECRET_ARN: secretArn,
      MSGEVENTS_ALERT_SPARKPOST_API_URL: "https://api.sparkpost.com",
    });
  });

  it("invokes the sender's live alias for each new outbox object, once: Lambda never retries it", () => {
    const notification = run.named("alerts-outbox").state.bucket;
    const configured = run
      .ofType("aws:s3/bucketNotification:BucketNotification")
      .find((n) => n.name === "alerts-outbox");
    expect(configured?.inputs).toMatchObject({
      bucket: `${notification}-id`,
      lambdaFunctions: [
        {
          lambdaFunctionArn: run.named("alerts-sender-live").state.arn,
          events: ["s3:ObjectCreated:*"],
          filterPrefix: OUTBOX_PREFIX,
        },
      ],
    });
    expect(configured?.dependsOn).toEqual(["alerts-sender-from-outbox"]);
    expect(run.named("alerts-sender-from-outbox").inputs).toMatchObject({
      principal: "s3.amazonaws.com",
      qualifier: "live",
      sourceArn: bucketArn(),
      sourceAccount: "123456789012",
    });
    expect(run.named("alerts-sender").type).toBe("aws:secretsmanager/secret:Secret");
    const retries = run.ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    expect(retries.map((r) => r.inputs)).toEqual([
      expect.objectContaining({ qualifier: "live", maximumRetryAttempts: 0 }),
    ]);
  });

  it("keeps the outbox bucket private, encrypted and TLS-only, and lets what is left behind expire", () => {
    const of = (type: string) => run.ofType(type).find((r) => r.name === "alerts-outbox")?.inputs;
    expect(of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")?.rules).toEqual(
      [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    );
    const bucketPolicy = run.ofType("aws:s3/bucketPolicy:BucketPolicy").find((r) => r.name === "alerts-outbox");
    if (!bucketPolicy) throw new Error("the outbox bucket has no policy");
    const policy = policyOf(bucketPolicy);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    expect(of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")?.rules).toEqual([
      { id: "outbox", status: "Enabled", filter: { prefix: OUTBOX_PREFIX }, expiration: { days: 7 } },
      { id: "receipts", status: "Enabled", filter: { prefix: RECEIPTS_PREFIX }, expiration: { days: 7 } },
    ]);
  });

  it("alarms on failing alert cycles, on an evaluator that stopped running, and on a crashing sender", () => {
    const alarm = (name: string) =>
      run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").find((a) => a.name === name)?.inputs ?? {};
    const topic = [run.named("alarms-topic").state.arn];
    const evaluatorName = run.named("alerts-evaluator-function").state.name;
    expect(alarm("alerts-evaluator-errors")).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: evaluatorName },
      period: 900,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      alarmActions: topic,
      okActions: topic,
    });
    // No invocation at all is missing data: that is the evaluator not running, so it breaches.
    expect(alarm("alerts-evaluator-stopped")).toMatchObject({
      metricName: "Invocations",
      dimensions: { FunctionName: evaluatorName },
      period: 3 * 3600,
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
      alarmActions: topic,
    });
    expect(alarm("alerts-sender-errors")).toMatchObject({
      metricName: "Errors",
      dimensions: { FunctionName: run.named("alerts-sender-function").state.name },
      treatMissingData: "notBreaching",
      alarmActions: topic,
    });
  });

  it("keeps a generated signing key in the sender's secret and exports it only as a secret", () => {
    const version = run.ofType("aws:secretsmanager/secretVersion:SecretVersion").find((v) => v.name === "alerts-sender")
      ?.inputs.secretString;
    expect(isSecretValue(version)).toBe(true);
    expect(JSON.parse(String(plain(version)))).toEqual({ signingKey: run.outputs.alertSigningKey });
    expect(run.secretOutputs).toContain("alertSigningKey");
    expect(run.outputs.alertsApiUrl).toBe(`${run.named("api-http").state.apiEndpoint}/api/v1/alerts`);
  });
});

describe("the alerts of a stack that sends e-mail through SparkPost", () => {
  it("puts the SparkPost key in the sender's secret and the From address and EU host in its environment", async () => {
    const run = await runProgram({
      sourceRoot: fixtureSourceRoot(),
      alertSparkPostApiKey: "sparkpost-key-0123456789",
      alertEmailFrom: "alerts@mail.example.com",
      alertSparkPostApiUrl: "https://api.eu.sparkpost.com",
      alertSigningKey: "given-signing-key-0123456789abcdef",
      alertSchedule: "rate(10 minutes)",
    });
    const version = run.ofType("aws:secretsmanager/secretVersion:SecretVersion").find((v) => v.name === "alerts-sender")
      ?.inputs.secretString;
    expect(JSON.parse(String(plain(version)))).toEqual({
      signingKey: "given-signing-key-0123456789abcdef",
      sparkPostApiKey: "sparkpost-key-0123456789",
    });
    const env = run.named("alerts-sender-function").inputs.environment.variables;
    expect(env).toMatchObject({
      MSGEVENTS_ALERT_EMAIL_FROM: "alerts@mail.example.com",
      MSGEVENTS_ALERT_SPARKPOST_API_URL: "https://api.eu.sparkpost.com",
    });
    expect(JSON.stringify(run.ofType("aws:lambda/function:Function").map((f) => f.inputs.environment))).not.toContain(
      "sparkpost-key-0123456789",
    );
    expect(run.named("alerts-schedule").inputs.scheduleExpression).toBe("rate(10 minutes)");
    expect(run.ofType("random:index/randomPassword:RandomPassword").map((r) => r.name)).not.toContain(
      "alerts-signing-key",
    );
  });

  it("refuses a SparkPost key without a From address, saying what to set", () => {
    const config = {
      name: "msgevents",
      get: () => undefined,
      getSecret: (key: string) => (key === "alertSparkPostApiKey" ? pulumi.output("key") : undefined),
    } as unknown as pulumi.Config;
    expect(() => readAlertSettings(config)).toThrow(
      "msgevents:alertSparkPostApiKey and msgevents:alertEmailFrom go together",
    );
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { ERASURE_ALARM_SECONDS } from "../src/components/erasure.ts";
import { eraserPolicy } from "../src/erasure-policies.ts";
import { fixtureSourceRoot, type ProgramRun, policyOf, type RecordedResource, runProgram } from "./harness.ts";
import { findBroadGrants } from "./iam-walker.ts";

const actionsOf = (policy: { Statement: { Action?: string | string[] }[] }) =>
  policy.Statement.flatMap((statement) => statement.Action ?? []);

describe("the eraser's policy", () => {
  const args = {
    logGroupArn: "arn:aws:logs:us-east-1:123456789012:log-group:eraser",
    bucketArn: "arn:aws:s3:::batches-dev",
    batchPrefix: "batches/",
    databaseUser: "arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABC/msgevents_eraser",
    recipientSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:recipient",
  };

  it("reads and rewrites batch objects under the prefix, and never deletes a current object", () => {
    const policy = eraserPolicy({ ...args, versioned: false });
    const rewrite = policy.Statement.find((statement) => statement.Sid === "RewriteBatches");
    expect(rewrite).toMatchObject({
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: ["arn:aws:s3:::batches-dev/batches/*"],
    });
    expect(actionsOf(policy)).not.toContain("s3:DeleteObject");
    expect(actionsOf(policy)).not.toContain("s3:DeleteObjectVersion");
    expect(actionsOf(policy)).not.toContain("s3:ListBucketVersions");
  });

  it("may list and delete object versions only when the bucket keeps them, and only under the batch prefix", () => {
    const policy = eraserPolicy({ ...args, versioned: true });
    expect(policy.Statement.find((statement) => statement.Sid === "DeleteNoncurrentBatchVersions")).toMatchObject({
      Action: ["s3:DeleteObjectVersion"],
      Resource: ["arn:aws:s3:::batches-dev/batches/*"],
    });
    expect(policy.Statement.find((statement) => statement.Sid === "ListBatchVersions")).toMatchObject({
      Action: ["s3:ListBucketVersions"],
      Resource: ["arn:aws:s3:::batches-dev"],
      Condition: { StringLike: { "s3:prefix": "batches/*" } },
    });
    const isVpc = (statement: { Sid?: string }) => statement.Sid === "AttachToVpc";
    expect(findBroadGrants(policy, "identity", isVpc)).toEqual([]);
  });
});

describe("erasure in the deployed stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ sourceRoot: fixtureSourceRoot() });
  });
  const find = (type: string, name: string) =>
    run.ofType(type).find((resource) => resource.name === name) as RecordedResource;
  const arnOf = (name: string) => String(find("aws:secretsmanager/secret:Secret", name).state.arn);

  it("runs the eraser in the VPC as the one database user that may delete events, from its own bundle", () => {
    const eraser = find("aws:lambda/function:Function", "erasure-eraser-function");
    expect(eraser.inputs.vpcConfig.subnetIds).toHaveLength(2);
    expect(eraser.inputs.environment.variables).toMatchObject({
      MSGEVENTS_DB_USER: "msgevents_eraser",
      MSGEVENTS_DB_IAM_AUTH: "true",
      MSGEVENTS_S3_VERSIONED: "true",
      MSGEVENTS_RECIPIENT_SECRET_ARN: arnOf("recipient-hash-secret"),
    });
    const policy = policyOf(find("aws:iam/rolePolicy:RolePolicy", "erasure-eraser-policy"));
    // The batch bucket keeps versions: the eraser may delete a rewritten batch's noncurrent ones.
    expect(policy.Statement.map((statement) => statement.Sid)).toContain("DeleteNoncurrentBatchVersions");
    const connect = policy.Statement.find((statement) => (statement.Action as string[]).includes("rds-db:connect"));
    expect(connect?.Resource).toEqual([expect.stringMatching(/\/msgevents_eraser$/)]);
  });

  it("lets only the loader, query and the eraser read the recipient-hash key, which is generated as a secret", () => {
    const secretArn = arnOf("recipient-hash-secret");
    const readers = run
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .filter((policy) =>
        policyOf(policy).Statement.some((statement) =>
          (statement.Resource as string[] | undefined)?.includes(secretArn),
        ),
      )
      .map((policy) => policy.name)
      .sort();
    expect(readers).toEqual(["erasure-eraser-policy", "functions-loader-policy", "functions-query-policy"]);
    const egress = run.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((rule) => rule.name);
    for (const fn of ["loader", "eraser"]) expect(egress).toContain(`network-${fn}-to-secrets-endpoint`);
    expect(egress).toContain("network-eraser-to-s3");
  });

  it("runs the eraser every 15 minutes through its live alias, after the migration", () => {
    const rule = find("aws:cloudwatch/eventRule:EventRule", "erasure-schedule");
    expect(rule.inputs.scheduleExpression).toBe("rate(15 minutes)");
    const alias = find("aws:lambda/alias:Alias", "erasure-eraser-live");
    expect(alias.dependsOn).toContain("functions-migrate");
    expect(find("aws:cloudwatch/eventTarget:EventTarget", "erasure-schedule").inputs.arn).toBe(alias.state.arn);
    expect(find("aws:lambda/permission:Permission", "erasure-schedule").inputs).toMatchObject({
      principal: "events.amazonaws.com",
      qualifier: "live",
      sourceArn: rule.state.arn,
    });
  });

  it("alarms when a request stays unfinished past a day, or when the eraser stops reporting", () => {
    const alarm = find("aws:cloudwatch/metricAlarm:MetricAlarm", "erasure-unfinished");
    expect(alarm.inputs).toMatchObject({
      namespace: "msgevents",
      metricName: "OldestOpenErasureRequestSeconds",
      dimensions: { service: "msgevents-eraser" },
      statistic: "Maximum",
      threshold: ERASURE_ALARM_SECONDS,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "breaching",
    });
    expect(ERASURE_ALARM_SECONDS).toBe(86_400);
    expect(alarm.inputs.alarmActions).toEqual([find("aws:sns/topic:Topic", "alarms-topic").state.arn]);
  });

  it("routes the Data Privacy API and its audit to the query function", () => {
    const routes = run.ofType("aws:apigatewayv2/route:Route").map((route) => route.inputs.routeKey);
    expect(routes).toEqual(
      expect.arrayContaining([
        "POST /api/v1/data-privacy/rtbf-request",
        "GET /api/v1/data-privacy/rtbf-requests",
        "GET /api/v1/data-privacy/rtbf-requests/{proxy+}",
      ]),
    );
  });
});

import { describe, expect, it } from "vitest";
import { fixtureSourceRoot, type ProgramRun, programFailure, runProgram } from "./harness.ts";

const awsResources = (run: ProgramRun) => run.resources.filter((r) => r.type.startsWith("aws:"));
const sourceRoot = fixtureSourceRoot();

describe("the pre-flight", () => {
  it("asks Service Quotas for the Lambda concurrency quota and the RDS catalogue for the class, through the stack's provider", async () => {
    const run = await runProgram({ sourceRoot });
    const call = (token: string) => run.calls.find((c) => c.token === token)?.inputs;
    expect(call("aws:servicequotas/getServiceQuota:getServiceQuota")).toEqual({
      serviceCode: "lambda",
      quotaCode: "L-B99A9384",
    });
    expect(call("aws:rds/getEngineVersion:getEngineVersion")).toMatchObject({ engine: "postgres", version: "18" });
    expect(call("aws:rds/getOrderableDbInstance:getOrderableDbInstance")).toMatchObject({
      engine: "postgres",
      engineVersion: "18.1",
      preferredInstanceClasses: ["db.t4g.micro"],
      storageType: "gp3",
    });
    expect(call("aws:index/getAvailabilityZones:getAvailabilityZones")).toMatchObject({
      state: "available",
      excludeZoneIds: ["use1-az3"],
    });
  });

  it("refuses a quota that cannot hold the reservations before declaring any resource, naming the quota and the fix", async () => {
    const { error, run } = await programFailure({ sourceRoot }, { account: { lambdaConcurrencyQuota: 10 } });
    expect(error.message).toMatch(
      /the account's Lambda concurrency quota in us-east-1 is 10, .* needs at least 112 \(Service Quotas: AWS Lambda → Concurrent executions, L-B99A9384\)\. Either request an increase .* or set msgevents:lambdaReservedConcurrency false/,
    );
    expect(awsResources(run)).toEqual([]);
  });

  it("lets a small account deploy without reserved concurrency, its quota then capping the query function", async () => {
    const run = await runProgram(
      { sourceRoot, lambdaReservedConcurrency: "false" },
      { account: { lambdaConcurrencyQuota: 10 } },
    );
    for (const fn of ["functions-query", "functions-maintenance", "alerts-evaluator"]) {
      expect(run.named(`${fn}-function`).inputs.reservedConcurrentExecutions, fn).toBeUndefined();
    }
  });

  it("refuses to leave the query function unreserved where the account's quota could exhaust the database", async () => {
    const { error, run } = await programFailure({ sourceRoot, lambdaReservedConcurrency: "false" });
    expect(error.message).toMatch(
      /could open 2016 database connections \(loader 5×2, query 1000×2, .*\) but db\.t4g\.micro leaves 68 for them: set msgevents:lambdaReservedConcurrency true/,
    );
    expect(awsResources(run)).toEqual([]);
  });

  it("refuses an instance class RDS does not offer in the region, with RDS's own message", async () => {
    const { error, run } = await programFailure(
      { sourceRoot, dbInstanceClass: "db.r8g.large" },
      { account: { rdsZones: (instanceClass) => (instanceClass === "db.r8g.large" ? undefined : ["us-east-1b"]) } },
    );
    expect(error.message).toBe(
      "RDS in us-east-1 does not offer db.r8g.large for PostgreSQL 18.1 with gp3 storage: choose another " +
        "msgevents:dbInstanceClass (aws rds describe-orderable-db-instance-options --engine postgres --engine-version 18.1). " +
        "(invocation of aws:rds/getOrderableDbInstance:getOrderableDbInstance returned an error: no RDS DB Instance Classes match the criteria; try a different search)",
    );
    expect(awsResources(run)).toEqual([]);
  });

  it("refuses a region without PostgreSQL 18, and an identity that cannot read the quota", async () => {
    const noEngine = await programFailure(
      { sourceRoot },
      {
        account: {
          failing: { "aws:rds/getEngineVersion:getEngineVersion": "no RDS engine versions match the criteria" },
        },
      },
    );
    expect(noEngine.error.message).toMatch(/^RDS in us-east-1 offers no PostgreSQL 18 .*no RDS engine versions match/);
    const denied = await programFailure(
      { sourceRoot },
      { account: { failing: { "aws:servicequotas/getServiceQuota:getServiceQuota": "AccessDeniedException" } } },
    );
    expect(denied.error.message).toMatch(/needs servicequotas:GetServiceQuota\. .*AccessDeniedException/);
  });

  it("places the subnets only where the instance class and the Secrets Manager endpoint are offered", async () => {
    const run = await runProgram(
      { sourceRoot },
      { account: { rdsZones: () => ["us-east-1a", "us-east-1c", "us-east-1d", "us-east-1e"] } },
    );
    expect(run.ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone)).toEqual([
      "us-east-1c",
      "us-east-1d",
    ]);
    const noZones = await programFailure({ sourceRoot }, { account: { endpointZones: () => ["us-east-1b"] } });
    expect(noZones.error.message).toMatch(/fewer than two zones .* use1-az2 lacks the Secrets Manager endpoint/);
  });

  it("uses pinned zone ids", async () => {
    const run = await runProgram({ sourceRoot, availabilityZoneIds: "use1-az5,use1-az4" });
    expect(run.ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone)).toEqual([
      "us-east-1e",
      "us-east-1d",
    ]);
  });

  it("writes ARNs and endpoint service names for the partition AWS reports, never a literal arn:aws", async () => {
    const run = await runProgram(
      { sourceRoot },
      {
        account: {
          partition: { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn", reverseDnsPrefix: "cn.com.amazonaws" },
        },
      },
    );
    const connect = JSON.parse(run.named("functions-query-policy").inputs.policy).Statement.find(
      (statement: { Action: string[] }) => statement.Action.includes("rds-db:connect"),
    );
    expect(connect.Resource).toEqual([expect.stringMatching(/^arn:aws-cn:rds-db:us-east-1:123456789012:dbuser:/)]);
    const evaluatorConnect = JSON.parse(run.named("alerts-evaluator-policy").inputs.policy).Statement.find(
      (statement: { Action: string[] }) => statement.Action.includes("rds-db:connect"),
    );
    expect(evaluatorConnect.Resource).toEqual([
      expect.stringMatching(/^arn:aws-cn:rds-db:us-east-1:123456789012:dbuser:.*\/msgevents_alerts$/),
    ]);
    expect(run.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs.serviceName)).toEqual([
      "cn.com.amazonaws.us-east-1.s3",
      "cn.com.amazonaws.us-east-1.secretsmanager",
    ]);
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { deployedConnectionBudget } from "./deployed-budget.ts";
import { fixtureSourceRoot, isSecretValue, type ProgramRun, plain, runProgram } from "./harness.ts";
import { productionConfig } from "./production-config.ts";

/** Inputs that set a resource's physical (account-wide) name. Left unset, the provider derives one per stack. */
const PHYSICAL_NAME_INPUTS = [
  "name",
  "namePrefix",
  "bucket",
  "bucketPrefix",
  "identifier",
  "identifierPrefix",
  "functionName",
  "finalSnapshotIdentifier",
  "domainName",
];
/** Names that only need to be unique inside their parent (an alias per function, a stage per API). */
const SCOPED_NAMES = new Set(["aws:lambda/alias:Alias", "aws:apigatewayv2/stage:Stage"]);
/** Values another resource reports (its id, name, ARN): an input holding one refers to that resource. */
const referenceValues = (run: ProgramRun) =>
  new Set(
    run.resources.flatMap((r) => {
      const { name, bucket, arn, identifier } = r.state as Record<string, unknown>;
      return [name, bucket, arn, identifier].flatMap((v) => (typeof v === "string" ? [v, `${v}-id`] : []));
    }),
  );

const physicalNames = (run: ProgramRun) => {
  const references = referenceValues(run);
  return run.resources
    .filter((r) => !r.type.startsWith("msgevents:") && !SCOPED_NAMES.has(r.type))
    .flatMap((r) =>
      PHYSICAL_NAME_INPUTS.filter((key) => r.inputs[key] !== undefined && !references.has(String(r.inputs[key]))).map(
        (key) => ({ resource: `${r.type} ${r.name}`, key, value: String(r.inputs[key]) }),
      ),
    );
};

describe("two stacks of the program", () => {
  let dev: ProgramRun;
  let prod: ProgramRun;
  beforeAll(async () => {
    const sourceRoot = fixtureSourceRoot();
    dev = await runProgram({ sourceRoot }, { stack: "dev" });
    prod = await runProgram({ sourceRoot }, { stack: "prod" });
  });

  it("hard-code no physical name: every name they set is derived per stack", () => {
    const devNames = physicalNames(dev);
    const prodValues = new Set(physicalNames(prod).map((n) => n.value));
    expect(devNames.filter((n) => prodValues.has(n.value))).toEqual([]);
    // Only the final snapshot carries a name of ours, made unique by a random suffix.
    expect(devNames.map((n) => n.key)).toEqual(["finalSnapshotIdentifier"]);
  });
});

describe("a production-like stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ sourceRoot: fixtureSourceRoot(), ...productionConfig });
  });

  it("passes the database settings through", () => {
    expect(run.named("database-postgres").inputs).toMatchObject({
      instanceClass: "db.m7g.large",
      allocatedStorage: 200,
      maxAllocatedStorage: 1000,
      backupRetentionPeriod: 30,
      multiAz: true,
      deletionProtection: true,
      storageEncrypted: true,
      publiclyAccessible: false,
    });
    const alarms = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.metricName);
    expect(alarms).not.toContain("CPUCreditBalance");
  });

  it("uses the given credentials instead of generating them, and still exports them only as secrets", () => {
    expect(run.ofType("random:index/randomPassword:RandomPassword").map((r) => r.name)).toEqual([
      "secrets-cursor-secret",
      "alerts-signing-key",
    ]);
    expect(run.outputs).toMatchObject({
      webhookUsername: "sparkpost-prod",
      webhookPassword: productionConfig.webhookPassword,
      apiKey: productionConfig.apiKey,
    });
    expect(run.secretOutputs).toEqual(
      expect.arrayContaining(["webhookUsername", "webhookPassword", "oauthClientId", "oauthClientSecret", "apiKey"]),
    );
    for (const version of run.ofType("aws:secretsmanager/secretVersion:SecretVersion")) {
      expect(isSecretValue(version.inputs.secretString)).toBe(true);
    }
    const webhook = run
      .ofType("aws:secretsmanager/secretVersion:SecretVersion")
      .map((v) => String(plain(v.inputs.secretString)));
    expect(webhook.some((text) => text.includes(productionConfig.oauthClientSecret as string))).toBe(true);
  });

  it("serves the API on the custom domain only, and subscribes the alarm e-mail", () => {
    expect(run.named("api-http").inputs.disableExecuteApiEndpoint).toBe(true);
    expect(run.named("api-domain").inputs).toMatchObject({
      domainName: "events.example.com",
      domainNameConfiguration: {
        certificateArn: productionConfig.certificateArn,
        endpointType: "REGIONAL",
        securityPolicy: "TLS_1_2",
      },
    });
    expect(run.ofType("aws:apigatewayv2/apiMapping:ApiMapping")).toHaveLength(1);
    expect(run.outputs.webhookUrl).toBe("https://events.example.com/webhooks/sparkpost");
    expect(run.outputs.eventsApiUrl).toBe("https://events.example.com/api/v1/events/message");
    expect(run.ofType("aws:sns/topicSubscription:TopicSubscription")[0]?.inputs).toMatchObject({
      protocol: "email",
      endpoint: "ops@example.com",
    });
  });

  it("applies retention, lifecycle, concurrency and endpoint zones from the configuration", () => {
    expect(run.named("functions-ingest-function").inputs.environment.variables.MSGEVENTS_MAX_BODY_BYTES).toBe(
      "4194304",
    );
    expect(run.named("functions-maintenance-function").inputs.environment.variables.MSGEVENTS_RETENTION_DAYS).toBe(
      "400",
    );
    expect(run.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0]?.inputs.rules).toEqual([
      expect.objectContaining({ transitions: [{ days: 60, storageClass: "GLACIER_IR" }], expiration: { days: 730 } }),
      expect.objectContaining({ id: "old-versions" }),
    ]);
    expect(run.named("loader-trigger-sqs").inputs.scalingConfig).toEqual({ maximumConcurrency: 20 });
    expect(run.named("functions-query-function").inputs.reservedConcurrentExecutions).toBe(40);
    expect(run.named("network-secretsmanager").inputs.subnetIds).toHaveLength(2);
    const budget = deployedConnectionBudget(run);
    expect(budget.demand.total).toBe(20 * 3 + 40 * 2 + 2 + 2 + 2);
    expect(budget.demand.total).toBeLessThanOrEqual(budget.available);
    for (const group of run.ofType("aws:cloudwatch/logGroup:LogGroup")) expect(group.inputs.retentionInDays).toBe(90);
  });
});

describe("a stack that turns the safety defaults off", () => {
  it("lets the database and bucket go on destroy when asked to", async () => {
    const run = await runProgram({
      sourceRoot: fixtureSourceRoot(),
      dbDeletionProtection: "false",
      dbFinalSnapshot: "false",
      archiveForceDestroy: "true",
      archiveTransitionDays: "0",
    });
    const db = run.named("database-postgres");
    expect(db.inputs).toMatchObject({ deletionProtection: false, skipFinalSnapshot: true });
    expect(db.inputs.finalSnapshotIdentifier).toBeUndefined();
    expect(db.protect).toBe(false);
    expect(run.named("archive-batches").inputs.forceDestroy).toBe(true);
    expect(run.named("archive-batches").protect).toBe(false);
    // No transition, no expiry: only the rule that expires old versions is left (the alert outbox keeps its own).
    expect(
      run
        .ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        .find((r) => r.name === "archive-batches")
        ?.inputs.rules.map((rule: { id: string }) => rule.id),
    ).toEqual(["old-versions"]);
  });
});

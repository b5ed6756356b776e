import { beforeAll, describe, expect, it } from "vitest";
import { NO_SUBSCRIBER_WARNING } from "../src/components/alarms.ts";
import { ROUTES, routeArnPath, routeSlug } from "../src/components/api.ts";
import { BATCH_PREFIX } from "../src/components/batch-archive.ts";
import { deployedConnectionBudget } from "./deployed-budget.ts";
import {
  fixtureSourceRoot,
  isSecretValue,
  type ProgramRun,
  plain,
  policyOf,
  type RecordedResource,
  runProgram,
} from "./harness.ts";

let run: ProgramRun;

beforeAll(async () => {
  run = await runProgram({ sourceRoot: fixtureSourceRoot() });
});

/** The one resource of a type outside the alerts component (test/alerts.test.ts checks that one's own). */
const one = (type: string) => {
  const found = run.ofType(type).filter((resource) => !resource.name.startsWith("alerts-"));
  expect(found, type).toHaveLength(1);
  return found[0] as NonNullable<(typeof found)[number]>;
};
const fn = (name: string) => run.named(`functions-${name}-function`);
const arnOf = (name: string) => run.named(name).state.arn;

describe("the stack's provider", () => {
  it("keeps the stack's own aws settings and tags, and adds the project and stack tags", async () => {
    const run = await runProgram(
      {
        sourceRoot: fixtureSourceRoot(),
        "aws:region": "eu-west-1",
        "aws:defaultTags": JSON.stringify({ tags: { team: "mail", project: "overridden" } }),
      },
      { stack: "prod" },
    );
    const provider = run.named("msgevents");
    expect(provider.inputs.region).toBe("eu-west-1");
    expect(JSON.parse(provider.inputs.defaultTags)).toEqual({
      tags: { team: "mail", project: "msgevents", stack: "prod" },
    });
  });
});

describe("the default stack", () => {
  it("creates every child inside a msgevents component", () => {
    const custom = run.resources.filter((r) => !r.type.startsWith("msgevents:") && !r.type.startsWith("pulumi:"));
    expect(custom.length).toBeGreaterThan(100);
    for (const resource of custom) expect(resource.parentType, resource.name).toMatch(/^msgevents:aws:/);
  });

  it("creates and looks up everything through one provider that tags every resource with the project and stack", () => {
    const provider = one("pulumi:providers:aws");
    expect(JSON.parse(provider.inputs.defaultTags)).toEqual({ tags: { project: "msgevents", stack: "dev" } });
    // `<provider URN>::<provider id>` (mock URNs also carry the stack's type).
    const reference = `pulumi:providers:aws::${provider.name}::${provider.name}-dev-`;
    for (const resource of run.resources.filter((r) => r.type.startsWith("aws:"))) {
      expect(resource.provider, resource.name).toContain(reference);
    }
    expect(run.calls.length).toBeGreaterThan(5);
    for (const call of run.calls) expect(call.provider, call.token).toContain(reference);
  });

  it("keeps the database private, encrypted, TLS-only, IAM-authenticated and deletion-protected", () => {
    const db = one("aws:rds/instance:Instance").inputs;
    expect(db).toMatchObject({
      engine: "postgres",
      engineVersion: "18",
      instanceClass: "db.t4g.micro",
      allocatedStorage: 20,
      storageEncrypted: true,
      publiclyAccessible: false,
      manageMasterUserPassword: true,
      iamDatabaseAuthenticationEnabled: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      backupRetentionPeriod: 7,
      multiAz: false,
    });
    expect(db.password).toBeUndefined();
    expect(db.finalSnapshotIdentifier).toMatch(/^msgevents-final-[0-9a-z-]+$/);
    const parameters = one("aws:rds/parameterGroup:ParameterGroup").inputs;
    expect(parameters.family).toBe("postgres18");
    expect(parameters.parameters).toContainEqual({ name: "rds.force_ssl", value: "1" });
    // Frozen and superseded Lambda environments' connections close after 5 minutes idle; a killed client's
    // statement (a timed-out migrator) stops within 10 seconds.
    expect(parameters.parameters).toContainEqual({ name: "idle_session_timeout", value: "300000" });
    expect(parameters.parameters).toContainEqual({ name: "client_connection_check_interval", value: "10000" });
    expect(db.maxAllocatedStorage).toBe(100);
  });

  it("opens the database only to the five functions in the VPC, on PostgreSQL's port", () => {
    const dbGroupId = `${run.named("network-database").state.name}`;
    const ingress = run.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    const intoDatabase = ingress.filter((rule) => rule.name.startsWith("network-database-from-"));
    expect(intoDatabase.map((rule) => rule.name).sort()).toEqual(
      ["eraser", "loader", "maintenance", "migrator", "query"].map((f) => `network-database-from-${f}`),
    );
    for (const rule of intoDatabase) {
      expect(rule.inputs).toMatchObject({ ipProtocol: "tcp", fromPort: 5432, toPort: 5432 });
      expect(rule.inputs.cidrIpv4).toBeUndefined();
      expect(rule.inputs.referencedSecurityGroupId).toMatch(/^network-(loader|query|maintenance|migrator|eraser)-dev-/);
    }
    for (const rule of ingress) expect(rule.inputs.cidrIpv4 ?? rule.inputs.cidrIpv6).toBeUndefined();
    expect(dbGroupId).toBeDefined();
  });

  it("builds an isolated network: two subnets in two zones, no NAT or internet gateway, S3 and Secrets Manager endpoints", () => {
    const subnets = run.ofType("aws:ec2/subnet:Subnet");
    // us-east-1a is use1-az3 in the mock account: excluded, so the first two usable zones are b and c.
    expect(subnets.map((s) => s.inputs.availabilityZone)).toEqual(["us-east-1b", "us-east-1c"]);
    for (const s of subnets) {
      expect(s.inputs.mapPublicIpOnLaunch).not.toBe(true);
      expect(s.ignoreChanges).toEqual(["availabilityZone", "availabilityZoneId"]);
    }
    expect(run.ofType("aws:ec2/natGateway:NatGateway")).toHaveLength(0);
    expect(run.ofType("aws:ec2/internetGateway:InternetGateway")).toHaveLength(0);
    expect(run.ofType("aws:ec2/route:Route")).toHaveLength(0);
    const endpoints = run.ofType("aws:ec2/vpcEndpoint:VpcEndpoint");
    expect(endpoints.map((e) => [e.inputs.serviceName, e.inputs.vpcEndpointType]).sort()).toEqual([
      ["com.amazonaws.us-east-1.s3", "Gateway"],
      ["com.amazonaws.us-east-1.secretsmanager", "Interface"],
    ]);
    const secrets = run.named("network-secretsmanager").inputs;
    expect(secrets.subnetIds).toHaveLength(1);
    expect(secrets.privateDnsEnabled).toBe(true);
  });

  it("keeps the batch bucket private, encrypted and TLS-only, and not force-destroyed", () => {
    const bucket = run.named("archive-batches");
    expect(bucket.inputs.forceDestroy).toBe(false);
    expect(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules,
    ).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    const policy = policyOf(one("aws:s3/bucketPolicy:BucketPolicy"));
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    const lifecycle = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules;
    expect(lifecycle).toEqual([
      expect.objectContaining({
        id: "raw-batches",
        filter: { prefix: BATCH_PREFIX },
        transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
      }),
      expect.objectContaining({ id: "old-versions" }),
    ]);
    expect(lifecycle[0].expiration).toBeUndefined();
  });

  it("versions the batch bucket and expires a deleted or overwritten batch's old version after 30 days", () => {
    const bucketId = `${run.named("archive-batches").state.bucket}-id`;
    expect(one("aws:s3/bucketVersioning:BucketVersioning").inputs).toEqual({
      bucket: bucketId,
      versioningConfiguration: { status: "Enabled" },
    });
    const lifecycle = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(lifecycle.dependsOn).toContain("archive-batches");
    expect(lifecycle.inputs.rules[1]).toEqual({
      id: "old-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: 30 },
      expiration: { expiredObjectDeleteMarker: true },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    });
  });

  it("wires bucket → notification → queue → event source mapping → loader's live alias, with a dead-letter queue", () => {
    const bucketName = run.named("archive-batches").state.bucket;
    const queueArn = run.named("archive-notifications").state.arn;
    const dlqArn = arnOf("archive-dead-letters");
    const notification = one("aws:s3/bucketNotification:BucketNotification").inputs;
    expect(notification.bucket).toBe(`${bucketName}-id`);
    expect(notification.queues).toEqual([
      expect.objectContaining({ queueArn, events: ["s3:ObjectCreated:*"], filterPrefix: BATCH_PREFIX }),
    ]);

    const queue = run.named("archive-notifications").inputs;
    expect(queue.sqsManagedSseEnabled).toBe(true);
    expect(JSON.parse(queue.redrivePolicy)).toEqual({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 });
    expect(queue.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * fn("loader").inputs.timeout);
    expect(run.named("archive-dead-letters").inputs.sqsManagedSseEnabled).toBe(true);

    const queuePolicy = policyOf(one("aws:sqs/queuePolicy:QueuePolicy"));
    const allow = queuePolicy.Statement.filter((s) => s.Effect === "Allow");
    expect(allow).toEqual([
      expect.objectContaining({
        Principal: { Service: "s3.amazonaws.com" },
        Action: ["sqs:SendMessage"],
        Resource: [queueArn],
        Condition: expect.objectContaining({ ArnEquals: { "aws:SourceArn": run.named("archive-batches").state.arn } }),
      }),
    ]);

    const mapping = one("aws:lambda/eventSourceMapping:EventSourceMapping").inputs;
    expect(mapping).toMatchObject({
      eventSourceArn: queueArn,
      functionName: run.named("functions-loader-live").state.arn,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: 5 },
    });
  });

  it("routes exactly the local stack's routes, each to its function's live alias", () => {
    const routes = run.ofType("aws:apigatewayv2/route:Route");
    expect(routes.map((r) => r.inputs.routeKey).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const integrations = new Map(
      run.ofType("aws:apigatewayv2/integration:Integration").map((i) => [`${i.name}-id`, i]),
    );
    for (const route of ROUTES) {
      const recorded = routes.find((r) => r.inputs.routeKey === `${route.method} ${route.path}`);
      const integrationId = String(recorded?.inputs.target).replace("integrations/", "");
      const integration = [...integrations.values()].find((i) => integrationId.startsWith(i.name));
      expect(integration?.inputs).toMatchObject({
        integrationType: "AWS_PROXY",
        payloadFormatVersion: "2.0",
        integrationUri: run.named(`functions-${route.target}-live`).state.invokeArn,
      });
      const slug = routeSlug(route);
      expect(run.named(`api-${slug}`).type).toBe("aws:apigatewayv2/route:Route");
      const permission = run.resources.find(
        (r) => r.type === "aws:lambda/permission:Permission" && r.name === `api-${slug}`,
      );
      expect(permission?.inputs).toMatchObject({
        principal: "apigateway.amazonaws.com",
        qualifier: "live",
        function: fn(route.target).state.name,
        sourceArn: `${run.named("api-http").state.executionArn}/*/${routeArnPath(route)}`,
      });
    }
  });

  it("routes the web app's page and every file under /assets/ to the query function, a permission each", () => {
    const queryRoutes = run
      .ofType("aws:apigatewayv2/route:Route")
      .map((route) => route.inputs.routeKey)
      .filter((key) => key === "GET /" || key.startsWith("GET /assets/"));
    expect(queryRoutes.sort()).toEqual(["GET /", "GET /assets/{proxy+}"]);
    const executionArn = run.named("api-http").state.executionArn;
    const permission = (name: string) =>
      run.resources.find((r) => r.type === "aws:lambda/permission:Permission" && r.name === name)?.inputs;
    expect(permission("api-get")).toMatchObject({ qualifier: "live", sourceArn: `${executionArn}/*/GET/` });
    expect(permission("api-get-assets-proxy")).toMatchObject({
      qualifier: "live",
      sourceArn: `${executionArn}/*/GET/assets/*`,
    });
  });

  it("routes the Metrics API's summary and every route below it to the query function, a permission each", () => {
    const metricsRoutes = run
      .ofType("aws:apigatewayv2/route:Route")
      .map((route) => route.inputs.routeKey)
      .filter((key) => key.startsWith("GET /api/v1/metrics/"));
    expect(metricsRoutes.sort()).toEqual([
      "GET /api/v1/metrics/deliverability",
      "GET /api/v1/metrics/deliverability/{proxy+}",
    ]);
    const executionArn = run.named("api-http").state.executionArn;
    const permission = (name: string) =>
      run.resources.find((r) => r.type === "aws:lambda/permission:Permission" && r.name === name)?.inputs;
    expect(permission("api-get-api-v1-metrics-deliverability-proxy")).toMatchObject({
      qualifier: "live",
      function: fn("query").state.name,
      sourceArn: `${executionArn}/*/GET/api/v1/metrics/deliverability/*`,
    });
  });

  it("throttles the stage and writes JSON access logs to a log group with retention", () => {
    const stage = one("aws:apigatewayv2/stage:Stage").inputs;
    expect(stage.defaultRouteSettings).toMatchObject({ throttlingRateLimit: 50, throttlingBurstLimit: 100 });
    expect(stage.accessLogSettings.destinationArn).toBe(arnOf("api-access-logs"));
    const sample = stage.accessLogSettings.format
      .replace("$context.status", "503")
      .replace("$context.responseLatency", "1234")
      .replace("$context.error.messageString", '"Internal Server Error"');
    // Numbers, so metric filters can compare them; nothing API Gateway writes unescaped inside a string.
    expect(JSON.parse(sample)).toMatchObject({ status: 503, latencyMs: 1234, routeKey: "$context.routeKey" });
    expect(stage.accessLogSettings.format).not.toContain("integrationErrorMessage");
    expect(run.named("api-access-logs").inputs.retentionInDays).toBe(30);
  });

  it("runs each function from its bundle on Node.js 24 arm64, with its own role and log group", () => {
    const functions = run.ofType("aws:lambda/function:Function");
    expect(functions).toHaveLength(8);
    const roles = new Set(functions.map((f) => f.inputs.role));
    expect(roles.size).toBe(8);
    for (const f of functions) {
      expect(f.inputs).toMatchObject({ runtime: "nodejs24.x", architectures: ["arm64"], handler: "index.handler" });
      expect(f.inputs.loggingConfig.logGroup).toMatch(/-logs-dev-/);
    }
    for (const group of run.ofType("aws:cloudwatch/logGroup:LogGroup")) expect(group.inputs.retentionInDays).toBe(30);
    expect(fn("ingest").inputs.vpcConfig).toBeUndefined();
    for (const name of ["loader", "query", "maintenance", "migrator"]) {
      expect(fn(name).inputs.vpcConfig.subnetIds, name).toHaveLength(2);
    }
  });

  it("sets exactly the environment each function reads (CONTRACTS.md), and no secret value", () => {
    const env = (name: string) => fn(name).inputs.environment.variables;
    const database = (user: string) => ({
      MSGEVENTS_DB_HOST: run.named("database-postgres").state.address,
      MSGEVENTS_DB_PORT: "5432",
      MSGEVENTS_DB_NAME: "msgevents",
      MSGEVENTS_DB_USER: user,
      MSGEVENTS_DB_SSL: "true",
      MSGEVENTS_DB_IAM_AUTH: "true",
      NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
    });
    expect(env("ingest")).toEqual({
      MSGEVENTS_S3_BUCKET: run.named("archive-batches").state.bucket,
      MSGEVENTS_WEBHOOK_SECRET_ARN: arnOf("secrets-webhook"),
      MSGEVENTS_WEBHOOK_AUTH: "basic,oauth2",
    });
    expect(env("loader")).toEqual({
      ...database("msgevents_loader"),
      MSGEVENTS_S3_BUCKET: run.named("archive-batches").state.bucket,
      MSGEVENTS_LOADER_POOL_MAX: "2",
      MSGEVENTS_RECIPIENT_SECRET_ARN: arnOf("recipient-hash-secret"),
    });
    expect(env("query")).toEqual({
      ...database("msgevents_query"),
      MSGEVENTS_API_SECRET_ARN: arnOf("secrets-api"),
      MSGEVENTS_DB_POOL_MAX: "2",
      MSGEVENTS_QUERY_TIMEOUT_MS: "15000",
      MSGEVENTS_RECIPIENT_SECRET_ARN: arnOf("recipient-hash-secret"),
      NODE_OPTIONS: "--max-semi-space-size=64",
    });
    expect(env("maintenance")).toEqual(database("msgevents_maintenance"));
    const { MSGEVENTS_DB_USER: _user, MSGEVENTS_DB_IAM_AUTH: _iam, ...connection } = database("");
    expect(env("migrator")).toEqual({
      ...connection,
      MSGEVENTS_DB_MASTER_SECRET_ARN: (
        run.named("database-postgres").state.masterUserSecrets as { secretArn: string }[]
      )[0]?.secretArn,
    });
    const secretValues = ["webhookPassword", "oauthClientSecret", "apiKey"].map((key) => String(run.outputs[key]));
    for (const f of run.ofType("aws:lambda/function:Function")) {
      const text = JSON.stringify(f.inputs.environment);
      for (const secret of secretValues) expect(text).not.toContain(secret);
    }
  });

  it("caps the query function's and maintenance's concurrency", () => {
    expect(fn("query").inputs.reservedConcurrentExecutions).toBe(10);
    expect(fn("maintenance").inputs.reservedConcurrentExecutions).toBe(1);
  });

  it("can never open more database connections than db.t4g.micro leaves them (infra/README.md)", () => {
    const budget = deployedConnectionBudget(run);
    expect(budget.demand.total).toBe(36);
    expect(budget.demand.total).toBeLessThanOrEqual(budget.available);
  });

  it("stores generated webhook and API credentials in two Secrets Manager secrets", () => {
    const secrets = run.ofType("aws:secretsmanager/secret:Secret");
    const versions = run.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    const contentOf = (secretName: string) => {
      const secretId = `${secrets.find((x) => x.name === secretName)?.state.name}-id`;
      const secretString = versions.find((v) => v.inputs.secretId === secretId)?.inputs.secretString;
      expect(isSecretValue(secretString), secretName).toBe(true);
      return JSON.parse(String(plain(secretString)));
    };
    // The third is the recipient-hash key's (test/erasure.test.ts), the fourth the alert sender's (test/alerts.test.ts).
    expect(versions).toHaveLength(4);
    const webhook = contentOf("secrets-webhook");
    expect(Object.keys(webhook).sort()).toEqual(["oauthClientId", "oauthClientSecret", "password", "username"]);
    expect(webhook).toMatchObject({
      username: run.outputs.webhookUsername,
      password: run.outputs.webhookPassword,
      oauthClientId: run.outputs.oauthClientId,
      oauthClientSecret: run.outputs.oauthClientSecret,
    });
    const api = contentOf("secrets-api");
    expect(Object.keys(api).sort()).toEqual(["apiKey", "cursorSecret"]);
    expect(api.apiKey).toBe(run.outputs.apiKey);
    // and the recipient-hash key and the alerts' signing key
    expect(run.ofType("random:index/randomPassword:RandomPassword")).toHaveLength(6);
    for (const password of run.ofType("random:index/randomPassword:RandomPassword")) {
      expect(password.inputs).toMatchObject({ length: 32, special: false });
    }
  });

  it("runs maintenance hourly through the live alias", () => {
    // The other rule is the eraser's (test/erasure.test.ts).
    const rule = run
      .ofType("aws:cloudwatch/eventRule:EventRule")
      .find((r) => r.name === "schedules-maintenance") as RecordedResource;
    expect(rule.inputs.scheduleExpression).toBe("rate(1 hour)");
    const target = run.ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.name === "schedules-maintenance");
    expect(target?.inputs).toMatchObject({
      rule: rule.state.name,
      arn: run.named("functions-maintenance-live").state.arn,
    });
    const permission = run.ofType("aws:lambda/permission:Permission").find((p) => p.name === "schedules-maintenance");
    expect(permission?.inputs).toMatchObject({
      principal: "events.amazonaws.com",
      qualifier: "live",
      sourceArn: rule.state.arn,
    });
  });

  it("sends every alarm to one topic and warns that nobody is subscribed to it", () => {
    const alarms = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.length).toBe(19); // fifteen, erasure's (test/erasure.test.ts) and the alerts' three (alerts.test.ts)
    const topicArn = arnOf("alarms-topic");
    for (const alarm of alarms) {
      expect(alarm.inputs.alarmActions, alarm.name).toEqual([topicArn]);
      expect(alarm.inputs.okActions, alarm.name).toEqual([topicArn]);
    }
    expect(run.ofType("aws:sns/topicSubscription:TopicSubscription")).toHaveLength(0);
    expect(run.warnings).toEqual([NO_SUBSCRIBER_WARNING]);
  });

  it("exports the URLs and names, and every credential only as a secret", () => {
    const base = run.named("api-http").state.apiEndpoint;
    expect(run.outputs).toMatchObject({
      webhookUrl: `${base}/webhooks/sparkpost`,
      tokenUrl: `${base}/oauth/token`,
      eventsApiUrl: `${base}/api/v1/events/message`,
      webAppUrl: `${base}/`,
      bucketName: run.named("archive-batches").state.bucket,
      queueName: run.named("archive-notifications").state.name,
      deadLetterQueueName: run.named("archive-dead-letters").state.name,
      databaseMasterSecretArn: (run.named("database-postgres").state.masterUserSecrets as { secretArn: string }[])[0]
        ?.secretArn,
      // Not undefined: Pulumi would warn on every run that an undefined output is not shown.
      customDomainTarget: null,
      bastionInstanceId: null,
    });
    expect(run.secretOutputs.sort()).toEqual(
      ["alertSigningKey", "apiKey", "oauthClientId", "oauthClientSecret", "webhookPassword", "webhookUsername"].sort(),
    );
    const secrets = ["apiKey", "oauthClientSecret", "webhookPassword"].map((key) => String(run.outputs[key]));
    const plainOutputs = Object.entries(run.outputs).filter(([key]) => !run.secretOutputs.includes(key));
    for (const [key, value] of plainOutputs) {
      for (const secret of secrets) expect(JSON.stringify(value ?? null), key).not.toContain(secret);
    }
  });
});

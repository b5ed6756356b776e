import { beforeAll, describe, expect, it } from "vitest";
import { SESSION_MANAGER_AGENT_ACTIONS, VPC_NETWORK_INTERFACE_ACTIONS } from "../src/policies.ts";
import { fixtureSourceRoot, type ProgramRun, policyOf, type RecordedResource, runProgram } from "./harness.ts";
import { findBroadGrants, isUnscopedResource, type PolicyKind } from "./iam-walker.ts";
import { productionConfig } from "./production-config.ts";

/**
 * The one unavoidable exception: Lambda needs these EC2 actions in the execution role of a function attached to a
 * VPC. ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permissions at all, and Lambda
 * itself calls the others for the function's own ENIs (AWS's AWSLambdaVPCAccessExecutionRole grants them on "*").
 * The statement is allowed only if it holds exactly these actions.
 */
const hasExactly = (actions: string[]) => (statement: { Action?: string | string[] }) =>
  JSON.stringify([...(statement.Action ?? [])].sort()) === JSON.stringify([...actions].sort());
/**
 * The second, with the bastion on: SSM Agent's Session Manager channel (ssmmessages:*Channel support no resource-level
 * permissions; UpdateInstanceInformation acts on the calling instance). Allowed only with exactly these actions.
 */
const isException = (statement: { Action?: string | string[] }) =>
  hasExactly(VPC_NETWORK_INTERFACE_ACTIONS)(statement) || hasExactly(SESSION_MANAGER_AGENT_ACTIONS)(statement);

const DOCUMENTS: { type: string; key: string; kind: PolicyKind }[] = [
  { type: "aws:iam/rolePolicy:RolePolicy", key: "policy", kind: "identity" },
  { type: "aws:iam/role:Role", key: "assumeRolePolicy", kind: "trust" },
  { type: "aws:s3/bucketPolicy:BucketPolicy", key: "policy", kind: "resource" },
  { type: "aws:sqs/queuePolicy:QueuePolicy", key: "policy", kind: "resource" },
  { type: "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy", key: "policy", kind: "resource" },
];

/** Every resource type that can carry an IAM document must be one the walk above covers. */
const POLICY_BEARING_TYPES = [
  "aws:iam/policy:Policy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:secretsmanager/secretPolicy:SecretPolicy",
];

describe.each([
  ["default", {}, 0],
  ["production-like", productionConfig, 0],
  ["bastion", { bastion: "true" }, 1],
])("every IAM document of the %s stack", (_label, config, bastionRoles) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ sourceRoot: fixtureSourceRoot(), ...config });
  });

  it("grants no wildcard action and no unscoped resource (except the VPC attachment, see above)", () => {
    let walked = 0;
    for (const { type, key, kind } of DOCUMENTS) {
      for (const resource of run.ofType(type)) {
        walked += 1;
        expect(findBroadGrants(policyOf(resource, key), kind, isException), `${type} ${resource.name}`).toEqual([]);
      }
    }
    // Eight function roles (the eraser's, the alert evaluator's and sender's too, and the bastion's) with one inline
    // policy each, two bucket policies (batches, alert outbox), one queue policy, two endpoint policies.
    expect(walked).toBe(2 * (8 + bastionRoles) + 2 + 1 + 2);
    for (const type of POLICY_BEARING_TYPES) expect(run.ofType(type), type).toEqual([]);
  });

  it("lets each function connect to the database only as its own user, and the query user is the read-only one", () => {
    const grants = (fn: string) =>
      policyOf(run.named(`functions-${fn}-policy`) as RecordedResource).Statement.filter((s) =>
        (s.Action as string[]).includes("rds-db:connect"),
      );
    expect(grants("query")).toEqual([
      expect.objectContaining({ Resource: [expect.stringMatching(/:dbuser:db-[A-Z]+\/msgevents_query$/)] }),
    ]);
    expect(grants("loader")[0]?.Resource).toEqual([expect.stringMatching(/\/msgevents_loader$/)]);
    expect(grants("maintenance")[0]?.Resource).toEqual([expect.stringMatching(/\/msgevents_maintenance$/)]);
    expect(grants("ingest")).toEqual([]);
    expect(grants("migrator")).toEqual([]);
  });

  it("lets only the migrator read the database master secret, and each app secret only its own function", () => {
    const readers = (secretArn: unknown) =>
      run
        .ofType("aws:iam/rolePolicy:RolePolicy")
        .filter((p) =>
          policyOf(p).Statement.some((s) => (s.Resource as string[] | undefined)?.includes(String(secretArn))),
        )
        .map((p) => p.name);
    const masterSecretArn = (run.named("database-postgres").state.masterUserSecrets as { secretArn: string }[])[0]
      ?.secretArn;
    expect(readers(masterSecretArn)).toEqual(["functions-migrator-policy"]);
    const secretArn = (name: string) =>
      run.ofType("aws:secretsmanager/secret:Secret").find((s) => s.name === name)?.state.arn;
    expect(readers(secretArn("secrets-webhook"))).toEqual(["functions-ingest-policy"]);
    expect(readers(secretArn("secrets-api"))).toEqual(["functions-query-policy"]);
  });

  it("scopes the VPC endpoints to the stack: the S3 endpoint to the loader reading batches (and the eraser and alert evaluator their own), Secrets Manager to each reader's secret", () => {
    const roleArn = (fn: string) => run.named(`functions-${fn}-role`).state.arn;
    const bucketArn = run.named("archive-batches").state.arn;
    const s3 = run.named("endpoint-policies-s3");
    expect(s3.inputs.vpcEndpointId).toBe(run.named("network-s3").id);
    const onlyRole = (fn: string) => ({ ArnEquals: { "aws:PrincipalArn": roleArn(fn) } });
    expect(policyOf(s3).Statement).toEqual([
      expect.objectContaining({
        Principal: "*",
        Action: ["s3:GetObject"],
        Resource: [`${bucketArn}/batches/*`],
        Condition: onlyRole("loader"),
      }),
      expect.objectContaining({
        Principal: "*",
        Action: ["s3:ListBucket"],
        Resource: [bucketArn],
        Condition: { ...onlyRole("loader"), StringLike: { "s3:prefix": "batches/*" } },
      }),
      // The eraser rewrites batches and deletes their noncurrent versions (packages/erasure; test/erasure.test.ts).
      expect.objectContaining({
        Principal: "*",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObjectVersion"],
        Resource: [`${bucketArn}/batches/*`],
        Condition: { ArnEquals: { "aws:PrincipalArn": run.named("erasure-eraser-role").state.arn } },
      }),
      expect.objectContaining({
        Principal: "*",
        Action: ["s3:ListBucketVersions"],
        Resource: [bucketArn],
        Condition: {
          ArnEquals: { "aws:PrincipalArn": run.named("erasure-eraser-role").state.arn },
          StringLike: { "s3:prefix": "batches/*" },
        },
      }),
      // The alert evaluator hands deliveries over and collects receipts in its outbox bucket (test/alerts.test.ts).
      ...alertEvaluatorEndpointStatements(run),
    ]);
    const secrets = run.named("endpoint-policies-secretsmanager");
    expect(secrets.inputs.vpcEndpointId).toBe(run.named("network-secretsmanager").id);
    const masterSecretArn = (run.named("database-postgres").state.masterUserSecrets as { secretArn: string }[])[0]
      ?.secretArn;
    expect(
      policyOf(secrets).Statement.map((statement) => [statement.Condition, statement.Action, statement.Resource]),
    ).toEqual([
      [onlyRole("migrator"), ["secretsmanager:GetSecretValue"], [masterSecretArn]],
      [
        onlyRole("query"),
        ["secretsmanager:GetSecretValue"],
        [run.ofType("aws:secretsmanager/secret:Secret").find((s) => s.name === "secrets-api")?.state.arn],
      ],
      ...["loader", "query", "eraser"].map((fn) => [
        {
          ArnEquals: {
            "aws:PrincipalArn": run.named(fn === "eraser" ? "erasure-eraser-role" : `functions-${fn}-role`).state.arn,
          },
        },
        ["secretsmanager:GetSecretValue"],
        [run.ofType("aws:secretsmanager/secret:Secret").find((s) => s.name === "recipient-hash-secret")?.state.arn],
      ]),
    ]);
  });
});

describe("the policy walk itself", () => {
  it("flags wildcard actions, open resources and anonymous principals", () => {
    const findings = findBroadGrants(
      {
        Statement: [
          { Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::bucket/*"] },
          { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: ["*"] },
          {
            Effect: "Allow",
            Action: ["logs:PutLogEvents"],
            Resource: ["arn:aws:logs:us-east-1:123456789012:log-group:*"],
          },
          { Effect: "Allow", Principal: "*", Action: ["sqs:SendMessage"], Resource: ["arn:aws:sqs:us-east-1:1:q"] },
        ],
      },
      "resource",
    );
    expect(findings).toEqual([
      "statement 0: wildcard action s3:*",
      "statement 1: unscoped resource *",
      "statement 2: unscoped resource arn:aws:logs:us-east-1:123456789012:log-group:*",
      "statement 3: allows every principal",
    ]);
  });

  it("accepts every principal only when a condition pins aws:PrincipalArn to named roles", () => {
    const statement = (arn: string) => ({
      Effect: "Allow",
      Principal: "*",
      Action: ["s3:GetObject"],
      Resource: ["arn:aws:s3:::bucket/batches/*"],
      Condition: { ArnEquals: { "aws:PrincipalArn": arn } },
    });
    expect(findBroadGrants({ Statement: [statement("arn:aws:iam::123456789012:role/loader")] }, "resource")).toEqual(
      [],
    );
    expect(findBroadGrants({ Statement: [statement("arn:aws:iam::123456789012:role/*")] }, "resource")).toEqual([
      "statement 0: allows every principal",
    ]);
  });

  it("accepts a wildcard under a named resource and in a Deny", () => {
    expect(isUnscopedResource("arn:aws:s3:::bucket/batches/*")).toBe(false);
    expect(isUnscopedResource("arn:aws:logs:us-east-1:1:log-group:name:*")).toBe(false);
    expect(isUnscopedResource("arn:aws:rds-db:us-east-1:1:dbuser:db-X/msgevents_query")).toBe(false);
    expect(isUnscopedResource("arn:aws:rds-db:us-east-1:1:dbuser:*/msgevents_query")).toBe(true);
    expect(isUnscopedResource("arn:aws:sqs:*:1:queue")).toBe(true);
    expect(
      findBroadGrants(
        { Statement: [{ Effect: "Deny", Principal: "*", Action: ["s3:*"], Resource: ["*"] }] },
        "resource",
      ),
    ).toEqual([]);
  });
});

/** The S3 endpoint's statements for the alert evaluator: its outbox and receipt actions on its bucket, its role only. */
function alertEvaluatorEndpointStatements(run: ProgramRun) {
  const outbox = run.named("alerts-outbox").state.arn;
  const onlyEvaluator = { ArnEquals: { "aws:PrincipalArn": run.named("alerts-evaluator-role").state.arn } };
  return [
    expect.objectContaining({
      Principal: "*",
      Action: ["s3:PutObject"],
      Resource: [`${outbox}/outbox/*`],
      Condition: onlyEvaluator,
    }),
    expect.objectContaining({
      Principal: "*",
      Action: ["s3:ListBucket"],
      Resource: [outbox],
      Condition: { ...onlyEvaluator, StringLike: { "s3:prefix": "receipts/*" } },
    }),
    expect.objectContaining({
      Principal: "*",
      Action: ["s3:GetObject", "s3:DeleteObject"],
      Resource: [`${outbox}/receipts/*`],
      Condition: onlyEvaluator,
    }),
  ];
}

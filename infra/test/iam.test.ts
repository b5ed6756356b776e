import { beforeAll, describe, expect, it } from "vitest";
import { VPC_NETWORK_INTERFACE_ACTIONS } from "../src/policies.ts";
import { fixtureSourceRoot, type ProgramRun, policyOf, type RecordedResource, runProgram } from "./harness.ts";
import { findBroadGrants, isUnscopedResource, type PolicyKind } from "./iam-walker.ts";
import { productionConfig } from "./production-config.ts";

/**
 * The one unavoidable exception: Lambda needs these EC2 actions in the execution role of a function attached to a
 * VPC. ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level permissions at all, and Lambda
 * itself calls the others for the function's own ENIs (AWS's AWSLambdaVPCAccessExecutionRole grants them on "*").
 * The statement is allowed only if it holds exactly these actions.
 */
const isVpcAttachment = (statement: { Action?: string | string[] }) =>
  JSON.stringify([...(statement.Action ?? [])].sort()) === JSON.stringify([...VPC_NETWORK_INTERFACE_ACTIONS].sort());

const DOCUMENTS: { type: string; key: string; kind: PolicyKind }[] = [
  { type: "aws:iam/rolePolicy:RolePolicy", key: "policy", kind: "identity" },
  { type: "aws:iam/role:Role", key: "assumeRolePolicy", kind: "trust" },
  { type: "aws:s3/bucketPolicy:BucketPolicy", key: "policy", kind: "resource" },
  { type: "aws:sqs/queuePolicy:QueuePolicy", key: "policy", kind: "resource" },
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
  ["default", {}],
  ["production-like", productionConfig],
])("every IAM document of the %s stack", (_label, config) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ sourceRoot: fixtureSourceRoot(), ...config });
  });

  it("grants no wildcard action and no unscoped resource (except the VPC attachment, see above)", () => {
    let walked = 0;
    for (const { type, key, kind } of DOCUMENTS) {
      for (const resource of run.ofType(type)) {
        walked += 1;
        expect(findBroadGrants(policyOf(resource, key), kind, isVpcAttachment), `${type} ${resource.name}`).toEqual([]);
      }
    }
    // Seven roles with one inline policy each, two bucket policies (batches, alert outbox), one queue policy.
    expect(walked).toBe(7 + 7 + 2 + 1);
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

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Bundle, bundleArchive } from "../bundles.ts";
import { lambdaTrustPolicy, type PolicyDocument } from "../policies.ts";

export interface BundledFunctionArgs {
  bundle: Bundle;
  /** The execution role's only policy, built from the log group's ARN and whatever else the function touches. */
  policy: (logGroupArn: string) => pulumi.Input<PolicyDocument>;
  environment: Record<string, pulumi.Input<string>>;
  timeoutSeconds: number;
  /** Defaults to 512 MB (arm64 Lambda gives CPU in proportion to memory). */
  memoryMb?: number;
  reservedConcurrency?: number;
  vpc?: { subnetIds: pulumi.Input<string>[]; securityGroupId: pulumi.Input<string> };
  logRetentionDays: number;
  /** Publish a version on every change, for an alias to move to once the schema is migrated. */
  publish: boolean;
  /** Resources the function needs before it can be created (network rules, endpoints). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export const LAMBDA_RUNTIME = "nodejs24.x";
export const LAMBDA_ARCHITECTURE = "arm64";

/** One esbuild bundle as a Lambda: its own role with one inline policy, its own log group with retention. */
export class BundledFunction extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly logGroup: aws.cloudwatch.LogGroup;
  /** The execution role, for the resource policies (VPC endpoints) that admit this function by name. */
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: BundledFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:BundledFunction", name, {}, opts);
    const parent = { parent: this };

    this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, parent);
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()) }, parent);
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        policy: this.logGroup.arn.apply((arn) => pulumi.output(args.policy(arn)).apply((doc) => JSON.stringify(doc))),
      },
      parent,
    );
    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        runtime: LAMBDA_RUNTIME,
        architectures: [LAMBDA_ARCHITECTURE],
        handler: "index.handler",
        code: bundleArchive(args.bundle),
        role: role.arn,
        memorySize: args.memoryMb ?? 512,
        timeout: args.timeoutSeconds,
        reservedConcurrentExecutions: args.reservedConcurrency,
        publish: args.publish,
        environment: { variables: args.environment },
        loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
        vpcConfig: args.vpc
          ? { subnetIds: args.vpc.subnetIds, securityGroupIds: [args.vpc.securityGroupId] }
          : undefined,
      },
      // The role's policy must exist first: a VPC function needs its ENI permissions at creation.
      { parent: this, dependsOn: [policy, ...(args.dependsOn ?? [])] },
    );
    this.roleArn = role.arn;
    this.registerOutputs({ functionName: this.function.name });
  }
}

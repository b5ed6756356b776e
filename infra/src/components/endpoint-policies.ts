import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { eraserS3EndpointStatements } from "../erasure-policies.ts";
import { alertEvaluatorS3EndpointStatements, s3EndpointPolicy, secretsEndpointPolicy } from "../policies.ts";
import { OUTBOX_PREFIX, RECEIPTS_PREFIX } from "./alerts.ts";

export interface EndpointPoliciesArgs {
  s3EndpointId: pulumi.Input<string>;
  secretsEndpointId: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  batchPrefix: string;
  /** The only role that reads batches through the S3 endpoint. */
  loaderRoleArn: pulumi.Input<string>;
  /** The eraser (erasure.ts) rewrites batches through the S3 endpoint too; `versioned` as its own policy. */
  eraser: { roleArn: pulumi.Input<string>; versioned: boolean };
  /** The alert evaluator (alerts.ts) hands deliveries over and collects receipts in its outbox bucket. */
  alertEvaluator: { roleArn: pulumi.Input<string>; bucketArn: pulumi.Input<string> };
  /** Each secret read through the Secrets Manager endpoint and the one role that reads it. */
  secretReaders: { secretArn: pulumi.Input<string>; readerRoleArn: pulumi.Input<string> }[];
}

/**
 * The VPC endpoints' policies, narrowed from AWS's default full access to this stack's bucket and secrets, each for
 * the role that uses it. Written after the functions exist (the policies name their roles); until then, on a first
 * deploy, the endpoints carry the default policy for the few minutes the roles take to appear.
 */
export class EndpointPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: EndpointPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:EndpointPolicies", name, {}, opts);
    const parent = { parent: this };
    new aws.ec2.VpcEndpointPolicy(
      `${name}-s3`,
      {
        vpcEndpointId: args.s3EndpointId,
        policy: pulumi
          .all([
            args.bucketArn,
            args.loaderRoleArn,
            args.eraser.roleArn,
            args.alertEvaluator.roleArn,
            args.alertEvaluator.bucketArn,
          ])
          .apply(([bucketArn, loaderRoleArn, eraserRoleArn, evaluatorRoleArn, outboxBucketArn]) => {
            const policy = s3EndpointPolicy({ bucketArn, batchPrefix: args.batchPrefix, loaderRoleArn });
            const eraser = eraserS3EndpointStatements({
              bucketArn,
              batchPrefix: args.batchPrefix,
              eraserRoleArn,
              versioned: args.eraser.versioned,
            });
            const alertEvaluator = alertEvaluatorS3EndpointStatements({
              bucketArn: outboxBucketArn,
              outboxPrefix: OUTBOX_PREFIX,
              receiptsPrefix: RECEIPTS_PREFIX,
              evaluatorRoleArn,
            });
            return JSON.stringify({ ...policy, Statement: [...policy.Statement, ...eraser, ...alertEvaluator] });
          }),
      },
      parent,
    );
    new aws.ec2.VpcEndpointPolicy(
      `${name}-secretsmanager`,
      {
        vpcEndpointId: args.secretsEndpointId,
        policy: pulumi
          .all(args.secretReaders.map((grant) => pulumi.all([grant.secretArn, grant.readerRoleArn])))
          .apply((grants) =>
            JSON.stringify(
              secretsEndpointPolicy(grants.map(([secretArn, readerRoleArn]) => ({ secretArn, readerRoleArn }))),
            ),
          ),
      },
      parent,
    );
    this.registerOutputs({});
  }
}

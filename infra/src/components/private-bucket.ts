import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "../policies.ts";

export interface PrivateBucketOptions {
  /** Lets `pulumi destroy` delete the bucket with objects still in it. */
  forceDestroy: boolean;
  /** Pulumi's `protect` on the bucket itself: no replacement or deletion without unprotecting it first. */
  protect?: boolean;
}

/**
 * A bucket nobody outside the account can read: every public access blocked, ACLs off (the owner owns every object),
 * SSE-S3 encryption by default, and a policy refusing requests without TLS. Its settings are children of `parent`
 * named like the bucket, so each component keeps the resource names (and state) it had before this was shared.
 */
export function privateBucket(name: string, options: PrivateBucketOptions, parent: pulumi.Resource): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(
    name,
    { forceDestroy: options.forceDestroy },
    { parent, ...(options.protect === undefined ? {} : { protect: options.protect }) },
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    name,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { parent },
  );
  // After the public access block, so the policy never exists on a bucket that could still be made public.
  new aws.s3.BucketPolicy(
    name,
    { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
    { parent, dependsOn: [publicAccess] },
  );
  return bucket;
}

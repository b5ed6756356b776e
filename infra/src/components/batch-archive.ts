import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketNotificationQueuePolicy } from "../policies.ts";
import { privateBucket } from "./private-bucket.ts";

export interface BatchArchiveArgs {
  accountId: pulumi.Input<string>;
  /** The loader's timeout: the queue's visibility timeout is six times it (AWS's advice for Lambda consumers). */
  loaderTimeoutSeconds: number;
  /** Receives before a batch's notification moves to the dead-letter queue. Defaults to 5. */
  maxReceiveCount?: number;
  /** Days before raw batches move to `transitionStorageClass`; 0 keeps them in S3 Standard. Defaults to 30. */
  transitionDays?: number;
  /** Defaults to STANDARD_IA. */
  transitionStorageClass?: string;
  /** Days before raw batches are deleted; 0 (the default) keeps them: they are the source for any replay. */
  expirationDays?: number;
  /** Days a deleted or overwritten batch stays recoverable as a noncurrent version. Defaults to 30. */
  noncurrentVersionDays?: number;
  /**
   * Defaults to false: `pulumi destroy` refuses to delete a bucket that still holds batches, and the bucket carries
   * Pulumi's `protect`, so no replacement (a rename, a changed immutable property) can swap it for an empty one.
   */
  forceDestroy?: boolean;
}

/** Where ingest stores raw batches (storage's batch key layout) and the prefix whose new objects notify the queue. */
export const BATCH_PREFIX = "batches/";
const QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * The raw-batch bucket (private, encrypted, TLS only), its ObjectCreated notifications into an SQS queue that admits
 * only this bucket, and a dead-letter queue for notifications the loader failed on maxReceiveCount times.
 */
export class BatchArchive extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly queueArn: pulumi.Output<string>;
  readonly queueName: pulumi.Output<string>;
  readonly deadLetterQueueArn: pulumi.Output<string>;
  readonly deadLetterQueueName: pulumi.Output<string>;
  /** The notification configuration: the event source mapping should exist only once batches flow. */
  readonly notification: aws.s3.BucketNotification;

  constructor(name: string, args: BatchArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    super("msgevents:aws:BatchArchive", name, args, opts);
    const parent = { parent: this };

    const forceDestroy = args.forceDestroy ?? false;
    const bucket = privateBucket(`${name}-batches`, { forceDestroy, protect: !forceDestroy }, this);
    // A deleted or overwritten batch stays recoverable for noncurrentVersionDays (ingest writes each key once, so
    // versions cost nothing until something deletes a batch).
    const versioning = new aws.s3.BucketVersioning(
      `${name}-batches`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-batches`,
      { bucket: bucket.id, rules: lifecycleRules(args) },
      { parent: this, dependsOn: [versioning] },
    );

    const deadLetters = new aws.sqs.Queue(
      `${name}-dead-letters`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS },
      parent,
    );
    const queue = new aws.sqs.Queue(
      `${name}-notifications`,
      {
        sqsManagedSseEnabled: true,
        visibilityTimeoutSeconds: visibilityTimeoutFor(args.loaderTimeoutSeconds),
        messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
        redrivePolicy: deadLetters.arn.apply((deadLetterTargetArn) =>
          JSON.stringify({ deadLetterTargetArn, maxReceiveCount: args.maxReceiveCount ?? 5 }),
        ),
      },
      parent,
    );
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dead-letters`,
      {
        queueUrl: deadLetters.url,
        redriveAllowPolicy: queue.arn.apply((arn) =>
          JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [arn] }),
        ),
      },
      parent,
    );
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-notifications`,
      {
        queueUrl: queue.url,
        policy: pulumi
          .all([queue.arn, bucket.arn, args.accountId])
          .apply(([queueArn, bucketArn, accountId]) =>
            JSON.stringify(bucketNotificationQueuePolicy({ queueArn, bucketArn, accountId })),
          ),
      },
      parent,
    );
    this.notification = new aws.s3.BucketNotification(
      `${name}-batches`,
      {
        bucket: bucket.id,
        queues: [{ queueArn: queue.arn, events: ["s3:ObjectCreated:*"], filterPrefix: BATCH_PREFIX }],
      },
      // S3 sends a test message and refuses the configuration unless the queue policy already admits the bucket.
      { parent: this, dependsOn: [queuePolicy] },
    );

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.queueArn = queue.arn;
    this.queueName = queue.name;
    this.deadLetterQueueArn = deadLetters.arn;
    this.deadLetterQueueName = deadLetters.name;
    this.registerOutputs({ bucketName: this.bucketName, queueName: this.queueName });
  }
}

/** Six times the consumer's timeout, so a message is never redelivered while a loader still works on it. */
export function visibilityTimeoutFor(loaderTimeoutSeconds: number): number {
  return 6 * loaderTimeoutSeconds;
}

type LifecycleRule = aws.types.input.s3.BucketLifecycleConfigurationRule;

function lifecycleRules(args: BatchArchiveArgs): LifecycleRule[] {
  const rawBatches = rawBatchRule(args);
  const oldVersions: LifecycleRule = {
    id: "old-versions",
    status: "Enabled",
    filter: {},
    noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 30 },
    expiration: { expiredObjectDeleteMarker: true },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
  };
  return rawBatches === undefined ? [oldVersions] : [rawBatches, oldVersions];
}

function rawBatchRule(args: BatchArchiveArgs): LifecycleRule | undefined {
  const transitionDays = args.transitionDays ?? 30;
  const expirationDays = args.expirationDays ?? 0;
  if (transitionDays === 0 && expirationDays === 0) return undefined;
  return {
    id: "raw-batches",
    status: "Enabled",
    filter: { prefix: BATCH_PREFIX },
    transitions:
      transitionDays > 0
        ? [{ days: transitionDays, storageClass: args.transitionStorageClass ?? "STANDARD_IA" }]
        : undefined,
    expiration: expirationDays > 0 ? { days: expirationDays } : undefined,
  };
}

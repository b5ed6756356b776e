import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { parseS3Notification } from "@msgevents/loader/s3-notification";
import { FileObjectStore, type ObjectStore, S3ObjectStore } from "@msgevents/storage";
import { configError } from "./errors.ts";

/**
 * Where the deployment's queue and stored batches are, from flags or the stack's own variable names. Credentials
 * come from the AWS SDK's standard chain (profile, SSO, environment), never from msgevents.
 */
export interface AwsFlags {
  queueUrl?: string;
  dlqUrl?: string;
  bucket?: string;
  region?: string;
}

const set = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value);

export function region(flags: AwsFlags, env: NodeJS.ProcessEnv): string {
  return flags.region ?? set(env.AWS_REGION) ?? set(env.MSGEVENTS_S3_REGION) ?? "us-east-1";
}

export function sqsClient(flags: AwsFlags, env: NodeJS.ProcessEnv): SQSClient {
  return new SQSClient({ region: region(flags, env), endpoint: set(env.MSGEVENTS_SQS_ENDPOINT) });
}

export function queueUrlOf(flags: AwsFlags, env: NodeJS.ProcessEnv): string | undefined {
  return flags.queueUrl ?? set(env.MSGEVENTS_SQS_QUEUE_URL);
}

export function bucketOf(flags: AwsFlags, env: NodeJS.ProcessEnv): string {
  const bucket = flags.bucket ?? set(env.MSGEVENTS_S3_BUCKET);
  if (!bucket) throw configError("no bucket: pass --bucket or set MSGEVENTS_S3_BUCKET (the Pulumi stack output)");
  return bucket;
}

/** The object store holding stored batches: S3 when a bucket is configured for it, else the local data dir's files. */
export function batchStore(flags: AwsFlags, env: NodeJS.ProcessEnv, dataDir: string, inAws: boolean): ObjectStore {
  const endpoint = set(env.MSGEVENTS_S3_ENDPOINT);
  if (inAws || endpoint) {
    const client = new S3Client({ region: region(flags, env), endpoint, forcePathStyle: endpoint !== undefined });
    return new S3ObjectStore({ client, bucket: bucketOf(flags, env) });
  }
  return new FileObjectStore(path.join(dataDir, "objects"));
}

/** The object keys an S3 notification names (empty for S3's test event or an unreadable body). */
export function notifiedKeys(body: string): string[] {
  try {
    const notification = parseS3Notification(body);
    return notification.kind === "objects" ? notification.created.map((object) => object.key) : [];
  } catch {
    return [];
  }
}

// The alert sender Lambda's entry point (bundled by build.ts), outside the VPC so it can reach webhook receivers,
// Slack and SparkPost: invoked by S3 for each object the evaluator puts under outbox/ in the outbox bucket.
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { readSecretJson } from "@msgevents/runtime-config/secrets";
import type { S3Event } from "aws-lambda";
import { readSenderEnv, senderSecrets } from "../env.ts";
import { keysOfS3Event, sendFromOutbox } from "../sender.ts";

// Module scope runs once per cold start: the secret is read here and never logged; a bad configuration fails every
// invocation (the evaluator then counts the attempts as failed when their receipts do not come).
const logger = new Logger({ serviceName: "msgevents-alert-sender" });
const config = readSenderEnv(process.env);
const secrets = senderSecrets(config, await readSecretJson(config.secretArn));
const s3 = new S3Client({});

export async function handler(event: S3Event): Promise<void> {
  const receipts = await sendFromOutbox(keysOfS3Event(event), {
    s3,
    bucket: config.bucket,
    config: { ...secrets, fetch, now: () => new Date() },
  });
  // Ids and outcomes only: targets hold Slack tokens and addresses.
  for (const receipt of receipts) logger.info("alert delivery attempted", { ...receipt });
}

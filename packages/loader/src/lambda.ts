// The loader Lambda's entry point (bundled by build.ts). Everything here is created once per instance and reused
// across invocations, including the database pool.
import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { readRecipientHasher } from "@msgevents/erasure";
import { PartitionManager } from "@msgevents/schema";
import { S3ObjectStore } from "@msgevents/storage";
import { readLoaderEnv } from "./env.ts";
import { createSqsHandler } from "./handler.ts";
import { createLoaderPool } from "./pool.ts";

const config = readLoaderEnv(process.env);
const logger = new Logger({ serviceName: "msgevents-loader" });
// The suppression list's key, read once per cold start: records of erased recipients are dropped.
const recipients = await readRecipientHasher(process.env);
const pool = createLoaderPool(config.database, { max: config.poolMax, logger });
const s3 = new S3Client(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true } : {});

export const handler = createSqsHandler({
  pool,
  store: new S3ObjectStore({ client: s3, bucket: config.bucket }),
  partitions: new PartitionManager(pool),
  logger,
  recipients,
  bucket: config.bucket,
});

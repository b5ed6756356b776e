import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { fromApiGatewayV2, toApiGatewayV2 } from "@msgevents/http";
import { readSecretJson } from "@msgevents/runtime-config/secrets";
import { S3ObjectStore } from "@msgevents/storage";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { IngestDeps } from "../deps.ts";
import { loadIngestLambdaConfig, webhookSecretArn, withWebhookSecret } from "../env.ts";
import { announceAuthentication, handleIngest } from "../routes.ts";
import { oversizedBatchMetric } from "./oversized-metric.ts";

// Module scope runs once per cold start. A bad or missing configuration throws here, so every invocation fails
// (5xx, SparkPost retries) instead of accepting batches unauthenticated: fail closed. The webhook credentials come
// from Secrets Manager once per cold start (top-level await) and are never logged.
const logger = new Logger({ serviceName: "msgevents-ingest" });
const secretArn = webhookSecretArn(process.env);
const config = loadIngestLambdaConfig(
  secretArn ? withWebhookSecret(process.env, await readSecretJson(secretArn)) : process.env,
);
const deps: IngestDeps = {
  ...config,
  store: new S3ObjectStore({ client: new S3Client({}), bucket: config.bucket }),
  clock: () => new Date(),
  logger,
  onOversizedBatch: oversizedBatchMetric(),
};
announceAuthentication(config.auth, logger);

/** API Gateway HTTP API (payload format 2.0) → handleIngest. */
export async function handler(
  event: APIGatewayProxyEventV2,
  context?: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (context) logger.addContext(context);
  return toApiGatewayV2(await handleIngest(fromApiGatewayV2(event), deps));
}

import { Logger } from "@aws-lambda-powertools/logger";
import { S3Client } from "@aws-sdk/client-s3";
import { fromApiGatewayV2, toApiGatewayV2 } from "@msgevents/http";
import { S3ObjectStore } from "@msgevents/storage";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type { IngestDeps } from "../deps.ts";
import { loadIngestLambdaConfig } from "../env.ts";
import { announceAuthentication, handleIngest } from "../routes.ts";

// Module scope runs once per cold start. A bad or missing configuration throws here, so every invocation fails
// (5xx, SparkPost retries) instead of accepting batches unauthenticated: fail closed.
const logger = new Logger({ serviceName: "msgevents-ingest" });
const config = loadIngestLambdaConfig(process.env);
const deps: IngestDeps = {
  ...config,
  store: new S3ObjectStore({ client: new S3Client({}), bucket: config.bucket }),
  clock: () => new Date(),
  logger,
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

import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { readRecipientHasher } from "@msgevents/erasure";
import { fromApiGatewayV2, loadStaticSite, serveStaticSite, toApiGatewayV2 } from "@msgevents/http";
import { readSecretJson } from "@msgevents/runtime-config/secrets";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { createQueryDatabase } from "./database.ts";
import { apiSecretArn, loadQueryConfig, withApiSecret } from "./env.ts";
import { handleQuery } from "./handler.ts";

// Module scope runs once per cold start: the API secret is fetched here (top-level await), never logged, and a bad
// configuration fails every invocation instead of serving without a key.
const logger = new Logger({ serviceName: "msgevents-query" });
const secretArn = apiSecretArn(process.env);
const config = loadQueryConfig(secretArn ? withApiSecret(process.env, await readSecretJson(secretArn)) : process.env);
// The Data Privacy API hashes addresses with the deployment's recipient key (its own secret, read once).
const recipients = await readRecipientHasher(process.env);
// The pool outlives invocations and survives freeze/thaw (see createQueryDatabase).
const { db } = createQueryDatabase(config, logger);
// The web app, copied beside the bundle as web/ by build.ts, held in memory like the local stack holds it.
const site = await loadStaticSite(fileURLToPath(new URL("./web/", import.meta.url)));

/** API Gateway HTTP API (payload 2.0) entry point. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const request = fromApiGatewayV2(event);
  const page = site && serveStaticSite(site, request);
  if (page) return toApiGatewayV2(page);
  const response = await handleQuery(request, {
    db,
    apiKey: config.apiKey,
    cursorKey: config.cursorKey,
    logger,
    recipients,
  });
  return toApiGatewayV2(response);
}

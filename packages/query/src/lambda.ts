import { Logger } from "@aws-lambda-powertools/logger";
import { fromApiGatewayV2, toApiGatewayV2 } from "@msgevents/http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { createQueryDatabase } from "./database.ts";
import { loadQueryConfig } from "./env.ts";
import { handleQuery } from "./handler.ts";

const logger = new Logger({ serviceName: "msgevents-query" });
const config = loadQueryConfig();
// Module scope: the pool outlives invocations and survives freeze/thaw (see createQueryDatabase).
const { db } = createQueryDatabase(config, logger);

/** API Gateway HTTP API (payload 2.0) entry point. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const response = await handleQuery(fromApiGatewayV2(event), {
    db,
    apiKey: config.apiKey,
    cursorKey: config.cursorKey,
    logger,
  });
  return toApiGatewayV2(response);
}

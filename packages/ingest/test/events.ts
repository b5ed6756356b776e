import type { APIGatewayProxyEventV2 } from "aws-lambda";

/** A synthetic API Gateway HTTP API (payload format 2.0) event, as the ingest Lambda receives it. */
export function apiGatewayEvent(options: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  base64?: boolean;
}): APIGatewayProxyEventV2 {
  const method = options.method ?? "POST";
  const body = options.body;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: options.path,
    rawQueryString: "",
    headers: { host: "abc123.execute-api.eu-west-1.amazonaws.com", "user-agent": "SparkPost", ...options.headers },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method, path: options.path, protocol: "HTTP/1.1", sourceIp: "52.24.91.2", userAgent: "SparkPost" },
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "01/May/2024:12:00:00 +0000",
      timeEpoch: 1714564800000,
    },
    body: body === undefined ? undefined : options.base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

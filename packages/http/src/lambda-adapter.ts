import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { normalizeHeaders } from "./headers.ts";
import type { HttpRequest, HttpResponse } from "./types.ts";

/** API Gateway HTTP API (payload format 2.0) event to HttpRequest; the body arrives base64-encoded for binary types. */
export function fromApiGatewayV2(event: APIGatewayProxyEventV2): HttpRequest {
  const body =
    event.body === undefined
      ? new Uint8Array()
      : event.isBase64Encoded
        ? Buffer.from(event.body, "base64")
        : Buffer.from(event.body, "utf8");
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    rawQuery: event.rawQueryString ?? "",
    headers: normalizeHeaders(event.headers ?? {}),
    body,
    sourceIp: event.requestContext.http.sourceIp,
  };
}

export function toApiGatewayV2(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body, isBase64Encoded: false };
}

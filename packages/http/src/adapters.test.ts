import http from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterEach, describe, expect, test } from "vitest";
import { normalizeHeaders } from "./headers.ts";
import { fromApiGatewayV2, toApiGatewayV2 } from "./lambda-adapter.ts";
import { BodyTooLargeError, bodyTooLargeResponse, readNodeRequest, writeNodeResponse } from "./node-adapter.ts";
import { errorResponse, HttpError } from "./responses.ts";

describe("normalizeHeaders", () => {
  test("lower-cases names and joins repeated values", () => {
    expect(normalizeHeaders({ "X-MessageSystems-Batch-ID": "abc", Accept: ["a", "b"], Skip: undefined })).toEqual({
      "x-messagesystems-batch-id": "abc",
      accept: "a, b",
    });
  });
});

describe("the node:http adapter", () => {
  let server: http.Server | undefined;
  afterEach(() => server?.close());

  const serve = async (maxBodyBytes: number) => {
    const created = http.createServer(async (req, res) => {
      try {
        const request = await readNodeRequest(req, maxBodyBytes);
        writeNodeResponse(res, {
          status: 200,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...request, body: Buffer.from(request.body).toString(), sourceIp: undefined }),
        });
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        res.setHeader("connection", "close");
        writeNodeResponse(res, bodyTooLargeResponse(error.limit));
      }
    });
    server = created;
    await new Promise<void>((resolve) => created.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(created.address() as AddressInfo).port}`;
  };

  test("reads method, path, raw query, lower-cased headers and the body", async () => {
    const url = await serve(100);
    const response = await fetch(`${url}/webhooks/sparkpost?a=1&b=2`, {
      method: "POST",
      headers: { "X-Custom": "v" },
      body: "[1,2]",
    });
    expect(await response.json()).toMatchObject({
      method: "POST",
      path: "/webhooks/sparkpost",
      rawQuery: "a=1&b=2",
      headers: { "x-custom": "v" },
      body: "[1,2]",
    });
  });

  test("answers 413 with a SparkPost-style error for a body over the limit", async () => {
    const url = await serve(10);
    const response = await fetch(url, { method: "POST", body: "x".repeat(11) });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: "request body too large", description: "the body must be at most 10 bytes" }],
    });
  });
});

describe("the API Gateway v2 adapter", () => {
  const event = (body: string | undefined, isBase64Encoded: boolean) =>
    ({
      rawPath: "/api/v1/events/message",
      rawQueryString: "events=bounce",
      headers: { Authorization: "key" },
      body,
      isBase64Encoded,
      requestContext: { http: { method: "get", sourceIp: "192.0.2.1" } },
    }) as unknown as APIGatewayProxyEventV2;

  test("decodes plain and base64 bodies and lower-cases headers", () => {
    const plain = fromApiGatewayV2(event("[]", false));
    expect(plain).toMatchObject({ method: "GET", path: "/api/v1/events/message", rawQuery: "events=bounce" });
    expect(plain.headers).toEqual({ authorization: "key" });
    expect(Buffer.from(plain.body).toString()).toBe("[]");
    expect(Buffer.from(fromApiGatewayV2(event(Buffer.from("[1]").toString("base64"), true)).body).toString()).toBe(
      "[1]",
    );
    expect(fromApiGatewayV2(event(undefined, false)).body.byteLength).toBe(0);
  });

  test("turns an HttpError into the structured result API Gateway expects", () => {
    const error = new HttpError(400, { message: "invalid parameter", param: "per_page" });
    expect(error.message).toBe("invalid parameter");
    expect(toApiGatewayV2(error.toResponse())).toEqual({
      statusCode: 400,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: '{"errors":[{"message":"invalid parameter","param":"per_page"}]}',
      isBase64Encoded: false,
    });
    expect(errorResponse(401, [{ message: "a" }, { message: "b" }]).body).toBe(
      '{"errors":[{"message":"a"},{"message":"b"}]}',
    );
  });
});

import type { Message } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, ScheduledEvent, SQSEvent } from "aws-lambda";

/** An API Gateway HTTP API (payload format 2.0) request as Lambda receives it. */
export function httpApiEvent(options: {
  method: "GET" | "POST";
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
}): APIGatewayProxyEventV2 {
  const query = options.query ?? "";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: options.path,
    rawQueryString: query,
    queryStringParameters: query ? Object.fromEntries(new URLSearchParams(query)) : undefined,
    headers: { host: "abc123.execute-api.eu-west-1.amazonaws.com", "user-agent": "test", ...options.headers },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "abc123",
      http: {
        method: options.method,
        path: options.path,
        protocol: "HTTP/1.1",
        sourceIp: "52.24.91.2",
        userAgent: "test",
      },
      requestId: "req-1",
      routeKey: "$default",
      stage: "$default",
      time: "01/Dec/2026:12:00:00 +0000",
      timeEpoch: 1_796_126_400_000,
    },
    body: options.body,
    isBase64Encoded: false,
  };
}

/** The SQS event the event source mapping hands the loader for messages received from the queue. */
export function sqsEvent(messages: Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId ?? "",
      receiptHandle: message.ReceiptHandle ?? "",
      body: message.Body ?? "",
      attributes: {
        ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? "1",
        SentTimestamp: message.Attributes?.SentTimestamp ?? "0",
        SenderId: message.Attributes?.SenderId ?? "AROAEXAMPLE",
        ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? "0",
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: "us-east-1",
    })),
  };
}

/** The event an EventBridge schedule delivers. */
export function scheduledEvent(time: Date): ScheduledEvent {
  return {
    version: "0",
    id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "123456789012",
    time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "us-east-1",
    resources: ["arn:aws:events:us-east-1:123456789012:rule/msgevents-maintenance"],
    detail: {},
  };
}

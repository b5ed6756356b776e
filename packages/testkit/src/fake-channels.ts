// Real local HTTP servers standing in for the alert channels' far ends, each speaking its contract: any webhook
// receiver, a Slack incoming webhook (api.slack.com/messaging/webhooks: JSON with `text`, answers "ok" or
// "invalid_payload"), and SparkPost's Transmissions API (POST /api/v1/transmissions with the API key; answers
// `{"results":{"total_rejected_recipients","total_accepted_recipients","id"}}` or SparkPost's errors).
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Answer = (request: Received) => { status: number; body: string; type?: string };

async function startServer(answer: Answer) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      const entry = { method: request.method ?? "", path: request.url ?? "/", headers: request.headers, body };
      received.push(entry);
      const reply = answer(entry);
      response.writeHead(reply.status, { "content-type": reply.type ?? "text/plain" }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A webhook receiver recording every request; `status` decides each answer (200, "ok", unless it says otherwise). */
export const startWebhookReceiver = (status: (request: Received) => number = () => 200) =>
  startServer((request) => {
    const code = status(request);
    return { status: code, body: code === 200 ? "ok" : "unavailable" };
  });

/** A Slack incoming webhook: a JSON message with a non-empty `text` is posted, anything else refused as Slack does. */
export const startFakeSlack = () =>
  startServer((request) => {
    const message = parseJson(request.body) as { text?: unknown; blocks?: unknown } | undefined;
    if (request.method !== "POST" || !String(request.headers["content-type"]).startsWith("application/json")) {
      return { status: 400, body: "invalid_payload" };
    }
    if (!message || typeof message.text !== "string" || message.text === "") return { status: 400, body: "no_text" };
    if (message.blocks !== undefined && !Array.isArray(message.blocks)) return { status: 400, body: "invalid_blocks" };
    return { status: 200, body: "ok" };
  });

/** SparkPost's Transmissions API for one account's key: checks the key, recipients and content. */
export const startFakeTransmissions = (apiKey: string) => {
  let sequence = 0;
  return startServer((request) => {
    const errors = (status: number, message: string) => ({
      status,
      type: "application/json",
      body: JSON.stringify({ errors: [{ message }] }),
    });
    if (request.method !== "POST" || request.path !== "/api/v1/transmissions") return errors(404, "resource not found");
    if (request.headers.authorization !== apiKey) return errors(401, "Unauthorized.");
    const body = parseJson(request.body) as
      | { recipients?: { address?: { email?: unknown } }[]; content?: Record<string, unknown> }
      | undefined;
    const recipients = body?.recipients;
    if (!Array.isArray(recipients) || recipients.length === 0) return errors(400, "'recipients' is required");
    if (recipients.some((recipient) => typeof recipient.address?.email !== "string")) {
      return errors(422, "'recipients[].address.email' must be a string");
    }
    const content = body?.content;
    if (!content || typeof content.from !== "string" || typeof content.subject !== "string") {
      return errors(422, "'content.from' and 'content.subject' are required");
    }
    if (typeof content.text !== "string" && typeof content.html !== "string") {
      return errors(422, "'content.text' or 'content.html' is required");
    }
    sequence += 1;
    return {
      status: 200,
      type: "application/json",
      body: JSON.stringify({
        results: { total_rejected_recipients: 0, total_accepted_recipients: recipients.length, id: `${sequence}` },
      }),
    };
  });
};

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server implementing SparkPost's Webhooks API contract (shared/sparkpost/webhooks-api.md): list,
 * create, update, delete, batch status and the event documentation, API-key auth, and the test POST SparkPost makes
 * to the target on create and on a target change (fetching an OAuth2 token first), refusing the call with 400 when
 * the target does not answer 200.
 */
export interface FakeWebhook {
  id: string;
  name: string;
  target: string;
  events: string[];
  active: boolean;
  auth_type: string;
  auth_credentials?: { username?: string; password?: string; access_token?: string };
  auth_request_details?: { url: string; body: Record<string, string> };
  last_successful?: string;
  last_failure?: string;
  subaccount?: string;
}

export interface FakeWebhooksApi {
  url: string;
  apiKey: string;
  webhooks: Map<string, FakeWebhook>;
  /** Every create, update and delete, in order: `METHOD id`. */
  changes: string[];
  /** Every test POST made to a target: the target and the status it answered (0 when unreachable). */
  testPosts: { target: string; status: number }[];
  batchStatus: Map<string, unknown[]>;
  close(): Promise<void>;
}

const SAMPLES = JSON.parse(readFileSync(new URL("../samples/batch-all-types.json", import.meta.url), "utf8")) as {
  msys: Record<string, { type: string }>;
}[];

function documentation() {
  const results: Record<string, { events: Record<string, { description: string }> }> = {};
  for (const record of SAMPLES) {
    for (const [grouping, event] of Object.entries(record.msys)) {
      results[grouping] ??= { events: {} };
      (results[grouping] as { events: Record<string, { description: string }> }).events[event.type] = {
        description: `${event.type} event`,
      };
    }
  }
  return { results };
}

async function testPost(hook: Omit<FakeWebhook, "id">): Promise<{ status: number; error?: string }> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-messagesystems-batch-id": "77c2b630-d712-11e4-9642-efc2723b99c1",
  };
  try {
    if (hook.auth_type === "basic" && hook.auth_credentials) {
      const { username, password } = hook.auth_credentials;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}`;
    }
    if (hook.auth_type === "oauth2" && hook.auth_request_details) {
      const token = await fetch(hook.auth_request_details.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(hook.auth_request_details.body),
      });
      if (token.status !== 200) return { status: token.status, error: "POST to webhook tokens URL failed" };
      headers.authorization = `Bearer ${((await token.json()) as { access_token: string }).access_token}`;
    }
    const response = await fetch(hook.target, { method: "POST", headers, body: '[{"msys":{}}]' });
    await response.arrayBuffer();
    return {
      status: response.status,
      error: response.status === 200 ? undefined : "POST to webhook target URL failed",
    };
  } catch {
    return { status: 0, error: "POST to webhook target URL failed" };
  }
}

export async function startFakeWebhooksApi(apiKey = "sparkpost-test-key"): Promise<FakeWebhooksApi> {
  const webhooks = new Map<string, FakeWebhook>();
  const changes: string[] = [];
  const testPosts: FakeWebhooksApi["testPosts"] = [];
  const batchStatus = new Map<string, unknown[]>();

  const answer = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const refuse = (res: http.ServerResponse, status: number, message: string, response?: { status: number }) =>
    answer(res, status, { errors: [{ message, code: String(status === 400 ? 1400 : status), response }] });

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (req.headers.authorization !== apiKey) return refuse(res, 401, "Unauthorized.");
    const url = new URL(req.url ?? "/", "http://localhost");
    const parts = url.pathname
      .replace(/^\/api\/v1\/webhooks/, "")
      .split("/")
      .filter(Boolean);
    const body = text === "" ? {} : (JSON.parse(text) as Partial<FakeWebhook>);
    const subaccount = req.headers["x-msys-subaccount"] as string | undefined;

    if (parts[0] === "events" && parts[1] === "documentation") return answer(res, 200, documentation());
    if (parts.length === 0 && req.method === "GET") return answer(res, 200, { results: [...webhooks.values()] });
    if (parts.length === 0 && req.method === "POST") {
      if (!body.name || !body.target || !Array.isArray(body.events) || body.events.length === 0) {
        return refuse(res, 400, "'name', 'target' and 'events' are required");
      }
      const hook = { active: true, auth_type: "none", ...body, subaccount } as Omit<FakeWebhook, "id">;
      const tested = await testPost(hook);
      testPosts.push({ target: hook.target, status: tested.status });
      if (tested.error) return refuse(res, 400, tested.error, { status: tested.status });
      const id = randomUUID();
      webhooks.set(id, { ...hook, id });
      changes.push(`POST ${id}`);
      return answer(res, 200, { results: { id, links: [{ href: `/api/v1/webhooks/${id}` }] } });
    }
    const id = parts[0] ?? "";
    const existing = webhooks.get(id);
    if (!existing) return refuse(res, 404, "resource not found");
    if (parts[1] === "batch-status" && req.method === "GET")
      return answer(res, 200, { results: batchStatus.get(id) ?? [] });
    if (parts.length === 1 && req.method === "PUT") {
      const updated = { ...existing, ...body, id };
      if (body.target !== undefined && body.target !== existing.target) {
        const tested = await testPost(updated);
        testPosts.push({ target: updated.target, status: tested.status });
        if (tested.error) return refuse(res, 400, tested.error, { status: tested.status });
      }
      webhooks.set(id, updated);
      changes.push(`PUT ${id}`);
      return answer(res, 200, { results: { id } });
    }
    if (parts.length === 1 && req.method === "DELETE") {
      webhooks.delete(id);
      changes.push(`DELETE ${id}`);
      return answer(res, 204);
    }
    return refuse(res, 405, "method not allowed");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    webhooks,
    changes,
    testPosts,
    batchStatus,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { RecipientHasher, showHash } from "@msgevents/erasure";
import type { HttpRequest } from "@msgevents/http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { handleQuery, type QueryDeps } from "../src/handler.ts";
import { API_KEY, type QueryFixture, startQueryFixture } from "./support.ts";

let fixture: QueryFixture;
let deps: QueryDeps;
const saved: number[] = [];
const hasher = new RecipientHasher("recipient-hash-secret-for-tests");

beforeAll(async () => {
  fixture = await startQueryFixture();
  deps = { ...fixture.deps, recipients: hasher, onErasureRequested: (id) => saved.push(id) };
});
afterAll(async () => {
  await fixture?.close();
});

const request = (
  method: string,
  path: string,
  options: { body?: unknown; query?: string; key?: string | null; headers?: Record<string, string> } = {},
): HttpRequest => ({
  method,
  path,
  rawQuery: options.query ?? "",
  headers: { ...(options.key === null ? {} : { authorization: options.key ?? API_KEY }), ...options.headers },
  body: new TextEncoder().encode(
    options.body === undefined ? "" : typeof options.body === "string" ? options.body : JSON.stringify(options.body),
  ),
});
const call = async (...args: Parameters<typeof request>) => {
  const response = await handleQuery(request(...args), deps);
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
};
const RTBF = "/api/v1/data-privacy/rtbf-request";
const REQUESTS = "/api/v1/data-privacy/rtbf-requests";

describe("POST /api/v1/data-privacy/rtbf-request", () => {
  test("saves the request as SparkPost answers it, and starts the eraser", async () => {
    const response = await call("POST", RTBF, {
      body: { recipients: ["Alice@Example.com"], include_subaccounts: true },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ results: { message: "Request saved.", id: expect.stringMatching(/^\d+$/) } });
    const id = Number((response.body.results as { id: string }).id);
    expect(saved).toEqual([id]);
    const detail = await call("GET", `${REQUESTS}/${id}`);
    expect(detail.body.results).toMatchObject({
      id: String(id),
      accounts: "all",
      recipients: 1,
      status: "pending",
      recipient_hashes: [showHash(hasher.hash("alice@example.com"))],
    });
    expect(JSON.stringify(detail.body).toLowerCase()).not.toContain("alice");
    expect(JSON.stringify(detail.body)).not.toContain(API_KEY);
  });

  test("answers SparkPost's 400s: more than 1000 recipients, and each invalid address named", async () => {
    const tooMany = Array.from({ length: 1001 }, (_, index) => `r${index}@example.com`);
    expect(await call("POST", RTBF, { body: { recipients: tooMany } })).toEqual({
      status: 400,
      body: { errors: [{ message: "Exceeded maximum number of recipients (1000)" }] },
    });
    expect(await call("POST", RTBF, { body: { recipients: ["not_an_email", "ok@example.com"] } })).toEqual({
      status: 400,
      body: { errors: [{ message: "invalid email address", recipient: "not_an_email" }] },
    });
    expect((await call("POST", RTBF, { body: "{" })).status).toBe(400);
    expect(
      (await call("POST", RTBF, { body: { recipients: ["a@b.co"] }, headers: { "x-msys-subaccount": "x" } })).status,
    ).toBe(400);
  });

  test("refuses a caller without the API key, and any other method", async () => {
    expect((await call("POST", RTBF, { body: { recipients: ["a@b.co"] }, key: null })).status).toBe(401);
    expect((await call("POST", RTBF, { body: { recipients: ["a@b.co"] }, key: "wrong-key-000000" })).status).toBe(401);
    expect((await call("GET", RTBF)).status).toBe(405);
    expect((await call("DELETE", REQUESTS)).status).toBe(405);
  });

  test("answers 503 on a deployment without a recipient-hash secret", async () => {
    const response = await handleQuery(request("POST", RTBF, { body: { recipients: ["a@b.co"] } }), fixture.deps);
    expect(response.status).toBe(503);
  });
});

describe("GET /api/v1/data-privacy/rtbf-requests", () => {
  test("lists requests newest first, pages by id, and finds those of one address", async () => {
    await call("POST", RTBF, { body: { recipients: ["bob@example.org", "carol@example.org"] } });
    await call("POST", RTBF, { body: { recipients: ["carol@example.org"] }, headers: { "x-msys-subaccount": "4" } });
    const all = (await call("GET", REQUESTS)).body.results as { id: string; accounts: string; recipients: number }[];
    expect(all.map((entry) => [entry.accounts, entry.recipients])).toEqual([
      ["subaccount:4", 1],
      ["primary", 2],
      ["all", 1],
    ]);
    const page = (await call("GET", REQUESTS, { query: `per_page=1&before_id=${all[0]?.id}` })).body.results;
    expect(page).toEqual([all[1]]);
    const carol = (await call("GET", REQUESTS, { query: "recipient=Carol%40Example.org" })).body.results;
    expect((carol as { id: string }[]).map((entry) => entry.id)).toEqual([all[0]?.id, all[1]?.id]);
  });

  test("refuses bad parameters and answers 404 for an unknown request", async () => {
    expect((await call("GET", REQUESTS, { query: "per_page=0" })).status).toBe(400);
    expect((await call("GET", REQUESTS, { query: "recipient=nope" })).status).toBe(400);
    expect((await call("GET", REQUESTS, { query: "colour=red" })).status).toBe(400);
    expect((await call("GET", `${REQUESTS}/999999`)).status).toBe(404);
    expect((await call("GET", `${REQUESTS}/abc`)).status).toBe(404);
    expect((await call("GET", REQUESTS, { key: null })).status).toBe(401);
  });
});

import { readFile } from "node:fs/promises";
import path from "node:path";
import { readSampleText, sampleBatch } from "@msgevents/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { handleIngest } from "../src/index.ts";
import { filesUnder, removeTempDirs, sampleBody, testDeps, webhookRequest } from "./helpers.ts";

afterAll(removeTempDirs);

const BATCH_ID = "032d330540298f54f0e8bcc1373f3cfd";
const withBatchId = (batchId: string) => ({ "x-messagesystems-batch-id": batchId });

describe("storing a webhook batch", () => {
  it("stores the raw bytes exactly as received under the receipt day and the sender's batch id", async () => {
    const deps = await testDeps();
    const body = `[ {"msys":{"message_event":{"type":"delivery","event_id":"1","note":"caf\u00e9 \\u00e9"}}} ,\n{"cust":{"id":"7"},"msys":{}} ]\n`;
    const response = await handleIngest(webhookRequest(body, withBatchId(BATCH_ID)), deps);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(response.body)).toEqual({
      results: { batch_id: BATCH_ID, events: 2, duplicate: false, stored: true },
    });
    const key = path.join("batches", "2024", "05", "01", `${BATCH_ID}.json`);
    expect(await filesUnder(deps.rootDir)).toEqual([key]);
    expect(await readFile(path.join(deps.rootDir, key), "utf8")).toBe(body);
    expect(deps.logger.entries).toContainEqual({
      level: "info",
      message: "webhook batch stored",
      attributes: { batchId: BATCH_ID, bytes: Buffer.byteLength(body), events: 2, key: key.split(path.sep).join("/") },
    });
  });

  it("names a batch without a batch id header by the SHA-256 of its bytes", async () => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest(sampleBody), deps);
    const { createHash } = await import("node:crypto");
    const expectedId = `sha256-${createHash("sha256").update(sampleBody).digest("hex")}`;
    expect(JSON.parse(response.body).results.batch_id).toBe(expectedId);
    expect(await filesUnder(deps.rootDir)).toEqual([path.join("batches", "2024", "05", "01", `${expectedId}.json`)]);
  });

  it("accepts every SparkPost sample batch", async () => {
    const deps = await testDeps();
    const all = JSON.stringify(sampleBatch("batch-all-types"));
    const response = await handleIngest(webhookRequest(all, withBatchId("all-types")), deps);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).results.events).toBe(sampleBatch("batch-all-types").length);
  });

  it("accepts application/json with parameters and no content type at all", async () => {
    for (const contentType of ["application/json; charset=utf-8", 'Application/JSON;charset="UTF-8"', undefined]) {
      const deps = await testDeps();
      const response = await handleIngest(webhookRequest(sampleBody, { "content-type": contentType }), deps);
      expect(response.status).toBe(200);
    }
  });
});

describe("pings", () => {
  it("acknowledges SparkPost's test batch with 200 without storing it", async () => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest(readSampleText("ping"), withBatchId("ping-1")), deps);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      results: { batch_id: "ping-1", events: 0, duplicate: false, stored: false },
    });
    expect(await filesUnder(deps.rootDir)).toEqual([]);
  });

  it("acknowledges an empty array without storing it", async () => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest("[]"), deps);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).results).toMatchObject({ events: 0, stored: false });
    expect(await filesUnder(deps.rootDir)).toEqual([]);
  });
});

describe("duplicate batches", () => {
  it("stores a batch posted twice with the same batch id once and answers 200 both times", async () => {
    const deps = await testDeps();
    const first = await handleIngest(webhookRequest(sampleBody, withBatchId(BATCH_ID)), deps);
    const second = await handleIngest(webhookRequest(sampleBody, withBatchId(BATCH_ID)), deps);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(JSON.parse(second.body)).toEqual({
      results: { batch_id: BATCH_ID, events: 2, duplicate: true, stored: false },
    });
    expect(await filesUnder(deps.rootDir)).toHaveLength(1);
  });

  it("does not rewrite the stored batch when a retry carries the same id", async () => {
    const deps = await testDeps();
    await handleIngest(webhookRequest(sampleBody, withBatchId(BATCH_ID)), deps);
    await handleIngest(webhookRequest(`${sampleBody}\n`, withBatchId(BATCH_ID)), deps);
    const stored = await deps.store.get(`batches/2024/05/01/${BATCH_ID}.json`);
    expect(Buffer.from(stored).toString()).toBe(sampleBody);
  });

  it("stores the same body without a batch id header once", async () => {
    const deps = await testDeps();
    await handleIngest(webhookRequest(sampleBody), deps);
    const again = await handleIngest(webhookRequest(sampleBody), deps);
    expect(JSON.parse(again.body).results.duplicate).toBe(true);
    expect(await filesUnder(deps.rootDir)).toHaveLength(1);
  });

  it("recognises a retry that arrives after midnight UTC", async () => {
    let now = new Date("2024-05-01T23:55:00Z");
    const deps = await testDeps({ clock: () => now });
    await handleIngest(webhookRequest(sampleBody, withBatchId(BATCH_ID)), deps);
    now = new Date("2024-05-02T06:30:00Z");
    const retry = await handleIngest(webhookRequest(sampleBody, withBatchId(BATCH_ID)), deps);
    expect(JSON.parse(retry.body).results.duplicate).toBe(true);
    expect(await filesUnder(deps.rootDir)).toEqual([path.join("batches", "2024", "05", "01", `${BATCH_ID}.json`)]);
  });
});

describe("refusing bad batches", () => {
  const invalidBatch = (description: string) => ({ errors: [{ message: "invalid batch", description }] });

  it.each([
    ["an empty body", "", invalidBatch("the request body is empty; send a JSON array of event records")],
    ["a body that is not JSON", "msys=1", invalidBatch("the request body is not valid JSON")],
    ["truncated JSON", sampleBody.slice(0, -5), invalidBatch("the request body is not valid JSON")],
    ["whitespace only", "  \n", invalidBatch("the request body is not valid JSON")],
    [
      "a JSON object instead of an array",
      '{"msys":{}}',
      invalidBatch("the request body must be a JSON array of event records"),
    ],
    ["a JSON string", '"[]"', invalidBatch("the request body must be a JSON array of event records")],
    ["JSON null", "null", invalidBatch("the request body must be a JSON array of event records")],
    ["an array with a number", '[{"msys":{}}, 42]', invalidBatch("element 1 of the batch is not a JSON object")],
    ["an array with null", "[null]", invalidBatch("element 0 of the batch is not a JSON object")],
    ["an array of arrays", "[[]]", invalidBatch("element 0 of the batch is not a JSON object")],
    [
      "an array with a string",
      '[{"msys":{}},{"msys":{}},"x"]',
      invalidBatch("element 2 of the batch is not a JSON object"),
    ],
  ])("answers %s with 400 and stores nothing", async (_case, body, expected) => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest(body), deps);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual(expected);
    expect(await filesUnder(deps.rootDir)).toEqual([]);
  });

  it("answers a body that is not UTF-8 with 400", async () => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest(new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d])), deps);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual(invalidBatch("the request body is not valid UTF-8"));
  });

  const badBatchId = {
    errors: [
      {
        message: "invalid batch id",
        description:
          "X-MessageSystems-Batch-ID must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit",
        param: "X-MessageSystems-Batch-ID",
      },
    ],
  };

  it.each([
    ["empty", ""],
    ["a path", "../../etc/passwd"],
    ["leading dot", ".hidden"],
    ["with spaces", "batch id"],
    ["too long", "a".repeat(129)],
    ["repeated header joined by a comma", "abc, def"],
    ["non-ASCII", "bätch"],
  ])("answers a batch id header that is %s with 400", async (_case, batchId) => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest(sampleBody, withBatchId(batchId)), deps);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual(badBatchId);
    expect(await filesUnder(deps.rootDir)).toEqual([]);
  });

  it.each([
    ["text/plain", "send the batch as application/json"],
    ["application/x-www-form-urlencoded", "send the batch as application/json"],
    ["multipart/form-data; boundary=x", "send the batch as application/json"],
    ["application/jsonp", "send the batch as application/json"],
    ["application/json; charset=iso-8859-1", "JSON batches must be UTF-8"],
  ])("answers content type %j with 415", async (contentType, description) => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest(sampleBody, { "content-type": contentType }), deps);
    expect(response.status).toBe(415);
    expect(JSON.parse(response.body)).toEqual({ errors: [{ message: "unsupported content type", description }] });
    expect(await filesUnder(deps.rootDir)).toEqual([]);
  });

  it("answers a body above the configured limit with 413", async () => {
    const deps = await testDeps({ maxBodyBytes: 1024 });
    const body = JSON.stringify([{ msys: { message_event: { type: "delivery", pad: "x".repeat(1024) } } }]);
    const response = await handleIngest(webhookRequest(body), deps);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({
      errors: [{ message: "request body too large", description: "the body must be at most 1024 bytes" }],
    });
    expect(await filesUnder(deps.rootDir)).toEqual([]);
    const atLimit = await handleIngest(webhookRequest(`[${" ".repeat(1022)}]`), deps);
    expect(atLimit.status).toBe(200);
  });
});

describe("routing", () => {
  it("answers other paths with 404", async () => {
    const deps = await testDeps();
    for (const pathName of ["/", "/webhooks/sparkpost/", "/webhooks", "/api/v1/events/message"]) {
      const response = await handleIngest({ ...webhookRequest(sampleBody), path: pathName }, deps);
      expect(response.status).toBe(404);
      expect(JSON.parse(response.body)).toEqual({
        errors: [{ message: "resource not found", description: "no route matches this path" }],
      });
    }
  });

  it.each(["GET", "PUT", "HEAD", "DELETE", "OPTIONS"])(
    "answers %s on the webhook with 405 and Allow: POST",
    async (method) => {
      const deps = await testDeps();
      const response = await handleIngest(webhookRequest(sampleBody, {}, method), deps);
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe("POST");
      expect(JSON.parse(response.body)).toEqual({
        errors: [{ message: "method not allowed", description: "use POST" }],
      });
    },
  );

  it("stores batches at the receipt time the clock gives", async () => {
    const deps = await testDeps({ clock: () => new Date("2016-02-02T19:10:00Z") });
    await handleIngest(webhookRequest(sampleBody, withBatchId("old")), deps);
    expect(await filesUnder(deps.rootDir)).toEqual([path.join("batches", "2016", "02", "02", "old.json")]);
  });
});

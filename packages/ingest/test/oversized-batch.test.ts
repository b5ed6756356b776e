import { afterAll, describe, expect, it } from "vitest";
import { handleIngest, type OversizedBatch, oversizedRequestHandler } from "../src/index.ts";
import { basicHeader, filesUnder, removeTempDirs, testDeps, USERNAME, webhookRequest } from "./helpers.ts";

afterAll(removeTempDirs);

const LIMIT = 1024;
const tooLarge = JSON.stringify([{ msys: { message_event: { type: "delivery", pad: "x".repeat(LIMIT) } } }]);
const BATCH_ID = "032d330540298f54f0e8bcc1373f3cfd";
const refusal = {
  errors: [{ message: "request body too large", description: `the body must be at most ${LIMIT} bytes` }],
};

async function recordingDeps() {
  const refused: OversizedBatch[] = [];
  const deps = await testDeps({ maxBodyBytes: LIMIT, onOversizedBatch: (batch) => refused.push(batch) });
  const errors = () => deps.logger.entries.filter((entry) => entry.level === "error");
  return { deps, refused, errors };
}

describe("a batch above the body limit", () => {
  it("is answered 413, logged as an error with its batch id and size, and reported", async () => {
    const { deps, refused, errors } = await recordingDeps();
    const response = await handleIngest(webhookRequest(tooLarge, { "x-messagesystems-batch-id": BATCH_ID }), deps);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual(refusal);
    const batch = { batchId: BATCH_ID, bytes: Buffer.byteLength(tooLarge), limit: LIMIT };
    expect(errors()).toEqual([
      {
        level: "error",
        message: "webhook batch refused as too large: raise MSGEVENTS_MAX_BODY_BYTES",
        attributes: batch,
      },
    ]);
    expect(refused).toEqual([batch]);
    expect(await filesUnder(deps.rootDir)).toEqual([]);
  });

  it("without a well-formed batch id header is still logged and reported, without an id", async () => {
    const { deps, refused } = await recordingDeps();
    for (const headers of [{}, { "x-messagesystems-batch-id": "../escape" }]) {
      expect((await handleIngest(webhookRequest(tooLarge, headers), deps)).status).toBe(413);
    }
    expect(refused.map((batch) => batch.batchId)).toEqual([undefined, undefined]);
  });

  it("from a caller without valid credentials gets the usual 401 and is neither logged nor counted", async () => {
    const { deps, refused, errors } = await recordingDeps();
    const response = await handleIngest(
      webhookRequest(tooLarge, { authorization: basicHeader(USERNAME, "wrong password") }),
      deps,
    );
    expect(response.status).toBe(401);
    expect(errors()).toEqual([]);
    expect(refused).toEqual([]);
  });
});

describe("oversizedRequestHandler (a server that stopped reading the body)", () => {
  const head = (headers: Record<string, string | undefined>, path = "/webhooks/sparkpost", method = "POST") => ({
    ...webhookRequest(new Uint8Array(), headers, method),
    path,
  });

  it("answers an authenticated webhook post 413 from its head, with the declared size", async () => {
    const { deps, refused, errors } = await recordingDeps();
    const response = await oversizedRequestHandler(deps)(head({ "x-messagesystems-batch-id": BATCH_ID }), 5_000_000);
    expect(response?.status).toBe(413);
    expect(JSON.parse(response?.body ?? "")).toEqual(refusal);
    expect(refused).toEqual([{ batchId: BATCH_ID, bytes: 5_000_000, limit: LIMIT }]);
    expect(errors()).toHaveLength(1);
  });

  it("answers an unauthenticated one 401 without counting it", async () => {
    const { deps, refused } = await recordingDeps();
    const response = await oversizedRequestHandler(deps)(head({ authorization: undefined }), undefined);
    expect(response?.status).toBe(401);
    expect(refused).toEqual([]);
  });

  it("leaves other routes and methods to the server", async () => {
    const { deps, refused } = await recordingDeps();
    const handler = oversizedRequestHandler(deps);
    expect(await handler(head({}, "/api/v1/events/message"), 5_000_000)).toBeUndefined();
    expect(await handler(head({}, "/webhooks/sparkpost", "PUT"), 5_000_000)).toBeUndefined();
    expect(refused).toEqual([]);
  });
});

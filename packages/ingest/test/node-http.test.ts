import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BodyTooLargeError, bodyTooLargeResponse, readNodeRequest, writeNodeResponse } from "@msgevents/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleIngest, type IngestDeps } from "../src/index.ts";
import { basicHeader, filesUnder, PASSWORD, removeTempDirs, sampleBody, testDeps, USERNAME } from "./helpers.ts";

let server: Server;
let baseUrl: string;
let deps: IngestDeps & { rootDir: string };

beforeAll(async () => {
  deps = await testDeps({ maxBodyBytes: 4096 });
  // The same glue the local stack and the benchmark use.
  server = createServer(async (req, res) => {
    try {
      writeNodeResponse(res, await handleIngest(await readNodeRequest(req, deps.maxBodyBytes), deps));
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.setHeader("connection", "close");
      writeNodeResponse(res, bodyTooLargeResponse(error.limit));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await removeTempDirs();
});

describe("ingest behind node:http", () => {
  it("reads the batch id header whatever its capitalisation", async () => {
    const response = await fetch(`${baseUrl}/webhooks/sparkpost`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: basicHeader(USERNAME, PASSWORD),
        "X-Messagesystems-Batch-Id": "Mixed-Case-Header-1",
      },
      body: sampleBody,
    });
    expect(response.status).toBe(200);
    const receipt = (await response.json()) as { results: { batch_id: string } };
    expect(receipt.results.batch_id).toBe("Mixed-Case-Header-1");
    expect(await filesUnder(deps.rootDir)).toContainEqual(expect.stringMatching(/Mixed-Case-Header-1\.json$/));
  });

  it("refuses a body whose declared length is above the limit with 413 before reading it", async () => {
    const response = await fetch(`${baseUrl}/webhooks/sparkpost`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basicHeader(USERNAME, PASSWORD) },
      body: `[${" ".repeat(5000)}]`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: "request body too large", description: "the body must be at most 4096 bytes" }],
    });
  });
});

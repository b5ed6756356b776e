import { afterAll, describe, expect, it } from "vitest";
import { handleIngest, ingestRoutes } from "../src/index.ts";
import { filesUnder, removeTempDirs, sampleBody, testDeps, webhookRequest } from "./helpers.ts";

afterAll(removeTempDirs);

describe("explicitly unauthenticated webhooks (MSGEVENTS_WEBHOOK_AUTH=none)", () => {
  it("accepts batches without credentials, and ignores any that are sent", async () => {
    const deps = await testDeps({ env: { MSGEVENTS_WEBHOOK_AUTH: "none" } });
    expect((await handleIngest(webhookRequest(sampleBody, { authorization: undefined }), deps)).status).toBe(200);
    expect((await handleIngest(webhookRequest(`${sampleBody} `, { authorization: "Basic %%%" }), deps)).status).toBe(
      200,
    );
    expect(await filesUnder(deps.rootDir)).toHaveLength(2);
  });

  it("warns once when the routes are mounted", async () => {
    const deps = await testDeps({ env: { MSGEVENTS_WEBHOOK_AUTH: "none" } });
    const route = ingestRoutes(deps);
    await route(webhookRequest(sampleBody));
    expect(deps.logger.entries.filter((entry) => entry.level === "warn")).toEqual([
      {
        level: "warn",
        message: "webhook authentication is disabled: anyone who can reach the endpoint can post batches",
        attributes: { MSGEVENTS_WEBHOOK_AUTH: "none" },
      },
    ]);
  });

  it("does not offer a token endpoint", async () => {
    const deps = await testDeps({ env: { MSGEVENTS_WEBHOOK_AUTH: "none" } });
    expect((await handleIngest({ ...webhookRequest("{}"), path: "/oauth/token" }, deps)).status).toBe(404);
  });
});

describe("ingestRoutes", () => {
  it("leaves paths it does not serve to the caller", async () => {
    const deps = await testDeps();
    const route = ingestRoutes(deps);
    expect(
      await route({ ...webhookRequest(sampleBody), path: "/api/v1/events/message", method: "GET" }),
    ).toBeUndefined();
    expect((await route(webhookRequest(sampleBody)))?.status).toBe(200);
    expect(deps.logger.entries[0]).toEqual({
      level: "info",
      message: "webhook authentication required",
      attributes: { basic: true, oauth2: false },
    });
  });
});

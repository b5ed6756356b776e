import { afterAll, describe, expect, it } from "vitest";
import { handleIngest } from "../src/index.ts";
import {
  basicHeader,
  filesUnder,
  PASSWORD,
  removeTempDirs,
  sampleBody,
  testDeps,
  USERNAME,
  webhookRequest,
} from "./helpers.ts";

afterAll(removeTempDirs);

const refusal = (description: string) => ({ errors: [{ message: "authentication failed", description }] });

describe("Basic webhook authentication", () => {
  it("accepts the configured username and password and stores the batch", async () => {
    const deps = await testDeps();
    const response = await handleIngest(
      webhookRequest(sampleBody, { authorization: basicHeader(USERNAME, PASSWORD) }),
      deps,
    );
    expect(response.status).toBe(200);
    expect(await filesUnder(deps.rootDir)).toHaveLength(1);
  });

  it("accepts the scheme name in any case", async () => {
    const deps = await testDeps();
    const token = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
    const response = await handleIngest(webhookRequest(sampleBody, { authorization: `bASIC ${token}` }), deps);
    expect(response.status).toBe(200);
  });

  it.each([
    ["a wrong password", basicHeader(USERNAME, "wrong"), "the credentials were not accepted"],
    ["a wrong username", basicHeader("someone-else", PASSWORD), "the credentials were not accepted"],
    ["an empty password", basicHeader(USERNAME, ""), "the credentials were not accepted"],
    [
      "the password with a trailing newline",
      basicHeader(USERNAME, `${PASSWORD}\n`),
      "the credentials were not accepted",
    ],
    ["no Authorization header", undefined, "send the webhook credentials in the Authorization header"],
    ["an empty Authorization header", "", "the Authorization header is malformed"],
    ["a scheme without credentials", "Basic", "the Authorization header is malformed"],
    ["malformed base64", "Basic !!not-base64!!", "the Basic credentials are not valid base64 of user:password"],
    ["base64 with bad padding", "Basic dXNlcjpwYXNz=", "the Basic credentials are not valid base64 of user:password"],
    [
      "base64 without a colon inside",
      `Basic ${Buffer.from("no-colon").toString("base64")}`,
      "the Basic credentials are not valid base64 of user:password",
    ],
    [
      "base64 of bytes that are not UTF-8",
      `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString("base64")}`,
      "the Basic credentials are not valid base64 of user:password",
    ],
    ["a Bearer token when only Basic is configured", "Bearer abc.def.ghi", "use Basic authentication"],
    ["another scheme", 'Digest username="x"', "use Basic authentication"],
  ])("refuses %s with 401, a Basic challenge and nothing stored", async (_case, authorization, description) => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest(sampleBody, { authorization }), deps);
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Basic realm="msgevents"');
    expect(JSON.parse(response.body)).toEqual(refusal(description));
    expect(await filesUnder(deps.rootDir)).toEqual([]);
  });

  it("checks credentials before looking at the body", async () => {
    const deps = await testDeps();
    const response = await handleIngest(webhookRequest("not json", { authorization: undefined }), deps);
    expect(response.status).toBe(401);
  });

  it("never logs the password or the recipients", async () => {
    const deps = await testDeps();
    await handleIngest(webhookRequest(sampleBody), deps);
    await handleIngest(webhookRequest(sampleBody, { authorization: basicHeader(USERNAME, "wrong-guess") }), deps);
    const logged = JSON.stringify(deps.logger.entries);
    expect(deps.logger.entries.length).toBeGreaterThan(0);
    for (const secret of [
      PASSWORD,
      "wrong-guess",
      "someone@example.com",
      Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64"),
    ]) {
      expect(logged).not.toContain(secret);
    }
  });
});

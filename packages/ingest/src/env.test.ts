import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_BODY_BYTES,
  IngestConfigError,
  LAMBDA_MAX_BODY_BYTES,
  loadIngestConfig,
  loadIngestLambdaConfig,
} from "./env.ts";

const basic = { MSGEVENTS_WEBHOOK_USERNAME: "user", MSGEVENTS_WEBHOOK_PASSWORD: "pass" };
const oauth = { MSGEVENTS_OAUTH_CLIENT_ID: "client", MSGEVENTS_OAUTH_CLIENT_SECRET: "0123456789abcdef" };

function refusal(env: Record<string, string>): string {
  try {
    loadIngestConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(IngestConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}

describe("loadIngestConfig", () => {
  it("refuses to start when no authentication is configured", () => {
    expect(refusal({})).toBe(
      "no webhook authentication configured: set MSGEVENTS_WEBHOOK_USERNAME and MSGEVENTS_WEBHOOK_PASSWORD (Basic), " +
        "MSGEVENTS_OAUTH_CLIENT_ID and MSGEVENTS_OAUTH_CLIENT_SECRET (OAuth2), or MSGEVENTS_WEBHOOK_AUTH=none to accept " +
        "unauthenticated batches",
    );
  });

  it("treats empty variables as unset, so blank credentials fail closed", () => {
    expect(refusal({ MSGEVENTS_WEBHOOK_USERNAME: "", MSGEVENTS_WEBHOOK_PASSWORD: "" })).toMatch(
      /^no webhook authentication/,
    );
  });

  it("enables Basic from a username and password", () => {
    const config = loadIngestConfig(basic);
    expect(config.auth).toEqual({ mode: "required", basic: { username: "user", password: "pass" }, oauth2: undefined });
    expect(config.maxBodyBytes).toBe(DEFAULT_MAX_BODY_BYTES);
  });

  it("enables OAuth2 from a client id and secret with a derived 32-byte signing key", () => {
    const { auth } = loadIngestConfig(oauth);
    if (auth.mode !== "required" || !auth.oauth2) throw new Error("expected OAuth2");
    expect(auth.basic).toBeUndefined();
    expect(auth.oauth2.clientId).toBe("client");
    expect(auth.oauth2.tokenSigningKey).toHaveLength(32);
    expect(Buffer.from(auth.oauth2.tokenSigningKey).toString()).not.toContain("0123456789abcdef");
    expect(auth.oauth2.tokenLifetimeSeconds).toBe(3600);
  });

  it("enables both when both are configured", () => {
    const { auth } = loadIngestConfig({ ...basic, ...oauth });
    expect(auth.mode === "required" && auth.basic !== undefined && auth.oauth2 !== undefined).toBe(true);
  });

  it("accepts no authentication only when explicitly asked", () => {
    expect(loadIngestConfig({ MSGEVENTS_WEBHOOK_AUTH: "none" }).auth).toEqual({ mode: "none" });
    expect(loadIngestConfig({ MSGEVENTS_WEBHOOK_AUTH: " NONE " }).auth).toEqual({ mode: "none" });
  });

  it.each([
    [{ MSGEVENTS_WEBHOOK_USERNAME: "user" }, "MSGEVENTS_WEBHOOK_PASSWORD is required for basic webhook authentication"],
    [{ MSGEVENTS_WEBHOOK_PASSWORD: "pass" }, "MSGEVENTS_WEBHOOK_USERNAME is required for basic webhook authentication"],
    [
      { MSGEVENTS_OAUTH_CLIENT_ID: "client" },
      "MSGEVENTS_OAUTH_CLIENT_SECRET is required for oauth2 webhook authentication",
    ],
    [
      { MSGEVENTS_OAUTH_CLIENT_ID: "client", MSGEVENTS_OAUTH_CLIENT_SECRET: "short" },
      "MSGEVENTS_OAUTH_CLIENT_SECRET must be at least 16 characters (e.g. `openssl rand -hex 32`)",
    ],
    [{ MSGEVENTS_WEBHOOK_AUTH: "basic" }, "MSGEVENTS_WEBHOOK_USERNAME is required for basic webhook authentication"],
    [
      { MSGEVENTS_WEBHOOK_AUTH: "oauth2", ...basic },
      "MSGEVENTS_WEBHOOK_USERNAME/PASSWORD are set but MSGEVENTS_WEBHOOK_AUTH excludes basic",
    ],
    [
      { MSGEVENTS_WEBHOOK_AUTH: "basic", ...basic, ...oauth },
      "MSGEVENTS_OAUTH_CLIENT_ID/SECRET are set but MSGEVENTS_WEBHOOK_AUTH excludes oauth2",
    ],
    [
      { MSGEVENTS_WEBHOOK_AUTH: "none", ...basic },
      "MSGEVENTS_WEBHOOK_AUTH=none but webhook credentials are also set; remove them or choose basic/oauth2",
    ],
    [
      { MSGEVENTS_WEBHOOK_AUTH: "token" },
      'MSGEVENTS_WEBHOOK_AUTH must be "none" or a comma-separated list of basic and oauth2, got "token"',
    ],
    [
      { MSGEVENTS_WEBHOOK_AUTH: "none,basic", ...basic },
      'MSGEVENTS_WEBHOOK_AUTH must be "none" or a comma-separated list of basic and oauth2, got "none,basic"',
    ],
  ])("refuses %j", (env, message) => {
    expect(refusal(env)).toBe(message);
  });

  it("accepts an explicit list of modes", () => {
    const { auth } = loadIngestConfig({ MSGEVENTS_WEBHOOK_AUTH: "basic, oauth2", ...basic, ...oauth });
    expect(auth.mode === "required" && auth.basic !== undefined && auth.oauth2 !== undefined).toBe(true);
  });

  it("reads the body limit and refuses nonsense", () => {
    expect(loadIngestConfig({ ...basic, MSGEVENTS_MAX_BODY_BYTES: "26214400" }).maxBodyBytes).toBe(26_214_400);
    expect(refusal({ ...basic, MSGEVENTS_MAX_BODY_BYTES: "lots" })).toMatch(/^MSGEVENTS_MAX_BODY_BYTES /);
    expect(refusal({ ...basic, MSGEVENTS_MAX_BODY_BYTES: "10" })).toMatch(/^MSGEVENTS_MAX_BODY_BYTES /);
  });

  it("defaults to 25 MiB where the server reads the body itself", () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(26_214_400);
  });
});

describe("loadIngestLambdaConfig", () => {
  it("requires the bucket", () => {
    expect(() => loadIngestLambdaConfig(basic)).toThrow(new IngestConfigError("MSGEVENTS_S3_BUCKET is required"));
    expect(loadIngestLambdaConfig({ ...basic, MSGEVENTS_S3_BUCKET: "raw-batches" }).bucket).toBe("raw-batches");
  });

  it("defaults the body limit to the 6 MiB a synchronous invocation can carry, and lets it be lowered", () => {
    expect(loadIngestLambdaConfig({ ...basic, MSGEVENTS_S3_BUCKET: "b" }).maxBodyBytes).toBe(LAMBDA_MAX_BODY_BYTES);
    expect(LAMBDA_MAX_BODY_BYTES).toBe(6_291_456);
    const lowered = loadIngestLambdaConfig({ ...basic, MSGEVENTS_S3_BUCKET: "b", MSGEVENTS_MAX_BODY_BYTES: "1048576" });
    expect(lowered.maxBodyBytes).toBe(1_048_576);
  });
});

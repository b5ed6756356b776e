import { SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { handleIngest, type IngestDeps } from "../src/index.ts";
import {
  basicAuth,
  basicHeader,
  CLIENT_ID,
  CLIENT_SECRET,
  filesUnder,
  oauthAuth,
  RECEIVED_AT,
  removeTempDirs,
  sampleBody,
  testDeps,
  tokenRequest,
  webhookRequest,
} from "./helpers.ts";

afterAll(removeTempDirs);

const jsonCredentials = JSON.stringify({
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  grant_type: "client_credentials",
});
const formCredentials = new URLSearchParams({
  grant_type: "client_credentials",
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
}).toString();

async function getToken(deps: IngestDeps, body: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await handleIngest(tokenRequest(body, headers), deps);
  expect(response.status).toBe(200);
  return JSON.parse(response.body).access_token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("OAuth2 token endpoint", () => {
  it("issues a Bearer token for SparkPost's JSON body, uncached", async () => {
    const deps = await testDeps({ env: oauthAuth });
    const response = await handleIngest(tokenRequest(jsonCredentials, { "content-type": "application/json" }), deps);
    expect(response.status).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers.pragma).toBe("no-cache");
    const body = JSON.parse(response.body);
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(3600);
    expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it.each([
    ["a JSON body", jsonCredentials, { "content-type": "application/json; charset=utf-8" }],
    ["a form body", formCredentials, { "content-type": "application/x-www-form-urlencoded" }],
    ["a JSON body without content type", jsonCredentials, {}],
    ["a form body without content type", formCredentials, {}],
    [
      "HTTP Basic client authentication with a form body",
      "grant_type=client_credentials",
      { "content-type": "application/x-www-form-urlencoded", authorization: basicHeader(CLIENT_ID, CLIENT_SECRET) },
    ],
    [
      "HTTP Basic client authentication with form-encoded id and secret (RFC 6749 2.3.1)",
      "grant_type=client_credentials",
      {
        "content-type": "application/x-www-form-urlencoded",
        authorization: basicHeader(encodeURIComponent(CLIENT_ID), encodeURIComponent(CLIENT_SECRET)),
      },
    ],
  ])("lets SparkPost post a batch end to end with a token obtained with %s", async (_case, body, headers) => {
    const deps = await testDeps({ env: oauthAuth });
    const token = await getToken(deps, body, headers);
    const response = await handleIngest(webhookRequest(sampleBody, bearer(token)), deps);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).results.stored).toBe(true);
    expect(await filesUnder(deps.rootDir)).toHaveLength(1);
  });

  const error = (code: string, description: string) => ({ error: code, error_description: description });

  it.each([
    [
      "a wrong client secret",
      JSON.stringify({ client_id: CLIENT_ID, client_secret: "wrong-secret-0000", grant_type: "client_credentials" }),
      { "content-type": "application/json" },
      401,
      error("invalid_client", "client authentication failed"),
    ],
    [
      "an unknown client id",
      JSON.stringify({ client_id: "OTHER", client_secret: CLIENT_SECRET, grant_type: "client_credentials" }),
      { "content-type": "application/json" },
      401,
      error("invalid_client", "client authentication failed"),
    ],
    [
      "no client credentials",
      "grant_type=client_credentials",
      { "content-type": "application/x-www-form-urlencoded" },
      401,
      error("invalid_client", "send client_id and client_secret, or use HTTP Basic"),
    ],
    [
      "a wrong Basic client secret",
      "grant_type=client_credentials",
      { "content-type": "application/x-www-form-urlencoded", authorization: basicHeader(CLIENT_ID, "nope") },
      401,
      error("invalid_client", "client authentication failed"),
    ],
    [
      "malformed Basic client credentials",
      "grant_type=client_credentials",
      { "content-type": "application/x-www-form-urlencoded", authorization: "Basic %%%" },
      401,
      error("invalid_client", "the Basic credentials are not valid base64 of id:secret"),
    ],
    [
      "a Bearer header instead of client credentials",
      "grant_type=client_credentials",
      { "content-type": "application/x-www-form-urlencoded", authorization: "Bearer abc" },
      401,
      error("invalid_client", "client authentication must use the Basic scheme"),
    ],
    [
      "credentials both in the header and the body",
      formCredentials,
      { "content-type": "application/x-www-form-urlencoded", authorization: basicHeader(CLIENT_ID, CLIENT_SECRET) },
      400,
      error("invalid_request", "send the client credentials in the Authorization header or the body, not both"),
    ],
    [
      "no grant_type",
      JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
      { "content-type": "application/json" },
      400,
      error("invalid_request", "grant_type is required"),
    ],
    [
      "the password grant",
      JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: "password" }),
      { "content-type": "application/json" },
      400,
      error("unsupported_grant_type", "only grant_type=client_credentials is supported"),
    ],
    [
      "a repeated parameter",
      `${formCredentials}&grant_type=client_credentials`,
      { "content-type": "application/x-www-form-urlencoded" },
      400,
      error("invalid_request", "grant_type must not be repeated"),
    ],
    [
      "invalid JSON",
      "{not json",
      { "content-type": "application/json" },
      400,
      error("invalid_request", "the request body is not valid JSON"),
    ],
    [
      "a JSON array",
      "[]",
      { "content-type": "application/json" },
      400,
      error("invalid_request", "the request body must be a JSON object"),
    ],
    [
      "a non-string parameter",
      JSON.stringify({ client_id: 123, client_secret: CLIENT_SECRET, grant_type: "client_credentials" }),
      { "content-type": "application/json" },
      400,
      error("invalid_request", "client_id must be a string"),
    ],
    [
      "an unsupported content type",
      formCredentials,
      { "content-type": "text/plain" },
      400,
      error("invalid_request", "send the token request as application/x-www-form-urlencoded or application/json"),
    ],
    [
      "an oversized body",
      `${formCredentials}&scope=${"x".repeat(17_000)}`,
      { "content-type": "application/x-www-form-urlencoded" },
      400,
      error("invalid_request", "the request body must be at most 16384 bytes"),
    ],
  ])("answers %s with the RFC 6749 error", async (_case, body, headers, status, expected) => {
    const deps = await testDeps({ env: oauthAuth });
    const response = await handleIngest(tokenRequest(body, headers), deps);
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toEqual(expected);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["www-authenticate"]).toBe(status === 401 ? 'Basic realm="msgevents"' : undefined);
  });

  it("does not exist when OAuth2 is not configured", async () => {
    const deps = await testDeps({ env: basicAuth });
    const response = await handleIngest(tokenRequest(jsonCredentials, { "content-type": "application/json" }), deps);
    expect(response.status).toBe(404);
  });

  it("only answers POST", async () => {
    const deps = await testDeps({ env: oauthAuth });
    const response = await handleIngest({ ...tokenRequest(""), method: "GET" }, deps);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("POST");
  });
});

describe("Bearer webhook authentication", () => {
  const refusal = {
    errors: [
      { message: "authentication failed", description: "the access token is invalid or expired; request a new one" },
    ],
  };
  const invalidTokenChallenge = 'Bearer realm="msgevents", error="invalid_token"';

  async function refuses(deps: IngestDeps & { rootDir: string }, authorization: string | undefined) {
    const response = await handleIngest(webhookRequest(sampleBody, { authorization }), deps);
    expect(response.status).toBe(401);
    expect(await filesUnder(deps.rootDir)).toEqual([]);
    return { headers: response.headers, body: JSON.parse(response.body) };
  }

  it("accepts a token until it expires and refuses it afterwards", async () => {
    let now = RECEIVED_AT;
    const deps = await testDeps({ env: oauthAuth, clock: () => now });
    const token = await getToken(deps, jsonCredentials);
    now = new Date(RECEIVED_AT.getTime() + 3_599_000);
    expect((await handleIngest(webhookRequest(sampleBody, bearer(token)), deps)).status).toBe(200);
    now = new Date(RECEIVED_AT.getTime() + 3_600_000);
    const response = await handleIngest(webhookRequest("[]", bearer(token)), deps);
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe(invalidTokenChallenge);
    expect(JSON.parse(response.body)).toEqual(refusal);
  });

  it("refuses a token signed with another key", async () => {
    const deps = await testDeps({ env: oauthAuth });
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("msgevents")
      .setAudience("msgevents:webhook")
      .setSubject(CLIENT_ID)
      .setIssuedAt(Math.floor(RECEIVED_AT.getTime() / 1000))
      .setExpirationTime(Math.floor(RECEIVED_AT.getTime() / 1000) + 3600)
      .sign(new TextEncoder().encode("some-other-key-of-32-bytes-length!!"));
    const { headers, body } = await refuses(deps, `Bearer ${forged}`);
    expect(headers["www-authenticate"]).toBe(invalidTokenChallenge);
    expect(body).toEqual(refusal);
  });

  it("refuses a token issued under a rotated client secret", async () => {
    const before = await testDeps({ env: oauthAuth });
    const token = await getToken(before, jsonCredentials);
    const after = await testDeps({ env: { ...oauthAuth, MSGEVENTS_OAUTH_CLIENT_SECRET: `${CLIENT_SECRET}-rotated` } });
    expect((await refuses(after, `Bearer ${token}`)).body).toEqual(refusal);
  });

  it("refuses a tampered token", async () => {
    const deps = await testDeps({ env: oauthAuth });
    const [header, payload, signature] = (await getToken(deps, jsonCredentials)).split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const extended = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString("base64url");
    expect((await refuses(deps, `Bearer ${header}.${extended}.${signature}`)).body).toEqual(refusal);
    const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect((await refuses(deps, `Bearer ${header}.${payload}.${flipped}`)).body).toEqual(refusal);
  });

  it("refuses an unsigned (alg none) token", async () => {
    const deps = await testDeps({ env: oauthAuth });
    const [, payload] = (await getToken(deps, jsonCredentials)).split(".") as [string, string];
    const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    expect((await refuses(deps, `Bearer ${none}.${payload}.`)).body).toEqual(refusal);
  });

  it.each(["not-a-jwt", "a.b.c", "%%%"])("refuses the garbage token %j", async (token) => {
    const deps = await testDeps({ env: oauthAuth });
    expect((await refuses(deps, `Bearer ${token}`)).body).toEqual(refusal);
  });

  it("refuses a missing token with a Bearer challenge", async () => {
    const deps = await testDeps({ env: oauthAuth });
    const { headers, body } = await refuses(deps, undefined);
    expect(headers["www-authenticate"]).toBe('Bearer realm="msgevents"');
    expect(body).toEqual({
      errors: [
        { message: "authentication failed", description: "send the webhook credentials in the Authorization header" },
      ],
    });
  });

  it("refuses Basic credentials when only OAuth2 is configured", async () => {
    const deps = await testDeps({ env: oauthAuth });
    const { body } = await refuses(deps, basicHeader(CLIENT_ID, CLIENT_SECRET));
    expect(body).toEqual({ errors: [{ message: "authentication failed", description: "use Bearer authentication" }] });
  });

  it("accepts either scheme when both are configured and offers both challenges", async () => {
    const deps = await testDeps({ env: { ...basicAuth, ...oauthAuth } });
    const token = await getToken(deps, jsonCredentials);
    expect((await handleIngest(webhookRequest(sampleBody, bearer(token)), deps)).status).toBe(200);
    expect((await handleIngest(webhookRequest(`${sampleBody} `), deps)).status).toBe(200);
    const { headers } = await refuses(await testDeps({ env: { ...basicAuth, ...oauthAuth } }), undefined);
    expect(headers["www-authenticate"]).toBe('Basic realm="msgevents", Bearer realm="msgevents"');
  });

  it("never logs tokens or client secrets", async () => {
    const deps = await testDeps({ env: oauthAuth });
    const token = await getToken(deps, jsonCredentials);
    await handleIngest(webhookRequest(sampleBody, bearer(token)), deps);
    await handleIngest(webhookRequest(sampleBody, bearer(`${token}x`)), deps);
    const logged = JSON.stringify(deps.logger.entries);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(CLIENT_SECRET);
  });
});

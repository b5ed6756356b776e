import { hkdfSync } from "node:crypto";
import * as z from "zod";
import type { AuthConfig, OAuthClient } from "./auth/auth-config.ts";

/**
 * Body limit of a server that reads the body itself (the local stack): 25 MiB. SparkPost documents no maximum and
 * warns against small limits, and a 413 loses the batch after 8 hours of retries; its batches are ~0.5 MB for 350
 * events, so this is ~50 times that, while one body (held once in memory, parsed once by the loader) stays far below
 * what a laptop process can hold.
 */
export const DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024;
/**
 * The Lambda's default: the largest body that can reach it at all. API Gateway hands the request to Lambda inside a
 * JSON event, and a synchronous invocation's payload may be at most 6 MiB (6,291,456 bytes), so no body that arrives
 * is larger and this code never refuses what the platform delivered. What fits depends on the encoding: a batch sent
 * as `application/json` arrives as a JSON string (each `"` and `\` escaped: +13% for SparkPost events, so ~5.5 MB
 * fit); one without a text Content-Type arrives base64-encoded (4/3 larger, ~4.7 MB fit). AWS refuses larger posts
 * before this code runs.
 */
export const LAMBDA_MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Access token lifetime; SparkPost caches the token for expires_in and asks again after a 400/401. */
export const TOKEN_LIFETIME_SECONDS = 3600;

export interface IngestConfig {
  auth: AuthConfig;
  maxBodyBytes: number;
}

export interface IngestLambdaConfig extends IngestConfig {
  bucket: string;
}

export class IngestConfigError extends Error {
  override readonly name = "IngestConfigError";
}

/** Unset and empty variables are the same thing (an empty line in an env file must not count as a credential). */
const optionalText = z.preprocess((value) => (value === "" ? undefined : value), z.string().optional());

const ingestEnvSchema = z.object({
  MSGEVENTS_WEBHOOK_AUTH: optionalText,
  MSGEVENTS_WEBHOOK_USERNAME: optionalText,
  MSGEVENTS_WEBHOOK_PASSWORD: optionalText,
  MSGEVENTS_OAUTH_CLIENT_ID: optionalText,
  // The secret keys the token signatures (HMAC), so it must resist offline guessing.
  MSGEVENTS_OAUTH_CLIENT_SECRET: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.string().min(16, "must be at least 16 characters (e.g. `openssl rand -hex 32`)").optional(),
  ),
  MSGEVENTS_MAX_BODY_BYTES: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.coerce
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .optional(),
  ),
});

const lambdaEnvSchema = z.object({ MSGEVENTS_S3_BUCKET: z.string({ error: "is required" }).min(1, "is required") });

type Env = Record<string, string | undefined>;

/**
 * Reads the ingest settings shared by the Lambda and the local stack. Fails closed: throws IngestConfigError when no
 * authentication is configured (set Basic and/or OAuth2 credentials, or MSGEVENTS_WEBHOOK_AUTH=none explicitly), when
 * a credential pair is incomplete, or when MSGEVENTS_WEBHOOK_AUTH disagrees with the credentials that are set.
 */
export function loadIngestConfig(env: Env, defaultMaxBodyBytes = DEFAULT_MAX_BODY_BYTES): IngestConfig {
  const parsed = ingestEnvSchema.safeParse(env);
  if (!parsed.success) throw new IngestConfigError(describeIssues(parsed.error));
  const vars = parsed.data;
  return { auth: resolveAuth(vars), maxBodyBytes: vars.MSGEVENTS_MAX_BODY_BYTES ?? defaultMaxBodyBytes };
}

export function loadIngestLambdaConfig(env: Env): IngestLambdaConfig {
  const parsed = lambdaEnvSchema.safeParse(env);
  if (!parsed.success) throw new IngestConfigError(describeIssues(parsed.error));
  return { ...loadIngestConfig(env, LAMBDA_MAX_BODY_BYTES), bucket: parsed.data.MSGEVENTS_S3_BUCKET };
}

/**
 * The Lambda's Secrets Manager secret (`MSGEVENTS_WEBHOOK_SECRET_ARN`, JSON
 * `{"username","password","oauthClientId","oauthClientSecret"}`), read once per cold start by the Lambda entry; the
 * local stack sets the MSGEVENTS_WEBHOOK_* / MSGEVENTS_OAUTH_* variables instead.
 */
export function webhookSecretArn(env: Env): string | undefined {
  return env.MSGEVENTS_WEBHOOK_SECRET_ARN || undefined;
}

/**
 * The environment with the secret's fields in the variables loadIngestConfig validates, so the secret gets exactly
 * the checks the variables get (pairs complete, MSGEVENTS_WEBHOOK_AUTH consistent, OAuth2 secret long enough).
 */
export function withWebhookSecret(env: Env, secret: Record<string, string>): Env {
  return {
    ...env,
    MSGEVENTS_WEBHOOK_USERNAME: secret.username,
    MSGEVENTS_WEBHOOK_PASSWORD: secret.password,
    MSGEVENTS_OAUTH_CLIENT_ID: secret.oauthClientId,
    MSGEVENTS_OAUTH_CLIENT_SECRET: secret.oauthClientSecret,
  };
}

type IngestEnv = z.infer<typeof ingestEnvSchema>;
type Mode = "basic" | "oauth2";

function resolveAuth(vars: IngestEnv): AuthConfig {
  const hasBasic = vars.MSGEVENTS_WEBHOOK_USERNAME !== undefined || vars.MSGEVENTS_WEBHOOK_PASSWORD !== undefined;
  const hasOAuth = vars.MSGEVENTS_OAUTH_CLIENT_ID !== undefined || vars.MSGEVENTS_OAUTH_CLIENT_SECRET !== undefined;
  const explicit = parseModes(vars.MSGEVENTS_WEBHOOK_AUTH);

  if (explicit === "none") {
    if (hasBasic || hasOAuth) {
      throw new IngestConfigError(
        "MSGEVENTS_WEBHOOK_AUTH=none but webhook credentials are also set; remove them or choose basic/oauth2",
      );
    }
    return { mode: "none" };
  }
  const modes =
    explicit ?? new Set<Mode>([...(hasBasic ? ["basic" as const] : []), ...(hasOAuth ? ["oauth2" as const] : [])]);
  if (modes.size === 0) {
    throw new IngestConfigError(
      "no webhook authentication configured: set MSGEVENTS_WEBHOOK_USERNAME and MSGEVENTS_WEBHOOK_PASSWORD (Basic), " +
        "MSGEVENTS_OAUTH_CLIENT_ID and MSGEVENTS_OAUTH_CLIENT_SECRET (OAuth2), or MSGEVENTS_WEBHOOK_AUTH=none to accept " +
        "unauthenticated batches",
    );
  }
  if (hasBasic && !modes.has("basic")) {
    throw new IngestConfigError(
      "MSGEVENTS_WEBHOOK_USERNAME/PASSWORD are set but MSGEVENTS_WEBHOOK_AUTH excludes basic",
    );
  }
  if (hasOAuth && !modes.has("oauth2")) {
    throw new IngestConfigError("MSGEVENTS_OAUTH_CLIENT_ID/SECRET are set but MSGEVENTS_WEBHOOK_AUTH excludes oauth2");
  }
  return {
    mode: "required",
    basic: modes.has("basic")
      ? {
          username: requirePair(vars.MSGEVENTS_WEBHOOK_USERNAME, "MSGEVENTS_WEBHOOK_USERNAME", "basic"),
          password: requirePair(vars.MSGEVENTS_WEBHOOK_PASSWORD, "MSGEVENTS_WEBHOOK_PASSWORD", "basic"),
        }
      : undefined,
    oauth2: modes.has("oauth2")
      ? oauthClient(
          requirePair(vars.MSGEVENTS_OAUTH_CLIENT_ID, "MSGEVENTS_OAUTH_CLIENT_ID", "oauth2"),
          requirePair(vars.MSGEVENTS_OAUTH_CLIENT_SECRET, "MSGEVENTS_OAUTH_CLIENT_SECRET", "oauth2"),
        )
      : undefined,
  };
}

/**
 * Tokens are HS256 JWTs keyed by HKDF(client secret), so they verify without a database or a second secret, and
 * rotating the client secret revokes every token issued under the old one.
 */
function oauthClient(clientId: string, clientSecret: string): OAuthClient {
  const key = hkdfSync("sha256", clientSecret, "msgevents", "oauth2 access token signing key v1", 32);
  return {
    clientId,
    clientSecret,
    tokenSigningKey: new Uint8Array(key),
    tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
  };
}

function parseModes(value: string | undefined): "none" | Set<Mode> | undefined {
  if (value === undefined) return undefined;
  const words = value
    .toLowerCase()
    .split(",")
    .map((word) => word.trim())
    .filter(Boolean);
  if (words.length === 1 && words[0] === "none") return "none";
  const modes = new Set<Mode>();
  for (const word of words) {
    if (word !== "basic" && word !== "oauth2") {
      throw new IngestConfigError(
        `MSGEVENTS_WEBHOOK_AUTH must be "none" or a comma-separated list of basic and oauth2, got ${JSON.stringify(value)}`,
      );
    }
    modes.add(word);
  }
  return modes;
}

function requirePair(value: string | undefined, name: string, mode: Mode): string {
  if (value === undefined) throw new IngestConfigError(`${name} is required for ${mode} webhook authentication`);
  return value;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; ");
}

import { hkdfSync } from "node:crypto";
import * as z from "zod";
import type { AuthConfig, OAuthClient } from "./auth/auth-config.ts";

/**
 * Default body limit: 4 MiB. API Gateway hands the body to Lambda inside a JSON event that must stay under Lambda's
 * 6 MB synchronous payload limit, and a body API Gateway treats as binary arrives base64-encoded (4/3 larger):
 * 4 MiB × 4/3 ≈ 5.6 MB leaves room for headers and the event envelope. A 350-event batch is ~0.5 MB.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
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
      .default(DEFAULT_MAX_BODY_BYTES),
  ),
});

const lambdaEnvSchema = z.object({ MSGEVENTS_BUCKET: z.string({ error: "is required" }).min(1, "is required") });

type Env = Record<string, string | undefined>;

/**
 * Reads the ingest settings shared by the Lambda and the local stack. Fails closed: throws IngestConfigError when no
 * authentication is configured (set Basic and/or OAuth2 credentials, or MSGEVENTS_WEBHOOK_AUTH=none explicitly), when
 * a credential pair is incomplete, or when MSGEVENTS_WEBHOOK_AUTH disagrees with the credentials that are set.
 */
export function loadIngestConfig(env: Env): IngestConfig {
  const parsed = ingestEnvSchema.safeParse(env);
  if (!parsed.success) throw new IngestConfigError(describeIssues(parsed.error));
  const vars = parsed.data;
  return { auth: resolveAuth(vars), maxBodyBytes: vars.MSGEVENTS_MAX_BODY_BYTES };
}

export function loadIngestLambdaConfig(env: Env): IngestLambdaConfig {
  const parsed = lambdaEnvSchema.safeParse(env);
  if (!parsed.success) throw new IngestConfigError(describeIssues(parsed.error));
  return { ...loadIngestConfig(env), bucket: parsed.data.MSGEVENTS_BUCKET };
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

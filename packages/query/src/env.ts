import { createHmac } from "node:crypto";
import { type DatabaseSettings, readDatabaseEnvReporting } from "@msgevents/runtime-config/database";
import * as z from "zod";

type Env = Record<string, string | undefined>;

const QueryEnv = z.object({
  /** The key clients send as `Authorization: <key>` or `Basic base64(<key>:)`. */
  MSGEVENTS_API_KEY: z.string().min(8, "MSGEVENTS_API_KEY must be at least 8 characters"),
  /** Signs pagination cursors; when unset the signing key is derived from MSGEVENTS_API_KEY. */
  MSGEVENTS_CURSOR_SECRET: z.string().min(16, "MSGEVENTS_CURSOR_SECRET must be at least 16 characters").optional(),
  /** Connections per process: a Lambda instance serves one request at a time (page and count run side by side). */
  MSGEVENTS_DB_POOL_MAX: z.coerce.number().int().min(1).max(50).default(2),
  MSGEVENTS_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(900_000).default(15_000),
});

export interface QueryConfig {
  /** DATABASE_URL, or the MSGEVENTS_DB_* variables shared with the loader and maintenance. */
  database: DatabaseSettings;
  apiKey: string;
  cursorKey: Buffer;
  poolMax: number;
  statementTimeoutMs: number;
}

/** The signing key for cursors, derived so that the secret itself never signs anything directly. */
export function deriveCursorKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("msgevents/events-search/cursor/v1").digest();
}

/**
 * The Lambda's Secrets Manager secret (`MSGEVENTS_API_SECRET_ARN`, JSON `{"apiKey","cursorSecret"}`), read once per
 * cold start by src/lambda.ts; the local stack sets MSGEVENTS_API_KEY / MSGEVENTS_CURSOR_SECRET instead.
 */
export function apiSecretArn(env: Env): string | undefined {
  return env.MSGEVENTS_API_SECRET_ARN || undefined;
}

/** The environment with the secret's fields in the variables loadQueryConfig validates. */
export function withApiSecret(env: Env, secret: Record<string, string>): Env {
  if (!secret.apiKey) throw new Error("invalid query configuration: the API secret has no apiKey");
  return { ...env, MSGEVENTS_API_KEY: secret.apiKey, MSGEVENTS_CURSOR_SECRET: secret.cursorSecret };
}

export function loadQueryConfig(env: Env = process.env): QueryConfig {
  const { database, problems } = readDatabaseEnvReporting(env);
  const parsed = QueryEnv.safeParse(env);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  if (!parsed.success || database === undefined) {
    throw new Error(`invalid query configuration: ${problems.join("; ")}`);
  }
  const values = parsed.data;
  return {
    database,
    apiKey: values.MSGEVENTS_API_KEY,
    cursorKey: deriveCursorKey(values.MSGEVENTS_CURSOR_SECRET ?? values.MSGEVENTS_API_KEY),
    poolMax: values.MSGEVENTS_DB_POOL_MAX,
    statementTimeoutMs: values.MSGEVENTS_QUERY_TIMEOUT_MS,
  };
}

import { createHmac } from "node:crypto";
import * as z from "zod";

const QueryEnv = z.object({
  DATABASE_URL: z.string().min(1, "DATABASE_URL is required"),
  /** The key clients send as `Authorization: <key>` or `Basic base64(<key>:)`. */
  MSGEVENTS_API_KEY: z.string().min(8, "MSGEVENTS_API_KEY must be at least 8 characters"),
  /** Signs pagination cursors; when unset the signing key is derived from MSGEVENTS_API_KEY. */
  MSGEVENTS_CURSOR_SECRET: z.string().min(16, "MSGEVENTS_CURSOR_SECRET must be at least 16 characters").optional(),
  /** Connections per process: a Lambda instance serves one request at a time (page and count run side by side). */
  MSGEVENTS_DB_POOL_MAX: z.coerce.number().int().min(1).max(50).default(2),
  MSGEVENTS_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(900_000).default(15_000),
});

export interface QueryConfig {
  databaseUrl: string;
  apiKey: string;
  cursorKey: Buffer;
  poolMax: number;
  statementTimeoutMs: number;
}

/** The signing key for cursors, derived so that the secret itself never signs anything directly. */
export function deriveCursorKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("msgevents/events-search/cursor/v1").digest();
}

export function loadQueryConfig(env: Record<string, string | undefined> = process.env): QueryConfig {
  const parsed = QueryEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid query configuration: ${problems.join("; ")}`);
  }
  const values = parsed.data;
  return {
    databaseUrl: values.DATABASE_URL,
    apiKey: values.MSGEVENTS_API_KEY,
    cursorKey: deriveCursorKey(values.MSGEVENTS_CURSOR_SECRET ?? values.MSGEVENTS_API_KEY),
    poolMax: values.MSGEVENTS_DB_POOL_MAX,
    statementTimeoutMs: values.MSGEVENTS_QUERY_TIMEOUT_MS,
  };
}

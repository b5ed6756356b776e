import { type DatabaseSettings, readDatabaseEnvReporting } from "@msgevents/runtime-config/database";
import * as z from "zod/mini";

// zod/mini: the same checks as zod's classic API at a fraction of the bundle size (the Lambda loads it cold).
const envSchema = z.object({
  MSGEVENTS_S3_BUCKET: z.string().check(z.minLength(1)),
  /** An S3-compatible endpoint (emulators, MinIO); unset on AWS. */
  MSGEVENTS_S3_ENDPOINT: z.optional(z.url()),
  /**
   * Connections per Lambda instance. An invocation loads its batches one transaction at a time (loadBatches, up to
   * MAX_BATCHES_PER_LOAD a transaction), so it needs two: the transaction, and a spare for the naming statement
   * committed before it. Lambda runs one invocation per instance, so the database sees at most this × the
   * function's concurrency.
   */
  MSGEVENTS_LOADER_POOL_MAX: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(20)), 2),
});

export interface LoaderConfig {
  database: DatabaseSettings;
  bucket: string;
  s3Endpoint: string | undefined;
  poolMax: number;
}

/**
 * The loader's whole configuration, read once from the environment: the shared database variables
 * (`@msgevents/runtime-config/database`) and the loader's own. Throws naming every invalid variable.
 */
export function readLoaderEnv(env: NodeJS.ProcessEnv): LoaderConfig {
  const { database, problems } = readDatabaseEnvReporting(env);
  // An empty variable counts as unset (deployment templates often render missing values as "").
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")));
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  if (!parsed.success || database === undefined) {
    throw new Error(`invalid loader configuration: ${problems.join("; ")}`);
  }
  return {
    database,
    bucket: parsed.data.MSGEVENTS_S3_BUCKET,
    s3Endpoint: parsed.data.MSGEVENTS_S3_ENDPOINT,
    poolMax: parsed.data.MSGEVENTS_LOADER_POOL_MAX,
  };
}

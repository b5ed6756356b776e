import { type DatabaseSettings, readDatabaseEnvReporting } from "@msgevents/runtime-config/database";
import * as z from "zod/mini";

const envSchema = z.object({
  MSGEVENTS_S3_BUCKET: z.string().check(z.minLength(1)),
  /** An S3-compatible endpoint (emulators, MinIO); unset on AWS. */
  MSGEVENTS_S3_ENDPOINT: z.optional(z.url()),
  /**
   * "true" when the bucket keeps versions: a rewrite then also deletes the batch's noncurrent versions (the function
   * needs s3:ListBucketVersions and s3:DeleteObjectVersion, which infra grants only then).
   */
  MSGEVENTS_S3_VERSIONED: z._default(z.enum(["true", "false"]), "false"),
  /** Seconds a run may start new steps for; the function's timeout must leave room for the last step. */
  MSGEVENTS_ERASER_BUDGET_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(10), z.lte(840)), 600),
});

export interface EraserConfig {
  database: DatabaseSettings;
  bucket: string;
  s3Endpoint: string | undefined;
  versioned: boolean;
  budgetMs: number;
}

/** The eraser function's configuration, read once; throws naming every invalid variable. */
export function readEraserEnv(env: NodeJS.ProcessEnv): EraserConfig {
  const { database, problems } = readDatabaseEnvReporting(env);
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")));
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  if (!parsed.success || database === undefined) {
    throw new Error(`invalid eraser configuration: ${problems.join("; ")}`);
  }
  return {
    database,
    bucket: parsed.data.MSGEVENTS_S3_BUCKET,
    s3Endpoint: parsed.data.MSGEVENTS_S3_ENDPOINT,
    versioned: parsed.data.MSGEVENTS_S3_VERSIONED === "true",
    budgetMs: parsed.data.MSGEVENTS_ERASER_BUDGET_SECONDS * 1000,
  };
}

import * as z from "zod/mini";

// zod/mini: the same checks as zod's classic API at a fraction of the bundle size (the Lambda loads it cold).
const text = z.optional(z.string().check(z.minLength(1)));
const integer = (min: number, max: number, fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(min), z.lte(max)), fallback);

const envSchema = z
  .object({
    DATABASE_URL: text,
    MSGEVENTS_DB_HOST: text,
    MSGEVENTS_DB_PORT: integer(1, 65_535, 5432),
    MSGEVENTS_DB_NAME: text,
    MSGEVENTS_DB_USER: text,
    MSGEVENTS_DB_PASSWORD: text,
    /** TLS to the database, verifying its certificate (point NODE_EXTRA_CA_CERTS at the RDS bundle on AWS). */
    MSGEVENTS_DB_SSL: z._default(z.enum(["true", "false"]), "false"),
    MSGEVENTS_S3_BUCKET: z.string().check(z.minLength(1)),
    /** An S3-compatible endpoint (emulators, MinIO); unset on AWS. */
    MSGEVENTS_S3_ENDPOINT: z.optional(z.url()),
    /**
     * Connections per Lambda instance, which is also how many SQS messages of one invocation load at once. Lambda
     * runs one invocation per instance, so the database sees at most this × the function's concurrency.
     */
    MSGEVENTS_LOADER_POOL_MAX: integer(1, 20, 2),
  })
  .check(
    z.refine((env) => env.DATABASE_URL !== undefined || env.MSGEVENTS_DB_HOST !== undefined, {
      message:
        "set DATABASE_URL, or MSGEVENTS_DB_HOST with MSGEVENTS_DB_NAME, MSGEVENTS_DB_USER, MSGEVENTS_DB_PASSWORD",
    }),
  );

export interface DatabaseConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: boolean;
}

export interface LoaderConfig {
  database: DatabaseConfig;
  bucket: string;
  s3Endpoint: string | undefined;
  poolMax: number;
}

/** The loader's whole configuration, read once from the environment; throws naming every invalid variable. */
export function readLoaderEnv(env: NodeJS.ProcessEnv): LoaderConfig {
  // An empty variable counts as unset (deployment templates often render missing values as "").
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`);
    throw new Error(`invalid loader configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const database: DatabaseConfig = e.DATABASE_URL
    ? { connectionString: e.DATABASE_URL }
    : {
        host: e.MSGEVENTS_DB_HOST,
        port: e.MSGEVENTS_DB_PORT,
        database: e.MSGEVENTS_DB_NAME,
        user: e.MSGEVENTS_DB_USER,
        password: e.MSGEVENTS_DB_PASSWORD,
      };
  if (e.MSGEVENTS_DB_SSL === "true") database.ssl = true;
  return {
    database,
    bucket: e.MSGEVENTS_S3_BUCKET,
    s3Endpoint: e.MSGEVENTS_S3_ENDPOINT,
    poolMax: e.MSGEVENTS_LOADER_POOL_MAX,
  };
}

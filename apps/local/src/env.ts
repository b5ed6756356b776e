import path from "node:path";
import { z } from "zod";

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

const positiveInt = (fallback: number) =>
  z.preprocess((value) => (value === undefined || value === "" ? fallback : value), z.coerce.number().int().positive());

const envSchema = z.object({
  MSGEVENTS_DATA_DIR: optionalText,
  MSGEVENTS_PORT: z
    .preprocess(
      (value) => (value === undefined || value === "" ? 3000 : value),
      z.coerce.number().int().min(0).max(65535),
    )
    .describe("HTTP port"),
  /** Loopback by default: put a TLS proxy in front to expose it. */
  MSGEVENTS_HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: optionalText,
  MSGEVENTS_S3_ENDPOINT: optionalText,
  MSGEVENTS_S3_BUCKET: optionalText,
  MSGEVENTS_S3_REGION: z.string().default("us-east-1"),
  /** "true" when the bucket keeps versions: erasures then delete a rewritten batch's noncurrent versions too. */
  MSGEVENTS_S3_VERSIONED: z.enum(["true", "false"]).default("false"),
  MSGEVENTS_SQS_QUEUE_URL: optionalText,
  MSGEVENTS_SQS_ENDPOINT: optionalText,
  MSGEVENTS_LOADER_CONCURRENCY: positiveInt(2),
  MSGEVENTS_LOADER_MAX_ATTEMPTS: positiveInt(8),
  MSGEVENTS_RETENTION_DAYS: z.preprocess(
    (value) => (value === undefined || value === "" ? 0 : value),
    z.coerce.number().int().min(0),
  ),
  /** How often alerts are evaluated: every 5 minutes as in AWS, down to 10 s to try rules out. */
  MSGEVENTS_ALERT_INTERVAL_SECONDS: z.preprocess(
    (value) => (value === undefined || value === "" ? 300 : value),
    z.coerce.number().int().min(10).max(86_400),
  ),
  /** The owner's SparkPost account for the alerts' `emails` channel (Transmissions API), and its From address. */
  MSGEVENTS_ALERT_SPARKPOST_API_KEY: optionalText,
  MSGEVENTS_ALERT_SPARKPOST_API_URL: z.preprocess(
    (value) => (value === undefined || value === "" ? "https://api.sparkpost.com" : value),
    z.url({ protocol: /^https?$/ }),
  ),
  MSGEVENTS_ALERT_EMAIL_FROM: z.preprocess((value) => (value === "" ? undefined : value), z.email().optional()),
  /** The web app's address in alert links (a TLS proxy's URL, say); the stack's own URL when unset. */
  MSGEVENTS_PUBLIC_URL: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.url({ protocol: /^https?$/ }).optional(),
  ),
});

export type LocalEnv = z.infer<typeof envSchema>;

export interface LocalConfig extends LocalEnv {
  dataDir: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The one place the local stack reads its configuration. */
export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  if (parsed.data.MSGEVENTS_S3_ENDPOINT && !parsed.data.MSGEVENTS_S3_BUCKET) {
    throw new ConfigError("MSGEVENTS_S3_ENDPOINT needs MSGEVENTS_S3_BUCKET");
  }
  if (
    (parsed.data.MSGEVENTS_ALERT_SPARKPOST_API_KEY === undefined) !==
    (parsed.data.MSGEVENTS_ALERT_EMAIL_FROM === undefined)
  ) {
    throw new ConfigError(
      "MSGEVENTS_ALERT_SPARKPOST_API_KEY and MSGEVENTS_ALERT_EMAIL_FROM go together: alert e-mails are sent through your SparkPost account, from an address on one of its sending domains",
    );
  }
  // npm and pnpm run scripts from the package folder but remember where the command was typed.
  const base = env.INIT_CWD ?? process.cwd();
  const dataDir = path.resolve(base, parsed.data.MSGEVENTS_DATA_DIR ?? ".msgevents");
  return { ...parsed.data, dataDir };
}

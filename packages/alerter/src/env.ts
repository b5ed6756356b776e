import type { TransmissionsAccount } from "@msgevents/alerts";
import { type DatabaseSettings, readDatabaseEnvReporting } from "@msgevents/runtime-config/database";
import * as z from "zod";

type Env = Record<string, string | undefined>;

export class AlerterConfigError extends Error {
  override readonly name = "AlerterConfigError";
}

const blankAsUnset = (value: unknown) => (value === "" ? undefined : value);

const EvaluatorEnv = z.object({
  /** The bucket the evaluator hands deliveries to the sender through (outbox/, receipts/). */
  MSGEVENTS_OUTBOX_BUCKET: z.string().min(3),
  /** Where the web app is (the API's base URL), for the links in notifications. */
  MSGEVENTS_PUBLIC_URL: z.url({ protocol: /^https?$/ }),
  MSGEVENTS_DB_POOL_MAX: z.coerce.number().int().min(1).max(10).default(2),
  MSGEVENTS_QUERY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(60_000),
});

export interface EvaluatorConfig {
  database: DatabaseSettings;
  bucket: string;
  publicUrl: string;
  poolMax: number;
  statementTimeoutMs: number;
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

/** The evaluator function's configuration: the shared database variables (as msgevents_alerts) and its own. */
export function readEvaluatorEnv(env: Env): EvaluatorConfig {
  const { database, problems } = readDatabaseEnvReporting(env);
  const parsed = EvaluatorEnv.safeParse(env);
  if (!parsed.success) problems.push(...problemsOf(parsed.error));
  if (!parsed.success || database === undefined) {
    throw new AlerterConfigError(`invalid alert evaluator configuration: ${problems.join("; ")}`);
  }
  return {
    database,
    bucket: parsed.data.MSGEVENTS_OUTBOX_BUCKET,
    publicUrl: parsed.data.MSGEVENTS_PUBLIC_URL,
    poolMax: parsed.data.MSGEVENTS_DB_POOL_MAX,
    statementTimeoutMs: parsed.data.MSGEVENTS_QUERY_TIMEOUT_MS,
  };
}

const SenderEnv = z.object({
  MSGEVENTS_OUTBOX_BUCKET: z.string().min(3),
  /** Secrets Manager secret, JSON `{"signingKey", "sparkPostApiKey"?}`: read once per cold start. */
  MSGEVENTS_ALERT_SECRET_ARN: z.string().min(1),
  MSGEVENTS_ALERT_SPARKPOST_API_URL: z.preprocess(
    (value) => blankAsUnset(value) ?? "https://api.sparkpost.com",
    z.url({ protocol: /^https$/ }),
  ),
  MSGEVENTS_ALERT_EMAIL_FROM: z.preprocess(blankAsUnset, z.email().optional()),
});

export interface SenderEnvConfig {
  bucket: string;
  secretArn: string;
  apiUrl: string;
  from: string | undefined;
}

export function readSenderEnv(env: Env): SenderEnvConfig {
  const parsed = SenderEnv.safeParse(env);
  if (!parsed.success) {
    throw new AlerterConfigError(`invalid alert sender configuration: ${problemsOf(parsed.error).join("; ")}`);
  }
  return {
    bucket: parsed.data.MSGEVENTS_OUTBOX_BUCKET,
    secretArn: parsed.data.MSGEVENTS_ALERT_SECRET_ARN,
    apiUrl: parsed.data.MSGEVENTS_ALERT_SPARKPOST_API_URL,
    from: parsed.data.MSGEVENTS_ALERT_EMAIL_FROM,
  };
}

/**
 * The sender's keys from its secret: the signing key always; the Transmissions account when both the SparkPost key
 * (in the secret) and the From address (in the environment) are set, else the e-mail channel reports what is missing.
 */
export function senderSecrets(
  config: SenderEnvConfig,
  secret: Record<string, string>,
): { signingKey: string; transmissions: TransmissionsAccount | undefined } {
  const signingKey = secret.signingKey;
  if (!signingKey || signingKey.length < 16) {
    throw new AlerterConfigError("the alert secret needs a signingKey of at least 16 characters");
  }
  const apiKey = secret.sparkPostApiKey;
  return {
    signingKey,
    transmissions: apiKey && config.from ? { apiKey, apiUrl: config.apiUrl, from: config.from } : undefined,
  };
}

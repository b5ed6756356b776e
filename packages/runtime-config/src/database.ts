import { Signer, type SignerConfig } from "@aws-sdk/rds-signer";
import type pg from "pg";
import * as z from "zod/mini";

// zod/mini: the same checks at a fraction of the bundle size (every Lambda that reaches the database loads it cold).
const text = z.optional(z.string().check(z.minLength(1)));
const flag = z._default(z.enum(["true", "false"]), "false");

const databaseEnvSchema = z
  .object({
    /** Local use: a full connection string. Wins over the MSGEVENTS_DB_* variables. */
    DATABASE_URL: text,
    MSGEVENTS_DB_HOST: text,
    MSGEVENTS_DB_PORT: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(65_535)), 5432),
    MSGEVENTS_DB_NAME: text,
    MSGEVENTS_DB_USER: text,
    /** A fixed password (local stack, tests); on RDS use MSGEVENTS_DB_IAM_AUTH instead. */
    MSGEVENTS_DB_PASSWORD: text,
    /** TLS with certificate verification against Node's trusted CAs plus NODE_EXTRA_CA_CERTS. */
    MSGEVENTS_DB_SSL: flag,
    /** The password is a fresh RDS IAM authentication token for every new connection. */
    MSGEVENTS_DB_IAM_AUTH: flag,
    /** Set by the Lambda runtime; the region the IAM tokens are signed for. */
    AWS_REGION: text,
  })
  .check(
    z.refine((env) => env.DATABASE_URL !== undefined || env.MSGEVENTS_DB_HOST !== undefined, {
      message: "set DATABASE_URL, or MSGEVENTS_DB_HOST with MSGEVENTS_DB_NAME and MSGEVENTS_DB_USER",
    }),
    z.refine(
      (env) =>
        env.DATABASE_URL !== undefined || (env.MSGEVENTS_DB_NAME !== undefined && env.MSGEVENTS_DB_USER !== undefined),
      { message: "MSGEVENTS_DB_HOST needs MSGEVENTS_DB_NAME and MSGEVENTS_DB_USER" },
    ),
    z.refine((env) => !(env.MSGEVENTS_DB_IAM_AUTH === "true" && env.MSGEVENTS_DB_PASSWORD !== undefined), {
      message: "MSGEVENTS_DB_IAM_AUTH=true and MSGEVENTS_DB_PASSWORD contradict each other; set one",
    }),
    z.refine((env) => !(env.MSGEVENTS_DB_IAM_AUTH === "true" && env.DATABASE_URL !== undefined), {
      message: "MSGEVENTS_DB_IAM_AUTH=true needs MSGEVENTS_DB_HOST/NAME/USER, not DATABASE_URL",
    }),
    z.refine((env) => !(env.MSGEVENTS_DB_IAM_AUTH === "true" && env.AWS_REGION === undefined), {
      message: "MSGEVENTS_DB_IAM_AUTH=true needs AWS_REGION",
    }),
  );

/** Where and how a deployable connects to PostgreSQL, as read from its environment by readDatabaseEnv. */
export type DatabaseSettings =
  | { connectionString: string; ssl: boolean }
  | {
      host: string;
      port: number;
      database: string;
      user: string;
      password?: string;
      ssl: boolean;
      /** Sign an RDS IAM authentication token for every new connection, for this region. */
      iamAuthRegion?: string;
    };

export class DatabaseConfigError extends Error {
  override readonly name = "DatabaseConfigError";
}

/**
 * The database settings every deployable that reaches PostgreSQL shares (loader, query, maintenance, migrator). An
 * empty variable counts as unset (deployment templates often render missing values as ""). Throws
 * DatabaseConfigError naming every invalid variable.
 */
export function readDatabaseEnv(env: Record<string, string | undefined>): DatabaseSettings {
  const parsed = databaseEnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`);
    throw new DatabaseConfigError(`invalid database configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const ssl = e.MSGEVENTS_DB_SSL === "true";
  if (e.DATABASE_URL !== undefined) return { connectionString: e.DATABASE_URL, ssl };
  return {
    // The refinements above guarantee host, name and user here.
    host: e.MSGEVENTS_DB_HOST ?? "",
    port: e.MSGEVENTS_DB_PORT,
    database: e.MSGEVENTS_DB_NAME ?? "",
    user: e.MSGEVENTS_DB_USER ?? "",
    password: e.MSGEVENTS_DB_PASSWORD,
    ssl,
    iamAuthRegion: e.MSGEVENTS_DB_IAM_AUTH === "true" ? e.AWS_REGION : undefined,
  };
}

/**
 * readDatabaseEnv for a deployable that validates variables of its own too: the settings, or the problem to report
 * beside its own, so that one error names every invalid variable.
 */
export function readDatabaseEnvReporting(env: Record<string, string | undefined>): {
  database?: DatabaseSettings;
  problems: string[];
} {
  try {
    return { database: readDatabaseEnv(env), problems: [] };
  } catch (error) {
    if (!(error instanceof DatabaseConfigError)) throw error;
    return { problems: [error.message] };
  }
}

/** What pg needs from an RDS signer: one token per call (a token is valid for 15 minutes, for new connections). */
export interface AuthTokenSigner {
  getAuthToken(): Promise<string>;
}

/**
 * An `@aws-sdk/rds-signer` Signer for the settings' host, port and user. Credentials come from the default chain (the
 * Lambda's role) unless given.
 */
export function rdsAuthTokenSigner(
  settings: { host: string; port: number; user: string; iamAuthRegion?: string },
  credentials?: SignerConfig["credentials"],
): AuthTokenSigner {
  return new Signer({
    hostname: settings.host,
    port: settings.port,
    username: settings.user,
    region: settings.iamAuthRegion,
    ...(credentials ? { credentials } : {}),
  });
}

/**
 * The connection part of a pg Client/Pool configuration.
 * - TLS: `rejectUnauthorized: true` and no `ca`, so Node verifies the server against its own CAs plus the file in
 *   NODE_EXTRA_CA_CERTS (on Lambda, `/var/runtime/ca-cert.pem` holds the RDS CAs; the Node 20+ runtimes do not load it
 *   unless that variable is set). Giving `ca` here would replace those stores instead of adding to them.
 * - IAM: `password` is a function, which pg calls for every new connection, so each connection gets a fresh token
 *   and a pool outlives the tokens' 15 minutes.
 */
export function pgConnectionOptions(
  settings: DatabaseSettings,
  deps: { signer?: AuthTokenSigner } = {},
): pg.ClientConfig {
  const ssl = settings.ssl ? { rejectUnauthorized: true } : undefined;
  if ("connectionString" in settings) return { connectionString: settings.connectionString, ssl };
  const { host, port, database, user } = settings;
  if (settings.iamAuthRegion === undefined) return { host, port, database, user, password: settings.password, ssl };
  const signer = deps.signer ?? rdsAuthTokenSigner(settings);
  return { host, port, database, user, password: () => signer.getAuthToken(), ssl };
}

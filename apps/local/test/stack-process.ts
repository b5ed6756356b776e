import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** A temp directory for a stack's data; traversable, since as root the embedded PostgreSQL runs as `postgres`. */
export async function makeDataRoot(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

export interface StackProcess {
  url: string;
  dataDir: string;
  credentials: Record<string, string>;
  output(): string;
  /**
   * SIGTERM to the process group, as Ctrl-C or a service manager sends it; resolves true once the stack logged a
   * clean stop and every process of the group is gone.
   */
  terminate(): Promise<boolean>;
  /** SIGKILL to the whole process tree but the database, which runs in its own group: a crash. */
  kill(): Promise<void>;
}

/**
 * Starts the local stack exactly as the README says (`npm start` at the repository root), in its own process group,
 * on a port the system assigns (a port found free first could be taken before the stack binds it) and read from its
 * banner.
 */
export async function startStackProcess(dataDir: string, env: Record<string, string> = {}): Promise<StackProcess> {
  const child = spawn("npm", ["start"], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...shellEnvironment(), MSGEVENTS_DATA_DIR: dataDir, MSGEVENTS_PORT: "0", ...env },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const runningAt = () => /msgevents is running at (http:\/\/\S+)\n/.exec(output)?.[1];
  await waitFor(
    () => runningAt() !== undefined,
    () => child.exitCode !== null,
    120_000,
    () => `the local stack did not start:\n${output}`,
  );
  const credentials = JSON.parse(await readFile(path.join(dataDir, "credentials.json"), "utf8"));
  return {
    url: runningAt() ?? "",
    dataDir,
    credentials: { ...credentials, ...env },
    output: () => output,
    async terminate() {
      signalGroup(child, "SIGTERM");
      const stoppedCleanly = () => output.includes('"message":"stopped"');
      await waitFor(
        () => stoppedCleanly() || !groupAlive(child),
        () => false,
        60_000,
        () => "the stack did not stop",
      );
      await waitFor(
        () => !groupAlive(child),
        () => false,
        30_000,
        () => "processes of the stack are still running",
      );
      return stoppedCleanly();
    },
    async kill() {
      signalGroup(child, "SIGKILL");
      await exited;
    },
  };
}

/** Runs `npm start` as startStackProcess does, for a start expected to end by itself (refused); resolves at its exit. */
export async function runStackToExit(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn("npm", ["start"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...shellEnvironment(), MSGEVENTS_DATA_DIR: dataDir, MSGEVENTS_PORT: "0", ...env },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  return { code, output };
}

/**
 * The environment of a shell that types `npm start`: without the npm_* and pnpm settings of the package manager
 * running this test, which would otherwise steer the nested npm and pnpm (filters, workspace paths).
 */
function shellEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_)/i.test(name)));
}

function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  failed: () => boolean,
  timeoutMs: number,
  message: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (failed() || Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

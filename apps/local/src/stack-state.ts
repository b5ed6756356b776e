import { link, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { currentProcess, isRunning, type ProcessIdentity } from "@msgevents/devdb";

/**
 * `<data dir>/stack.json`: which process runs the stack of this data directory and, once it listens, where. It is
 * the data directory's lock, taken before anything else starts: a second stack on the same directory would share its
 * database, queue and batches. Holds no secret.
 */
export interface StackState extends ProcessIdentity {
  /** `starting` until the HTTP server listens; a stack written by an older version has no state and is running. */
  state: "starting" | "running";
  /** Set once running. */
  url?: string;
  /** The embedded PostgreSQL's port on 127.0.0.1 (it changes at every start); absent with DATABASE_URL. */
  databasePort?: number;
}

export const STACK_STATE_FILE = "stack.json";

export class StackRunningError extends Error {
  override readonly name = "StackRunningError";
  constructor(
    readonly dataDir: string,
    readonly holder: StackState,
  ) {
    super(
      `another msgevents stack is ${holder.url ? `running at ${holder.url}` : "starting"} (pid ${holder.pid}) with ` +
        `data directory ${dataDir}: stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or start this one ` +
        "with another MSGEVENTS_DATA_DIR",
    );
  }
}

/** The data directory's lock, held from start to stop. */
export interface StackLock {
  /** Records where the stack listens, for the CLI and a second start to read. */
  running(where: { url: string; databasePort?: number }): Promise<void>;
  /** Gives the data directory up (at a clean stop). */
  release(): Promise<void>;
}

async function readStateFile(file: string): Promise<StackState | undefined> {
  let parsed: Partial<StackState>;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof parsed.pid !== "number" || !Number.isInteger(parsed.pid)) return undefined;
  const url = typeof parsed.url === "string" ? parsed.url : undefined;
  return {
    pid: parsed.pid,
    ...(typeof parsed.startTime === "string" ? { startTime: parsed.startTime } : {}),
    state: parsed.state === "starting" && url === undefined ? "starting" : "running",
    ...(url ? { url } : {}),
    ...(Number.isInteger(parsed.databasePort) ? { databasePort: parsed.databasePort } : {}),
  };
}

/** The stack of this data directory while its process runs (starting or running); undefined when none does. */
export async function readStackState(dataDir: string): Promise<StackState | undefined> {
  const state = await readStateFile(path.join(dataDir, STACK_STATE_FILE));
  return state && isRunning(state) ? state : undefined;
}

/** The state of the stack running (listening) on this data dir, or undefined when none is. */
export async function readRunningStackState(dataDir: string): Promise<StackState | undefined> {
  const state = await readStackState(dataDir);
  return state?.state === "running" && state.url ? state : undefined;
}

async function writeAtomically(file: string, state: StackState): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/**
 * Takes the data directory for this process, or throws StackRunningError naming the stack that has it. The file is
 * written whole, then hard-linked into place, which fails when it exists: two starts never both win. A file left by
 * a stack that was killed (its process gone, or the pid now another process's) is moved aside and taken over.
 */
export async function acquireStackLock(dataDir: string): Promise<StackLock> {
  const file = path.join(dataDir, STACK_STATE_FILE);
  const mine: StackState = { ...currentProcess(), state: "starting" };
  for (let attempt = 1; attempt <= 5; attempt++) {
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(mine, null, 2)}\n`, { mode: 0o600 });
    try {
      await link(temp, file);
      await rm(temp, { force: true });
      return ownLock(file, mine);
    } catch (error) {
      await rm(temp, { force: true });
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const held = await readStateFile(file);
    if (held && isRunning(held)) throw new StackRunningError(dataDir, held);
    const aside = `${file}.stale.${process.pid}`;
    try {
      await rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    // Another start may have taken the directory between the read and the move: give its lock back.
    const moved = await readStateFile(aside);
    if (moved && isRunning(moved)) {
      await link(aside, file).catch(() => {});
      await rm(aside, { force: true });
      throw new StackRunningError(dataDir, moved);
    }
    await rm(aside, { force: true });
  }
  throw new Error(`could not take ${file}: other processes keep changing it`);
}

function ownLock(file: string, mine: StackState): StackLock {
  return {
    running: (where) => writeAtomically(file, { ...mine, state: "running", ...where }),
    async release() {
      const current = await readStateFile(file);
      if (current?.pid === mine.pid && current.startTime === mine.startTime) await rm(file, { force: true });
    },
  };
}

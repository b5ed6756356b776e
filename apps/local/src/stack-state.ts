import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { isProcessAlive } from "@msgevents/devdb";

/** Where a running local stack can be reached; written at start, removed at a clean stop. Holds no secret. */
export interface StackState {
  url: string;
  pid: number;
  /** The embedded PostgreSQL's port on 127.0.0.1 (it changes at every start); absent with DATABASE_URL. */
  databasePort?: number;
}

export const STACK_STATE_FILE = "stack.json";

export async function writeStackState(dataDir: string, state: StackState): Promise<void> {
  const file = path.join(dataDir, STACK_STATE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

export async function removeStackState(dataDir: string): Promise<void> {
  await rm(path.join(dataDir, STACK_STATE_FILE), { force: true });
}

/** The state of the stack running on this data dir, or undefined when none runs (a killed one leaves a stale file). */
export async function readRunningStackState(dataDir: string): Promise<StackState | undefined> {
  let state: Partial<StackState>;
  try {
    state = JSON.parse(await readFile(path.join(dataDir, STACK_STATE_FILE), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof state.url !== "string" || !Number.isInteger(state.pid) || !isProcessAlive(state.pid as number))
    return undefined;
  return {
    url: state.url,
    pid: state.pid as number,
    ...(Number.isInteger(state.databasePort) ? { databasePort: state.databasePort } : {}),
  };
}

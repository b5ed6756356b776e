import type { Writable } from "node:stream";
import type { LocalConnection } from "@msgevents/local/connection";

/** Everything a command touches outside its own memory, so tests pass real servers and capture the output. */
export interface CliDeps {
  fetch: typeof fetch;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Results go here (pipe-able: JSON, NDJSON, CSV or a table). */
  stdout: Writable & { isTTY?: boolean };
  /** Progress, notes and errors go here, so stdout stays parseable. */
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Where relative paths given by the user are resolved (the directory the command was typed in). */
  cwd: string;
  /** The running local stack's URL and credentials from its data directory, or undefined when there is none. */
  findLocal: (dataDir: string) => Promise<LocalConnection | undefined>;
  /** Aborted on Ctrl-C: long commands stop at the next safe point and save their state. */
  signal: AbortSignal;
  /** Opens a URL in the user's browser (`msgevents open`); rejects when none can be started. */
  openBrowser: (url: string) => Promise<void>;
}

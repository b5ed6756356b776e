import { PassThrough } from "node:stream";
import type { CliDeps } from "../src/deps.ts";
import { findLocalStack } from "../src/find-local.ts";
import { runCli } from "../src/program.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

/** Runs one msgevents command line in this process, as the bin would, with the given environment. */
export async function msgevents(
  argv: string[],
  env: NodeJS.ProcessEnv,
  overrides: Partial<CliDeps> = {},
): Promise<CliRun> {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(argv, {
    fetch: globalThis.fetch,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stdout: stdout.stream,
    stderr: stderr.stream,
    env,
    cwd: process.cwd(),
    findLocal: (dataDir) => findLocalStack(dataDir, env),
    signal: new AbortController().signal,
    openBrowser: async () => {
      throw new Error("no browser in tests");
    },
    ...overrides,
  });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

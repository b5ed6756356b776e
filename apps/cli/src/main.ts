import { setTimeout as sleep } from "node:timers/promises";
import open from "open";
import { findLocalStack } from "./find-local.ts";
import { runCli } from "./program.ts";

// The first Ctrl-C lets a long command stop at a safe point (backfill saves its position); a second one exits now.
const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write("\nstopping at the next safe point (Ctrl-C again to quit now)\n");
  interrupt.abort();
});

// `msgevents events --all | head` closes the pipe early: that ends the command, it is not a failure.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

// npm and pnpm run scripts from the repository root but remember where the command was typed.
const cwd = process.env.INIT_CWD ?? process.cwd();

process.exitCode = await runCli(process.argv.slice(2), {
  fetch: globalThis.fetch,
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd,
  findLocal: (dataDir) => findLocalStack(dataDir, process.env),
  signal: interrupt.signal,
  openBrowser: async (url) => {
    // The system's opener (xdg-open, open, start) hands the URL to the default browser and is not waited for.
    const child = await open(url, { wait: false });
    await new Promise<void>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => resolve());
      if (child.pid !== undefined) resolve();
    });
    child.unref();
  },
});

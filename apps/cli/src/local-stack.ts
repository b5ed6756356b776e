import type { LocalConnection } from "@msgevents/local/connection";
import type { CliDeps } from "./deps.ts";
import { CliError, EXIT } from "./errors.ts";

/** How long a command waits for a local stack that is starting (a first start runs initdb and the migrations). */
export const STACK_START_WAIT_MS = 120_000;
const POLL_MS = 250;

const START_HINT =
  "start it with npm start at the repository root, or pass --url (MSGEVENTS_URL) for another deployment";

/**
 * The local stack of a data directory, running. Whether one runs is known without the network (its stack.json and
 * the liveness of its process), so "none" is said at once instead of after retries; a stack still starting is waited
 * for, a bounded while, saying so on stderr.
 */
export async function runningLocalStack(dataDir: string, deps: CliDeps): Promise<LocalConnection> {
  let local = await deps.findLocal(dataDir);
  if (!local) {
    throw new CliError(`no local stack has run with data directory ${dataDir}: ${START_HINT}`, EXIT.unavailable);
  }
  const first = local.stack;
  if (!first) throw new CliError(`no stack running with data directory ${dataDir}: ${START_HINT}`, EXIT.unavailable);
  if (first.state === "running") return local;
  deps.stderr.write(`waiting for the local stack to start (pid ${first.pid})…\n`);
  const deadline = deps.now().getTime() + STACK_START_WAIT_MS;
  while (local?.stack?.state === "starting") {
    if (deps.signal.aborted) throw new CliError("interrupted while waiting for the local stack", EXIT.interrupted);
    if (deps.now().getTime() > deadline) {
      throw new CliError(
        `the local stack (pid ${first.pid}) is still starting after ${STACK_START_WAIT_MS / 1000} s: see its output`,
        EXIT.unavailable,
      );
    }
    await deps.sleep(POLL_MS);
    local = await deps.findLocal(dataDir);
  }
  if (!local?.stack) {
    throw new CliError(
      `the local stack (pid ${first.pid}) stopped while starting: see its output, then ${START_HINT}`,
      EXIT.unavailable,
    );
  }
  return local;
}

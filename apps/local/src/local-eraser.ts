import { type EraserDeps, runEraser } from "@msgevents/erasure";

/** How often the local stack looks for erasure work it was not told about (batches the loader found, a restart). */
const ERASER_INTERVAL_MS = 60_000;

export interface LocalEraser {
  /** Starts a run now, or another right after the one under way. */
  kick(): void;
  /** Stops the timer and waits for the run under way. */
  stop(): Promise<void>;
}

/**
 * The local stack's eraser: the same runEraser as the eraser Lambda, run when a request is saved, every minute, and
 * at start (so a request interrupted by a stop resumes), one run at a time, each followed by another while work is
 * left. A failed step is logged by runEraser and retried on the next run.
 */
export function startLocalEraser(deps: EraserDeps): LocalEraser {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const run = async (): Promise<void> => {
    do {
      again = false;
      const summary = await runEraser(deps).catch((error: Error) => {
        deps.logger.error("eraser run failed", { error: error.message });
        return undefined;
      });
      if (summary?.more) again = true;
    } while (again && !stopped);
  };
  const kick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = run().finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(kick, ERASER_INTERVAL_MS);
  kick();
  return {
    kick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

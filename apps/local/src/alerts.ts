import {
  type AlertCycleResult,
  type AlertsDatabase,
  directTransport,
  runAlertCycle,
  type TransmissionsAccount,
} from "@msgevents/alerts";
import { createAlertMetricsSource, type SearchDatabase } from "@msgevents/query";

export interface LocalAlertOptions {
  db: SearchDatabase & AlertsDatabase;
  signingKey: string;
  transmissions: TransmissionsAccount | undefined;
  publicUrl: string;
  clock: () => Date;
}

/**
 * The alert cycle as the evaluator Lambda runs it, but sending from this process: the local stack has the network
 * the Lambda's VPC lacks, so deliveries go out directly and their outcome is known at once.
 */
export function localAlertCycle(options: LocalAlertOptions): () => Promise<AlertCycleResult> {
  const deps = {
    db: options.db,
    source: createAlertMetricsSource(options.db),
    transport: directTransport({
      signingKey: options.signingKey,
      transmissions: options.transmissions,
      fetch,
      now: options.clock,
    }),
    publicUrl: options.publicUrl,
  };
  return () => runAlertCycle(deps, options.clock());
}

export interface AlertSchedule {
  /** One cycle now; while one runs, that one is awaited instead (cycles never overlap). */
  runCycle(): Promise<AlertCycleResult>;
  /** Stops the timer and waits for a cycle in flight. */
  stop(): Promise<void>;
}

/** Runs `cycle` every `intervalSeconds` (MSGEVENTS_ALERT_INTERVAL_SECONDS), logging what it changed or why it failed. */
export function scheduleAlertCycles(options: {
  intervalSeconds: number;
  cycle: () => Promise<AlertCycleResult>;
  logger: {
    info(message: string, extra: Record<string, unknown>): void;
    error(message: string, extra: Record<string, unknown>): void;
  };
}): AlertSchedule {
  let running: Promise<AlertCycleResult> | undefined;
  const runCycle = () => {
    running ??= options.cycle().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (running) return;
    runCycle()
      .then((result) => {
        if (result.opened + result.closed + result.reminded + result.attempted + result.receipts > 0) {
          options.logger.info("alert cycle", { ...result });
        }
      })
      .catch((error: Error) => options.logger.error("alert cycle failed", { error: error.message }));
  }, options.intervalSeconds * 1000);
  return {
    runCycle,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

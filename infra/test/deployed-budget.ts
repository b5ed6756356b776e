import { connectionBudget } from "../src/connections.ts";
import type { ProgramRun } from "./harness.ts";

/** The connection budget computed from what the program actually deployed, not from its settings. */
export function deployedConnectionBudget(run: ProgramRun) {
  const env = (fn: string) => run.named(`functions-${fn}-function`).inputs.environment.variables;
  return connectionBudget({
    instanceClass: run.named("database-postgres").inputs.instanceClass,
    loaderMaxConcurrency: run.named("loader-trigger-sqs").inputs.scalingConfig.maximumConcurrency,
    loaderPoolMax: Number(env("loader").MSGEVENTS_LOADER_POOL_MAX),
    queryReservedConcurrency: run.named("functions-query-function").inputs.reservedConcurrentExecutions,
    queryPoolMax: Number(env("query").MSGEVENTS_DB_POOL_MAX),
  });
}

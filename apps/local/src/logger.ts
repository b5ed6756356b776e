import { Logger } from "@aws-lambda-powertools/logger";

/** The same structured JSON logs as the Lambdas; level from POWERTOOLS_LOG_LEVEL (default INFO). */
export function createLogger(serviceName = "msgevents-local"): Logger {
  return new Logger({ serviceName });
}

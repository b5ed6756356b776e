import type { ObjectStore } from "@msgevents/storage";
import type { AuthConfig } from "./auth/auth-config.ts";
import type { OversizedBatch } from "./oversized-batch.ts";

/**
 * The structured logger ingest writes to; a Powertools Logger fits. Attributes never carry credentials, tokens or
 * recipient addresses.
 */
export interface IngestLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface IngestDeps {
  store: ObjectStore;
  auth: AuthConfig;
  /** The receipt time: decides the batch key's day and token expiry. */
  clock: () => Date;
  logger: IngestLogger;
  maxBodyBytes: number;
  /** Called for every batch refused with 413, after the error is logged: a counter or a metric to alarm on. */
  onOversizedBatch?: (batch: OversizedBatch) => void;
}

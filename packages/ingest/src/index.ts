export type { AuthConfig, BasicCredentials, OAuthClient } from "./auth/auth-config.ts";
export type { IngestDeps, IngestLogger } from "./deps.ts";
export * from "./env.ts";
export type { OversizedBatch } from "./oversized-batch.ts";
export * from "./routes.ts";
export { BATCH_ID_HEADER, type BatchReceipt } from "./webhook-batch.ts";

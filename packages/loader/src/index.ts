export * from "./env.ts";
export * from "./errors.ts";
export * from "./handler.ts";
export * from "./load-batch.ts";
export * from "./pool.ts";
export * from "./replay.ts";
export * from "./s3-notification.ts";

export * from "./env.ts";
export * from "./outbox-bucket.ts";
export * from "./sender.ts";

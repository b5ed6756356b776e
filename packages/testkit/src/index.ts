export * from "./generate-events.ts";
export * from "./postgres.ts";
export * from "./s3.ts";
export * from "./samples.ts";
export * from "./sqs.ts";

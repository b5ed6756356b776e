export * from "@msgevents/generator";
export * from "./lambda-node.ts";
export * from "./postgres.ts";
export * from "./s3.ts";
export * from "./samples.ts";
export * from "./secrets-manager.ts";
export * from "./sqs.ts";
export * from "./tls.ts";

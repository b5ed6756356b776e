export * from "./connection.ts";
export * from "./env.ts";
export * from "./local-queue.ts";
export * from "./stack.ts";

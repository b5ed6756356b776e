export * from "./env.ts";
export * from "./run.ts";

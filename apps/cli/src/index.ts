export * from "./deps.ts";
export * from "./errors.ts";
export * from "./program.ts";

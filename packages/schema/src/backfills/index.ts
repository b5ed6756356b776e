export * from "./declarations.ts";
export * from "./progress.ts";
export * from "./run.ts";

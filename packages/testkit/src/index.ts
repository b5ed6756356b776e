export * from "./postgres.ts";
export * from "./samples.ts";

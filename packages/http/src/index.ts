export * from "./headers.ts";
export * from "./lambda-adapter.ts";
export * from "./node-adapter.ts";
export * from "./responses.ts";
export * from "./static-site.ts";
export type * from "./types.ts";

export * from "./batch-keys.ts";
export * from "./file-object-store.ts";
export * from "./object-keys.ts";
export * from "./object-store.ts";
export * from "./s3-object-store.ts";

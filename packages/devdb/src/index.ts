export * from "./embedded-postgres.ts";
export * from "./process-identity.ts";

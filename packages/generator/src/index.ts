export * from "./generate-events.ts";

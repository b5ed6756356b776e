export * from "./declarations.ts";
export { EVENT_BODIES_BATCH_ROWS, type EventBodiesOptions, SWAP_LOCK_TIMEOUT_MS } from "./event-bodies.ts";
export * from "./progress.ts";
export * from "./run.ts";

export * from "./dead-versions.ts";
export * from "./legacy-events.ts";
export * from "./search-counts.ts";
export * from "./text-numbering.ts";

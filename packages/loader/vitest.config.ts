import { defineConfig } from "vitest/config";

// Generous limits: other suites share the 2 cores; these start PostgreSQL servers, s3rver and child processes.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });

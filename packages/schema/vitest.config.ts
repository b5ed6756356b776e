import { defineConfig } from "vitest/config";

// Generous limits: other suites share the 2 cores, and each test file starts its own PostgreSQL server.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } });

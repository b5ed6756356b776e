import { defineConfig } from "vitest/config";

// Generous limits: other suites share the 2 cores, and every test file starts and migrates its own PostgreSQL.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });

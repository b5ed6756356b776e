import { defineConfig } from "vitest/config";

// initdb and server starts take seconds, more while other suites share the 2 cores.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });

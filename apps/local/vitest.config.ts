import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each end-to-end file starts the whole stack (and a PostgreSQL) as a separate process.
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});

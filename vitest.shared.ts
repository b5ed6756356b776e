import { mergeConfig, type ViteUserConfig } from "vitest/config";

/**
 * The one timeout policy of every package's tests. CI runs every suite at once on 2 cores, where a step that takes
 * a second alone (starting PostgreSQL, s3rver or esbuild, generating events) can take twenty. Limits only stop a
 * hang: no test measures time, and CPU-heavy tests stay small instead of leaning on a large limit.
 */
const packageTests: ViteUserConfig = {
  test: {
    testTimeout: 120_000,
    // Set-ups start servers (PostgreSQL, emulators, Node 24 child processes), several at once across suites.
    hookTimeout: 180_000,
    // The AWS SDK warns once per process that it will need Node 22 from 2027; the local machines run Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
};

/** Suites whose every test drives whole local stacks as separate processes (each with its own PostgreSQL). */
const stackTests: ViteUserConfig = mergeConfig(packageTests, {
  test: { testTimeout: 300_000, hookTimeout: 180_000, fileParallelism: false },
});

/** A package's vitest config: the shared policy, plus anything the package adds. */
export function testConfig(kind: "package" | "stack" = "package", extra: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(kind === "stack" ? stackTests : packageTests, extra);
}

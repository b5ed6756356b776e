import { fileURLToPath } from "node:url";
import { bundleLambda } from "@msgevents/lambda-bundle";

await bundleLambda({
  packageDir: fileURLToPath(new URL(".", import.meta.url)),
  // `tsx build.ts <dir>` writes the bundle under <dir> instead of dist/ (tests build their own copies).
  outDir: process.argv[2],
  name: "eraser",
  entry: "src/lambda.ts",
  requireShim: true,
});

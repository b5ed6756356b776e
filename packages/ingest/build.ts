import { fileURLToPath } from "node:url";
import { bundleLambda } from "@msgevents/lambda-bundle";

// Nothing bundled here calls require() at run time, so no require shim.
await bundleLambda({
  packageDir: fileURLToPath(new URL(".", import.meta.url)),
  // `tsx build.ts <dir>` writes the bundle under <dir> instead of dist/ (tests build their own copies).
  outDir: process.argv[2],
  name: "ingest",
  entry: "src/lambda/handler.ts",
});

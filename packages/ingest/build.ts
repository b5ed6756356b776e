import { fileURLToPath } from "node:url";
import { bundleLambda } from "@msgevents/lambda-bundle";

// Nothing bundled here calls require() at run time, so no require shim.
await bundleLambda({
  packageDir: fileURLToPath(new URL(".", import.meta.url)),
  name: "ingest",
  entry: "src/lambda/handler.ts",
});

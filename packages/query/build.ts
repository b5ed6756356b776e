import { fileURLToPath } from "node:url";
import { bundleLambda } from "@msgevents/lambda-bundle";

await bundleLambda({
  packageDir: fileURLToPath(new URL(".", import.meta.url)),
  name: "query",
  entry: "src/lambda.ts",
  requireShim: true,
});

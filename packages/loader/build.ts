import { fileURLToPath } from "node:url";
import { bundleLambda } from "@msgevents/lambda-bundle";

await bundleLambda({
  packageDir: fileURLToPath(new URL(".", import.meta.url)),
  name: "loader",
  entry: "src/lambda.ts",
  requireShim: true,
});

import { fileURLToPath } from "node:url";
import { bundleLambda } from "@msgevents/lambda-bundle";
import { buildWebApp } from "@msgevents/web/build";

await bundleLambda({
  packageDir: fileURLToPath(new URL(".", import.meta.url)),
  // `tsx build.ts <dir>` writes the bundle under <dir> instead of dist/ (tests build their own copies).
  outDir: process.argv[2],
  name: "query",
  entry: "src/lambda.ts",
  requireShim: true,
  // The query function serves the web app too (apps/web/README.md says why): its files go beside the handler.
  assets: { web: await buildWebApp() },
});

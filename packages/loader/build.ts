import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/**
 * Bundles the loader Lambda into dist/loader/index.mjs: one minified ESM file for Node 22, AWS SDK v3 bundled and
 * tree-shaken (the packages' ESM builds are preferred). `pg` is CommonJS and requires Node built-ins at run time,
 * which an ESM bundle can only do through a real `require`, hence the createRequire banner. `pg-native` is an
 * optional peer that `pg` only loads when asked to, so it stays out.
 */
const packageDir = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(packageDir, "dist", "loader");
const outFile = path.join(outDir, "index.mjs");

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const result = await build({
  entryPoints: [path.join(packageDir, "src", "lambda.ts")],
  outfile: outFile,
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  minify: true,
  treeShaking: true,
  sourcemap: "external",
  mainFields: ["module", "main"],
  external: ["pg-native"],
  banner: {
    js: 'import{createRequire as __loaderCreateRequire}from"node:module";const require=__loaderCreateRequire(import.meta.url);',
  },
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});
// Beside, not inside, the deployable directory; inspect with https://esbuild.github.io/analyze/.
await writeFile(path.join(packageDir, "dist", "loader.meta.json"), JSON.stringify(result.metafile));

const bundle = await readFile(outFile);
const byPackage = new Map<string, number>();
for (const [input, info] of Object.entries(
  result.metafile.outputs[path.relative(process.cwd(), outFile)]?.inputs ?? {},
)) {
  const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(input)?.[1] ?? "(msgevents source)";
  byPackage.set(name, (byPackage.get(name) ?? 0) + info.bytesInOutput);
}
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(
  `${path.relative(packageDir, outFile)}: ${kib(bundle.length)} minified, ${kib(gzipSync(bundle).length)} gzipped`,
);
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
  console.log(`  ${kib(bytes).padStart(10)}  ${name}`);
}

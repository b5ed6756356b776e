import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export interface LambdaBundleOptions {
  /** The package folder (holds `dist/`). */
  packageDir: string;
  /** Names `dist/<name>/index.mjs`, the deployable directory. */
  name: string;
  /** The handler module, relative to packageDir. */
  entry: string;
  /**
   * Give the ESM bundle a real `require`: needed when bundled CommonJS (pg) requires Node built-ins at run time.
   * `pg-native`, an optional peer `pg` loads only when asked to, always stays out.
   */
  requireShim?: boolean;
  /** Where `<name>/index.mjs` and `<name>.meta.json` go; default `<packageDir>/dist`. */
  outDir?: string;
  /**
   * Directories the handler reads at run time, copied beside `index.mjs`: `{ web: "/…/apps/web/dist" }` gives
   * `<name>/web/`. A missing source directory is an error, never a bundle without its files.
   */
  assets?: Record<string, string>;
}

/** The Lambda runtime the bundles are built for (`nodejs24.x`). */
export const LAMBDA_NODE_TARGET = "node24";

/**
 * Bundles a Lambda handler into one minified ESM file for Node 24 (the `nodejs24.x` runtime), with the AWS SDK v3 bundled (the tested SDK, not
 * the runtime's copy) and tree-shaken by preferring the packages' ESM builds. Prints the size and the largest
 * packages; writes esbuild's metafile beside the deployable directory (inspect with esbuild's analyzer). The output is
 * byte-for-byte reproducible: the same sources give the same `index.mjs` and source map (test/reproducible.test.ts).
 * Returns the path of `index.mjs`.
 */
export async function bundleLambda(options: LambdaBundleOptions): Promise<string> {
  const distDir = options.outDir ?? path.join(options.packageDir, "dist");
  const outDir = path.join(distDir, options.name);
  const outFile = path.join(outDir, "index.mjs");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(options.packageDir, options.entry)],
    outfile: outFile,
    bundle: true,
    platform: "node",
    target: LAMBDA_NODE_TARGET,
    format: "esm",
    minify: true,
    treeShaking: true,
    sourcemap: "external",
    mainFields: ["module", "main"],
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    external: ["pg-native"],
    banner: options.requireShim
      ? {
          js: 'import{createRequire as __msgeventsCreateRequire}from"node:module";const require=__msgeventsCreateRequire(import.meta.url);',
        }
      : undefined,
  });
  await writeFile(path.join(distDir, `${options.name}.meta.json`), JSON.stringify(result.metafile));
  for (const [name, source] of Object.entries(options.assets ?? {})) {
    await cp(source, path.join(outDir, name), { recursive: true, errorOnExist: true, force: false });
  }

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
    `dist/${options.name}/index.mjs: ${kib(bundle.length)} minified, ${kib(gzipSync(bundle).length)} gzipped`,
  );
  for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
    console.log(`  ${kib(bytes).padStart(10)}  ${name}`);
  }
  return outFile;
}

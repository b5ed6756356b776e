import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLE_DIRECTORIES, buildBundles, bundleArchive, locateBundles } from "./bundles.ts";

function sourceRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), "msgevents-bundles-"));
  for (const relative of Object.values(BUNDLE_DIRECTORIES)) {
    mkdirSync(path.join(root, relative), { recursive: true });
    writeFileSync(path.join(root, relative, "index.mjs"), `export const handler = () => "${relative}";\n`);
    writeFileSync(path.join(root, relative, "index.mjs.map"), "{}");
  }
  return root;
}

describe("bundles", () => {
  it("finds every contract directory and hashes each", () => {
    const bundles = locateBundles(sourceRoot());
    expect(Object.keys(bundles).sort()).toEqual([
      "alert-evaluator",
      "alert-sender",
      "eraser",
      "ingest",
      "loader",
      "maintenance",
      "migrator",
      "query",
    ]);
    expect(new Set(Object.values(bundles).map((b) => b.hash)).size).toBe(8);
  });

  it("says which bundle is missing and how to build it", () => {
    const root = sourceRoot();
    rmSync(path.join(root, BUNDLE_DIRECTORIES.maintenance), { recursive: true });
    expect(() => locateBundles(root)).toThrow(
      "packages/migrator/dist/maintenance/index.mjs is missing: run `npm run build` at the repository root",
    );
  });

  it("archives every file of the bundle directory under its own name", async () => {
    const bundle = locateBundles(sourceRoot()).loader;
    const assets = await bundleArchive(bundle).assets;
    expect(Object.keys(assets).sort()).toEqual(["index.mjs", "index.mjs.map"]);
  });

  it("builds with the repository's turbo pipeline through pnpm before reading", () => {
    const root = repositoryWithTurbo(
      Object.values(BUNDLE_DIRECTORIES)
        .map((d) => `fs.mkdirSync('${d}',{recursive:true});fs.writeFileSync('${d}/index.mjs','export {}')`)
        .join(";"),
    );
    buildBundles(root);
    expect(Object.keys(locateBundles(root))).toHaveLength(8);
    expect(JSON.parse(readFileSync(path.join(root, "turbo-ran.json"), "utf8"))).toEqual({
      argv: ["run", "build"],
      telemetry: "1",
    });
  });

  it("fails with the build's own output when the build fails", () => {
    const root = repositoryWithTurbo("console.error('esbuild: Could not resolve pg'); process.exit(1)");
    expect(() => buildBundles(root)).toThrow(/building the Lambda bundles .* failed:[\s\S]*Could not resolve pg/);
  });

  it("refuses to build without installed dependencies, and installs nothing itself", () => {
    const root = mkdtempSync(path.join(tmpdir(), "msgevents-build-"));
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ packageManager: "pnpm@10.28.1" }));
    expect(() => buildBundles(root)).toThrow(
      /turbo is not installed in .*: the repository's dependencies are missing\. Run `pnpm install --frozen-lockfile`/,
    );
    expect(existsSync(path.join(root, "node_modules"))).toBe(false);
  });

  it("names pnpm when neither the PATH nor npx's cache has it", () => {
    const root = repositoryWithTurbo("");
    const bin = mkdtempSync(path.join(tmpdir(), "msgevents-path-"));
    symlinkSync(process.execPath, path.join(bin, "node"));
    expect(() => buildBundles(root, { ...process.env, PATH: bin })).toThrow(
      "pnpm 10.28.1 is not on the PATH (nor cached by npx): the Lambda bundles are built with it. Install it with `npm install -g pnpm@10.28.1`",
    );
  });
});

/** A repository stand-in whose node_modules/.bin/turbo runs `script` (Node.js) and records how it was called. */
function repositoryWithTurbo(script: string): string {
  const root = mkdtempSync(path.join(tmpdir(), "msgevents-build-"));
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "fixture", packageManager: "pnpm@10.28.1" }));
  const bin = path.join(root, "node_modules", ".bin");
  mkdirSync(bin, { recursive: true });
  const record =
    "fs.writeFileSync('turbo-ran.json',JSON.stringify({argv:process.argv.slice(2),telemetry:process.env.TURBO_TELEMETRY_DISABLED}))";
  writeFileSync(
    path.join(bin, "turbo"),
    `#!/usr/bin/env node\nconst fs = require('node:fs');\n${record};\n${script}\n`,
  );
  chmodSync(path.join(bin, "turbo"), 0o755);
  return root;
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
      "ingest",
      "loader",
      "maintenance",
      "migrator",
      "query",
    ]);
    expect(new Set(Object.values(bundles).map((b) => b.hash)).size).toBe(7);
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

  it("builds with the repository's own build script before reading", () => {
    const root = mkdtempSync(path.join(tmpdir(), "msgevents-build-"));
    const script = Object.values(BUNDLE_DIRECTORIES)
      .map((d) => `fs.mkdirSync('${d}',{recursive:true});fs.writeFileSync('${d}/index.mjs','export {}')`)
      .join(";");
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ scripts: { build: `node -e "${script}"` } }));
    buildBundles(root);
    expect(Object.keys(locateBundles(root))).toHaveLength(7);
  });

  it("fails with the build's own output when the build fails", () => {
    const root = mkdtempSync(path.join(tmpdir(), "msgevents-build-"));
    const failing = `node -e "console.error('esbuild: Could not resolve pg'); process.exit(1)"`;
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ scripts: { build: failing } }));
    expect(() => buildBundles(root)).toThrow(/building the Lambda bundles .* failed:[\s\S]*Could not resolve pg/);
  });
});

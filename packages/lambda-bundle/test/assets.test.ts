import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { bundleLambda } from "../src/index.ts";

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "msgevents-bundle-assets-"));
  await writeFile(path.join(scratch, "handler.ts"), "export const handler = async () => ({ statusCode: 204 });\n");
  await mkdir(path.join(scratch, "site", "assets"), { recursive: true });
  await writeFile(path.join(scratch, "site", "index.html"), "<!doctype html>");
  await writeFile(path.join(scratch, "site", "assets", "app-1a2b.js"), "console.log(1)");
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

test("copies the asset directories a handler reads beside its index.mjs", async () => {
  const entry = await bundleLambda({
    packageDir: scratch,
    name: "fn",
    entry: "handler.ts",
    outDir: path.join(scratch, "out"),
    assets: { web: path.join(scratch, "site") },
  });
  const functionDir = path.dirname(entry);
  expect((await readdir(functionDir)).sort()).toEqual(["index.mjs", "index.mjs.map", "web"]);
  expect(await readFile(path.join(functionDir, "web", "index.html"), "utf8")).toBe("<!doctype html>");
  expect(await readFile(path.join(functionDir, "web", "assets", "app-1a2b.js"), "utf8")).toBe("console.log(1)");
});

test("refuses to bundle without an asset directory it was given", async () => {
  await expect(
    bundleLambda({
      packageDir: scratch,
      name: "fn",
      entry: "handler.ts",
      outDir: path.join(scratch, "missing"),
      assets: { web: path.join(scratch, "not-built") },
    }),
  ).rejects.toThrow(/ENOENT/);
});

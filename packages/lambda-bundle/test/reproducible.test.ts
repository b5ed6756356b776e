import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { bundleLambda } from "../src/index.ts";

// The loader is the bundle with the most in it (pg through the require shim, the AWS SDK, Powertools, zod).
const loaderDir = fileURLToPath(new URL("../../loader", import.meta.url));
const scratch = await mkdtemp(path.join(os.tmpdir(), "msgevents-bundle-"));

afterAll(() => rm(scratch, { recursive: true, force: true }));

async function digests(outDir: string): Promise<Record<string, string>> {
  const entry = await bundleLambda({
    packageDir: loaderDir,
    name: "loader",
    entry: "src/lambda.ts",
    requireShim: true,
    outDir,
  });
  const sha256 = async (file: string) =>
    createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
  return { "index.mjs": await sha256(entry), "index.mjs.map": await sha256(`${entry}.map`) };
}

test("building the same sources twice gives byte-identical bundles and source maps", async () => {
  const first = await digests(path.join(scratch, "first"));
  const second = await digests(path.join(scratch, "second"));
  expect(second).toEqual(first);
});

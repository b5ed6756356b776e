import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileObjectStore, ObjectStoreError } from "../src/index.ts";
import { describeObjectStoreContract } from "./object-store-contract.ts";

const tempRoots: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "msgevents-file-store-"));
  tempRoots.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tempRoots.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describeObjectStoreContract("FileObjectStore", async () => new FileObjectStore(path.join(await tempDir(), "store")));

describe("FileObjectStore", () => {
  it("maps keys to relative paths under the root and leaves no temp files behind", async () => {
    const root = await tempDir();
    const store = new FileObjectStore(root);
    await store.put("batches/2024/01/02/one.json", new TextEncoder().encode("[1]"));
    await store.put("batches/2024/01/02/two.json", new TextEncoder().encode("[2]"));
    await store.put("batches/2024/01/02/one.json", new TextEncoder().encode("[1]"));
    expect(await allFiles(root)).toEqual([
      path.join("batches", "2024", "01", "02", "one.json"),
      path.join("batches", "2024", "01", "02", "two.json"),
    ]);
  });

  it("keeps one whole object and no temp files when the same key is put concurrently", async () => {
    const root = await tempDir();
    const store = new FileObjectStore(root);
    const bodies = Array.from({ length: 20 }, (_, index) => new TextEncoder().encode(`${index}`.repeat(10_000)));
    await Promise.all(bodies.map((body) => store.put("race/key", body)));
    const stored = Buffer.from(await store.get("race/key")).toString();
    expect(bodies.map((body) => Buffer.from(body).toString())).toContain(stored);
    expect(await allFiles(root)).toEqual([path.join("race", "key")]);
  });

  // Real S3 lists in UTF-8 byte order, where "a-b" < "a/b" < "a0"; a naive directory walk (and s3rver) would put
  // "a/b" first. Batch keys never hit this (fixed-width digits), but the file store matches S3 anyway.
  it("lists in S3's byte order even where a plain directory walk would not", async () => {
    const store = new FileObjectStore(await tempDir());
    for (const key of ["a0", "a/c/d", "a-b", "a/b", "b", "a/c-e", "a.z"]) {
      await store.put(key, new TextEncoder().encode(key));
    }
    const listed: string[] = [];
    for await (const object of store.list("a")) listed.push(object.key);
    expect(listed).toEqual(["a-b", "a.z", "a/b", "a/c-e", "a/c/d", "a0"]);
  });

  it("never lists or returns a temp file that a crash left behind", async () => {
    const root = await tempDir();
    const store = new FileObjectStore(root);
    await mkdir(path.join(root, "batches"), { recursive: true });
    await writeFile(path.join(root, "batches", ".b.json.0123456789ab.tmp"), "[partial");
    const listed: string[] = [];
    for await (const object of store.list("")) listed.push(object.key);
    expect(listed).toEqual([]);
    expect(await store.exists("batches/b.json")).toBe(false);
  });

  it("recreates a directory that was removed after the store first wrote to it", async () => {
    const root = await tempDir();
    const store = new FileObjectStore(root);
    await store.put("batches/2024/01/02/a.json", new TextEncoder().encode("a"));
    await rm(path.join(root, "batches"), { recursive: true });
    await store.put("batches/2024/01/02/b.json", new TextEncoder().encode("b"));
    expect(await allFiles(root)).toEqual([path.join("batches", "2024", "01", "02", "b.json")]);
  });

  it("makes every one of many concurrent puts into one directory readable once it resolves", async () => {
    const root = await tempDir();
    const store = new FileObjectStore(root);
    const keys = Array.from({ length: 40 }, (_, index) => `batches/2024/01/03/${index}.json`);
    await Promise.all(
      keys.map(async (key) => {
        await store.put(key, new TextEncoder().encode(key));
        expect(Buffer.from(await store.get(key)).toString()).toBe(key);
      }),
    );
    expect(await allFiles(root)).toHaveLength(40);
  });

  it("fails with ObjectStoreError and leaves nothing when the root cannot hold directories", async () => {
    const dir = await tempDir();
    const regularFile = path.join(dir, "not-a-directory");
    await writeFile(regularFile, "x");
    const store = new FileObjectStore(path.join(regularFile, "store"));
    const failure = await store.put("batches/a.json", new Uint8Array([1])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ObjectStoreError);
    expect((failure as Error).message).toMatch(/^could not store batches\/a\.json: /);
    expect(await allFiles(dir)).toEqual(["not-a-directory"]);
    expect(await store.exists("batches/a.json")).toBe(false);
  });

  it("lists nothing when the root directory does not exist yet", async () => {
    const store = new FileObjectStore(path.join(await tempDir(), "never-created"));
    const listed: string[] = [];
    for await (const object of store.list("")) listed.push(object.key);
    expect(listed).toEqual([]);
  });
});

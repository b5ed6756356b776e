import { describe, expect, it } from "vitest";
import { InvalidObjectKeyError, ObjectNotFoundError, type ObjectStore, type StoredObject } from "../src/index.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

async function collect(iterable: AsyncIterable<StoredObject>): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of iterable) keys.push(object.key);
  return keys;
}

/** Behaviour every ObjectStore shares, run against each implementation with a fresh empty store per test. */
export function describeObjectStoreContract(name: string, freshStore: () => Promise<ObjectStore>): void {
  describe(`${name} (ObjectStore contract)`, () => {
    it("returns exactly the bytes that were put", async () => {
      const store = await freshStore();
      const body = new Uint8Array([0, 1, 2, 250, 255, 10, 13]);
      await store.put("batches/2024/01/02/abc.json", body);
      expect(Buffer.from(await store.get("batches/2024/01/02/abc.json"))).toEqual(Buffer.from(body));
    });

    it("stores an empty object", async () => {
      const store = await freshStore();
      await store.put("empty", new Uint8Array());
      expect((await store.get("empty")).byteLength).toBe(0);
    });

    it("throws ObjectNotFoundError naming the key when getting a missing key", async () => {
      const store = await freshStore();
      const failure = await store.get("batches/nope.json").catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ObjectNotFoundError);
      expect((failure as ObjectNotFoundError).key).toBe("batches/nope.json");
    });

    it("treats a directory-like prefix of stored keys as missing", async () => {
      const store = await freshStore();
      await store.put("a/b/c", bytes("x"));
      expect(await store.exists("a/b")).toBe(false);
      await expect(store.get("a/b")).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it("reports existence only for stored keys", async () => {
      const store = await freshStore();
      await store.put("x/y.json", bytes("[]"));
      expect(await store.exists("x/y.json")).toBe(true);
      expect(await store.exists("x/z.json")).toBe(false);
    });

    it("overwrites a key that is put again", async () => {
      const store = await freshStore();
      await store.put("k", bytes("first"));
      await store.put("k", bytes("second"));
      expect(new TextDecoder().decode(await store.get("k"))).toBe("second");
    });

    it("lists keys at any depth in ascending key order with their sizes", async () => {
      const store = await freshStore();
      for (const key of ["b", "a/c/d", "a0", "a/b", "a/c/ee"]) await store.put(key, bytes(key));
      const listed: StoredObject[] = [];
      for await (const object of store.list("")) listed.push(object);
      expect(listed.map((object) => object.key)).toEqual(["a/b", "a/c/d", "a/c/ee", "a0", "b"]);
      expect(listed.map((object) => object.size)).toEqual([3, 5, 6, 2, 1]);
      for (const object of listed) expect(object.lastModified.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    });

    it("lists only keys under a prefix, including a prefix that ends inside a segment", async () => {
      const store = await freshStore();
      for (const key of ["batches/2024/01/09/a.json", "batches/2024/01/10/b.json", "batches/2024/02/01/c.json"]) {
        await store.put(key, bytes("[]"));
      }
      await store.put("other/2024/01/10/x.json", bytes("[]"));
      expect(await collect(store.list("batches/2024/01/"))).toEqual([
        "batches/2024/01/09/a.json",
        "batches/2024/01/10/b.json",
      ]);
      expect(await collect(store.list("batches/2024/01/1"))).toEqual(["batches/2024/01/10/b.json"]);
      expect(await collect(store.list("batches/2025/"))).toEqual([]);
      expect(await collect(store.list("nothing-here/"))).toEqual([]);
    });

    it("resumes after startAfter and pages through everything whatever the page size", async () => {
      const store = await freshStore();
      const keys = ["p/1", "p/2/a", "p/2/b", "p/3", "p/4", "p/5/x/y"];
      for (const key of keys) await store.put(key, bytes("."));
      expect(await collect(store.list("p/", { limit: 2 }))).toEqual(keys);
      expect(await collect(store.list("p/", { startAfter: "p/2/a", limit: 2 }))).toEqual(keys.slice(2));
      expect(await collect(store.list("p/", { startAfter: "p/2" }))).toEqual(keys.slice(1));
      expect(await collect(store.list("p/", { startAfter: "p/9" }))).toEqual([]);
    });

    it("stops listing when the consumer breaks out early", async () => {
      const store = await freshStore();
      for (const key of ["q/1", "q/2", "q/3"]) await store.put(key, bytes("."));
      const seen: string[] = [];
      for await (const object of store.list("q/", { limit: 1 })) {
        seen.push(object.key);
        if (seen.length === 2) break;
      }
      expect(seen).toEqual(["q/1", "q/2"]);
    });

    it.each([
      "",
      "/absolute",
      "../escape",
      "a/../../escape",
      "a/./b",
      "a//b",
      "a/",
      ".hidden",
      "a/.tmp",
      "with space",
      "back\\slash",
      "ünïcode",
      "a".repeat(201),
    ])("rejects the bad key %j before touching storage", async (key) => {
      const store = await freshStore();
      await expect(store.put(key, bytes("x"))).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.exists(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    });

    it.each(["../", "/", "a/../", "a//"])("rejects the bad prefix %j", async (prefix) => {
      const store = await freshStore();
      await expect(collect(store.list(prefix))).rejects.toBeInstanceOf(InvalidObjectKeyError);
    });
  });
}

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchDayPrefix, batchKey, findStoredBatch, isValidBatchId, listBatches, parseBatchKey } from "./batch-keys.ts";
import { FileObjectStore } from "./file-object-store.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "msgevents-batch-keys-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const at = (iso: string) => new Date(iso);
const body = new TextEncoder().encode("[]");

describe("batch keys", () => {
  it("places a batch under its UTC receipt day", () => {
    expect(batchKey("032d330540298f54f0e8bcc1373f3cfd", at("2024-02-29T23:59:59.999Z"))).toBe(
      "batches/2024/02/29/032d330540298f54f0e8bcc1373f3cfd.json",
    );
    expect(batchKey("abc", at("2024-03-01T00:30:00+02:00"))).toBe("batches/2024/02/29/abc.json");
    expect(batchDayPrefix(at("2016-02-02T19:10:00Z"))).toBe("batches/2016/02/02/");
  });

  it("refuses to build a key from an invalid batch id", () => {
    expect(() => batchKey("../x", at("2024-01-01T00:00:00Z"))).toThrow('invalid batch id "../x"');
  });

  it.each([
    ["032d330540298f54f0e8bcc1373f3cfd", true],
    ["sha256-".concat("a".repeat(64)), true],
    ["2f4b1e2c-0c41-4a4d-9d44-5b1c6a1f9d00", true],
    ["a.b_c-d", true],
    ["x".repeat(128), true],
    ["x".repeat(129), false],
    ["", false],
    [".hidden", false],
    ["-leading-dash", false],
    ["has space", false],
    ["a/b", false],
    ["a,b", false],
  ])("accepts %j as a batch id: %s", (batchId, valid) => {
    expect(isValidBatchId(batchId)).toBe(valid);
  });

  it("parses a batch key back into its id and day", () => {
    expect(parseBatchKey("batches/2024/02/29/abc.def.json")).toEqual({ batchId: "abc.def", day: "2024-02-29" });
  });

  it.each([
    "batches/2023/02/29/abc.json",
    "batches/2024/13/01/abc.json",
    "batches/2024/1/01/abc.json",
    "batches/2024/01/01/abc.txt",
    "batches/2024/01/01/.json",
    "batches/2024/01/01/x/abc.json",
    "other/2024/01/01/abc.json",
  ])("does not parse %j as a batch key", (key) => {
    expect(parseBatchKey(key)).toBeNull();
  });
});

describe("duplicate detection", () => {
  it("finds a batch stored the same day or the day before, and nothing older", async () => {
    const store = new FileObjectStore(path.join(root, "dups"));
    await store.put(batchKey("first", at("2024-05-01T23:30:00Z")), body);
    expect(await findStoredBatch(store, "first", at("2024-05-01T23:59:00Z"))).toBe("batches/2024/05/01/first.json");
    expect(await findStoredBatch(store, "first", at("2024-05-02T07:30:00Z"))).toBe("batches/2024/05/01/first.json");
    expect(await findStoredBatch(store, "first", at("2024-05-03T00:00:00Z"))).toBeNull();
    expect(await findStoredBatch(store, "other", at("2024-05-01T23:59:00Z"))).toBeNull();
  });
});

describe("listing batches by day", () => {
  it("lists the batches of the days in range, in day then id order, skipping foreign keys", async () => {
    const store = new FileObjectStore(path.join(root, "range"));
    for (const [id, day] of [
      ["b", "2024-01-30"],
      ["a", "2024-01-31"],
      ["c", "2024-01-31"],
      ["d", "2024-02-01"],
      ["e", "2024-02-02"],
    ] as const) {
      await store.put(batchKey(id, at(`${day}T12:00:00Z`)), body);
    }
    await store.put("batches/2024/01/31/notes.txt", body);
    await store.put("batches/README", body);
    const listed = [];
    for await (const batch of listBatches(store, {
      from: at("2024-01-31T23:00:00Z"),
      to: at("2024-02-01T01:00:00Z"),
    })) {
      listed.push(`${batch.day}:${batch.batchId}:${batch.size}`);
    }
    expect(listed).toEqual(["2024-01-31:a:2", "2024-01-31:c:2", "2024-02-01:d:2"]);

    const resumed = [];
    for await (const batch of listBatches(store, {
      from: at("2024-01-01T00:00:00Z"),
      to: at("2024-12-31T00:00:00Z"),
      startAfter: "batches/2024/01/31/a.json",
    })) {
      resumed.push(batch.key);
    }
    expect(resumed).toEqual(["batches/2024/01/31/c.json", "batches/2024/02/01/d.json", "batches/2024/02/02/e.json"]);
  });
});

import { mkdirSync, mkdtempSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hashDirectory, listFiles } from "./source-hash.ts";

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "msgevents-hash-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe("hashDirectory", () => {
  it("lists nested files sorted, with / separators", () => {
    expect(listFiles(tree({ "b.sql": "", "meta/_journal.json": "", "a.sql": "" }))).toEqual([
      "a.sql",
      "b.sql",
      "meta/_journal.json",
    ]);
  });

  it("is the same for the same files whatever their modification times", () => {
    const dir = tree({ "0000_init.sql": "CREATE TABLE a();", "index.mjs": "export {}" });
    const before = hashDirectory(dir);
    utimesSync(path.join(dir, "index.mjs"), new Date(0), new Date(0));
    expect(hashDirectory(dir)).toBe(before);
    expect(hashDirectory(tree({ "index.mjs": "export {}", "0000_init.sql": "CREATE TABLE a();" }))).toBe(before);
  });

  it("changes when a file's bytes change, a file is added, or a file is renamed", () => {
    const dir = tree({ "0000_init.sql": "CREATE TABLE a();" });
    const hashes = [hashDirectory(dir)];
    writeFileSync(path.join(dir, "0000_init.sql"), "CREATE TABLE b();");
    hashes.push(hashDirectory(dir));
    writeFileSync(path.join(dir, "0001_next.sql"), "");
    hashes.push(hashDirectory(dir));
    renameSync(path.join(dir, "0001_next.sql"), path.join(dir, "0001_renamed.sql"));
    hashes.push(hashDirectory(dir));
    expect(new Set(hashes).size).toBe(4);
  });

  it("tells a file boundary from content: a+bc differs from ab+c", () => {
    expect(hashDirectory(tree({ x: "a", y: "bc" }))).not.toBe(hashDirectory(tree({ x: "ab", y: "c" })));
  });
});

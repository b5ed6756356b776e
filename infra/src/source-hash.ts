import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Every file under `dir`, as sorted paths relative to it ("/"-separated on every platform). */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/**
 * SHA-256 over the names and bytes of every file under `dir`: changes exactly when a file is added, removed, renamed
 * or edited; modification times and listing order do not count.
 */
export function hashDirectory(dir: string): string {
  const hash = createHash("sha256");
  for (const file of listFiles(dir)) {
    const bytes = readFileSync(path.join(dir, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest("hex");
}

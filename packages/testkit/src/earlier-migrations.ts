import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The migrations of main at commit 11cc0ad (see fixtures/migrations-11cc0ad/README.md). */
export const MIGRATIONS_11CC0AD = fileURLToPath(new URL("../fixtures/migrations-11cc0ad", import.meta.url));

export interface EarlierMigrations {
  /** A migrations folder for `migrate(pool, { migrationsFolder })`. */
  folder: string;
  /** The tags it holds, oldest first. */
  tags: string[];
  remove(): Promise<void>;
}

/**
 * A temporary copy of a migrations folder (by default the 11cc0ad migrations), holding only those before the tag
 * `before` (all of them without it): a database migrated with it is in the state a deployment of that time left.
 */
export async function earlierMigrations(options: { before?: string; from?: string } = {}): Promise<EarlierMigrations> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "msgevents-earlier-migrations-"));
  await cp(options.from ?? MIGRATIONS_11CC0AD, folder, { recursive: true });
  const journalPath = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { tag: string }[] };
  const before = options.before;
  if (before !== undefined) journal.entries = journal.entries.filter((entry) => entry.tag < before);
  await writeFile(journalPath, JSON.stringify(journal));
  return {
    folder,
    tags: journal.entries.map((entry) => entry.tag),
    remove: () => rm(folder, { recursive: true, force: true }),
  };
}

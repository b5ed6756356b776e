import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { listBatches, type ObjectStore } from "@msgevents/storage";
import type pg from "pg";

const CHUNK = 500;

/**
 * Stored batches received since `since` that the database does not know as loaded (or as permanently failed): what
 * a crash between "answered 200" and "loaded" left behind.
 */
export async function findUnloadedBatches(
  store: ObjectStore,
  pool: pg.Pool,
  range: { since: Date; until: Date },
): Promise<string[]> {
  const unloaded: string[] = [];
  let chunk: string[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const { rows } = await pool.query<{ object_key: string }>(
      "SELECT object_key FROM batches WHERE object_key = ANY($1::text[]) AND status IN ('loaded', 'failed')",
      [chunk],
    );
    const done = new Set(rows.map((row) => row.object_key));
    unloaded.push(...chunk.filter((key) => !done.has(key)));
    chunk = [];
  };
  for await (const batch of listBatches(store, { from: range.since, to: range.until })) {
    chunk.push(batch.key);
    if (chunk.length >= CHUNK) await flush();
  }
  await flush();
  return unloaded;
}

/**
 * The day up to which every stored batch is known to be loaded or dead-lettered, so recovery lists only the days
 * after it instead of every batch ever stored.
 */
export class RecoveryWatermark {
  constructor(private readonly file: string) {}

  static in(dir: string): RecoveryWatermark {
    return new RecoveryWatermark(path.join(dir, "recovered-through"));
  }

  async read(): Promise<Date> {
    try {
      const text = (await readFile(this.file, "utf8")).trim();
      const date = new Date(text);
      return Number.isNaN(date.getTime()) ? new Date(0) : date;
    } catch {
      return new Date(0);
    }
  }

  async write(date: Date): Promise<void> {
    await writeFile(`${this.file}.tmp`, `${date.toISOString()}\n`);
    await rename(`${this.file}.tmp`, this.file);
  }
}

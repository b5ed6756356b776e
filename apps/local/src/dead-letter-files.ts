import { mkdir, readdir, readFile, rename } from "node:fs/promises";
import path from "node:path";

/** A batch the local queue parked after its last failed attempt: one JSON file in `<queue dir>/dead/`. */
export interface DeadLetter {
  key: string;
  attempts: number;
  error: string;
  deadAt: string;
}

export const deadDirOf = (queueDir: string) => path.join(queueDir, "dead");
export const replayDirOf = (queueDir: string) => path.join(queueDir, "replay");

async function jsonFiles(dir: string): Promise<string[]> {
  const files = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return files.filter((file) => file.endsWith(".json")).sort();
}

export async function countDeadLetters(queueDir: string): Promise<number> {
  return (await jsonFiles(deadDirOf(queueDir))).length;
}

export async function listDeadLetters(queueDir: string): Promise<DeadLetter[]> {
  const dir = deadDirOf(queueDir);
  const files = await jsonFiles(dir);
  return Promise.all(files.map(async (file) => JSON.parse(await readFile(path.join(dir, file), "utf8")) as DeadLetter));
}

/** Moves every dead letter to the replay directory, which the queue drains; returns how many moved. */
export async function requestReplay(queueDir: string): Promise<number> {
  const files = await jsonFiles(deadDirOf(queueDir));
  await mkdir(replayDirOf(queueDir), { recursive: true });
  for (const file of files) await rename(path.join(deadDirOf(queueDir), file), path.join(replayDirOf(queueDir), file));
  return files.length;
}

/** The replay requests waiting, oldest name first; each is removed by `take` once enqueued. */
export async function listReplayRequests(queueDir: string): Promise<{ letter: DeadLetter; file: string }[]> {
  const dir = replayDirOf(queueDir);
  const files = await jsonFiles(dir);
  return Promise.all(
    files.map(async (file) => ({
      letter: JSON.parse(await readFile(path.join(dir, file), "utf8")) as DeadLetter,
      file: path.join(dir, file),
    })),
  );
}

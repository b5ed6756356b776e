import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { acquireStackLock, readStackState, StackRunningError } from "./stack-state.ts";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-lock-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const stateFile = () => path.join(dataDir, "stack.json");
const readFileState = async () => JSON.parse(await readFile(stateFile(), "utf8"));

describe("the data directory's stack lock", () => {
  test("is held from start to stop, saying starting, then where the stack listens", async () => {
    const lock = await acquireStackLock(dataDir);
    expect(await readStackState(dataDir)).toMatchObject({ pid: process.pid, state: "starting" });
    await lock.running({ url: "http://127.0.0.1:41234", databasePort: 45678 });
    expect(await readStackState(dataDir)).toMatchObject({ state: "running", url: "http://127.0.0.1:41234" });
    await lock.release();
    expect(await readStackState(dataDir)).toBeUndefined();
  });

  test("is refused to a second start while the first runs, naming its URL and pid and what to do", async () => {
    const lock = await acquireStackLock(dataDir);
    await lock.running({ url: "http://127.0.0.1:41234" });
    const refused = await acquireStackLock(dataDir).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(StackRunningError);
    expect((refused as Error).message).toBe(
      `another msgevents stack is running at http://127.0.0.1:41234 (pid ${process.pid}) with data directory ` +
        `${dataDir}: stop it first (Ctrl-C in its terminal, or kill ${process.pid}), or start this one with another ` +
        "MSGEVENTS_DATA_DIR",
    );
    expect((await readFileState()).url).toBe("http://127.0.0.1:41234");
    await lock.release();
  });

  test("is taken over from a stack that was killed, and from a pid the system gave to another process", async () => {
    await writeFile(stateFile(), JSON.stringify({ url: "http://127.0.0.1:1", pid: 2 ** 22 + 1, state: "running" }));
    const first = await acquireStackLock(dataDir);
    expect((await readFileState()).pid).toBe(process.pid);
    await first.release();
    // This very pid, but another start time: the process that wrote it is gone and the pid was reused.
    await writeFile(stateFile(), JSON.stringify({ pid: process.pid, startTime: "1", state: "running", url: "x" }));
    const second = await acquireStackLock(dataDir);
    expect((await readFileState()).startTime).not.toBe("1");
    await second.release();
  });

  test("counts a file written by an older version (no state) as a running stack while its pid runs", async () => {
    await writeFile(stateFile(), JSON.stringify({ url: "http://127.0.0.1:41234", pid: process.pid }));
    await expect(acquireStackLock(dataDir)).rejects.toThrow(StackRunningError);
    expect(await readStackState(dataDir)).toMatchObject({ state: "running", url: "http://127.0.0.1:41234" });
  });
});

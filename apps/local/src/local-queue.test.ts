import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { LocalQueue, type LocalQueueOptions } from "./local-queue.ts";

const silent = { info() {}, warn() {}, error() {} };
class Permanent extends Error {}

describe("LocalQueue", () => {
  let dir: string;
  let queue: LocalQueue | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "msgevents-queue-"));
  });
  afterEach(async () => {
    await queue?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A queue whose loader loads each key with `loadOne`, one key a call. */
  const start = async (loadOne: (key: string) => Promise<void>, maxAttempts = 3) => {
    const load: LocalQueueOptions["load"] = (batches) =>
      Promise.all(
        batches.map(({ key }) =>
          loadOne(key).then(
            () => ({ ok: true }) as const,
            (error: unknown) => ({ ok: false, error }) as const,
          ),
        ),
      );
    queue = new LocalQueue({
      dir,
      load,
      batchesPerLoad: 1,
      isPermanent: (error) => error instanceof Permanent,
      concurrency: 2,
      maxAttempts,
      baseDelayMs: 5,
      maxDelayMs: 20,
      logger: silent,
    });
    await queue.start();
    return queue;
  };

  test("loads every enqueued key once, even when enqueued twice", async () => {
    const loads: string[] = [];
    const q = await start(async (key) => void loads.push(key));
    for (const key of ["a", "b", "a", "c"]) q.enqueue(key);
    await q.idle();
    expect(loads.sort()).toEqual(["a", "b", "c"]);
    expect(q.stats()).toMatchObject({ loaded: 3, pending: 0, inFlight: 0, deadLettered: 0 });
  });

  test("retries a failing load with back-off until it succeeds", async () => {
    let calls = 0;
    const q = await start(async () => {
      calls++;
      if (calls < 3) throw new Error("database down");
    });
    q.enqueue("k");
    await q.idle();
    expect(calls).toBe(3);
    expect(q.stats().loaded).toBe(1);
  });

  test("parks a batch as a dead letter after the last attempt, and replays it on request", async () => {
    let healthy = false;
    const q = await start(async () => {
      if (!healthy) throw new Error("still down");
    });
    q.enqueue("batches/2026/11/26/x.json");
    await q.idle();
    expect(await q.deadLetters()).toEqual([
      expect.objectContaining({ key: "batches/2026/11/26/x.json", attempts: 3, error: "still down" }),
    ]);
    expect(q.stats().deadLettered).toBe(1);

    healthy = true;
    expect(await q.replayDeadLetters()).toBe(1);
    await q.idle();
    expect(q.stats()).toMatchObject({ loaded: 1, deadLettered: 0 });
    expect(await readdir(path.join(dir, "dead"))).toEqual([]);
  });

  test("dead-letters a permanent failure at once, without retrying", async () => {
    let calls = 0;
    const q = await start(async () => {
      calls++;
      throw new Permanent("not JSON");
    });
    q.enqueue("bad");
    await q.idle();
    expect(calls).toBe(1);
    expect((await q.deadLetters())[0]).toMatchObject({ key: "bad", attempts: 1, error: "not JSON" });
  });

  test("takes up to batchesPerLoad waiting keys in one load, and retries only the keys that failed", async () => {
    const calls: string[][] = [];
    let failedOnce = false;
    queue = new LocalQueue({
      dir,
      load: async (batches) => {
        calls.push(batches.map((batch) => batch.key));
        return batches.map(({ key }) => {
          if (key === "b" && !failedOnce) {
            failedOnce = true;
            return { ok: false, error: new Error("refused") };
          }
          return { ok: true };
        });
      },
      batchesPerLoad: 3,
      isPermanent: () => false,
      concurrency: 1,
      maxAttempts: 3,
      baseDelayMs: 5,
      maxDelayMs: 20,
      logger: silent,
    });
    for (const key of ["a", "b", "c", "d"]) queue.enqueue(key);
    await queue.start();
    await queue.idle();

    expect(calls).toEqual([["a", "b", "c"], ["d"], ["b"]]);
    expect(queue.stats()).toMatchObject({ loaded: 4, deadLettered: 0 });
  });
});

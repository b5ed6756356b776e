import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseWebhookBatch } from "@msgevents/schema";
import { generateEvents } from "@msgevents/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { inKeyOrder } from "../src/write-events.ts";
import { holdEventKey, waitForLockWaiters } from "./support/blocker.ts";
import {
  batchRow,
  countEvents,
  expectedEventKeys,
  type LoaderFixture,
  startLoaderFixture,
  storeBatch,
  storedEventKeys,
} from "./support/fixture.ts";

const childScript = fileURLToPath(new URL("./support/load-in-child.ts", import.meta.url));

let fixture: LoaderFixture;
beforeAll(async () => {
  fixture = await startLoaderFixture();
});
afterAll(async () => {
  await fixture?.close();
});

function startChildLoader(objectKey: string): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", childScript, fixture.db.url, fixture.store.rootDir, objectKey],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const output = once(child, "exit").then(([code, signal]) => {
    if (code !== 0) throw new Error(`child loader exited with code ${code}, signal ${signal}`);
    return stdout;
  });
  output.catch(() => {});
  return { child, output };
}

async function childSessions(): Promise<number> {
  const result = await fixture.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'msgevents-loader-child'",
  );
  return result.rows[0]?.n ?? 0;
}

test("a loader process killed mid-transaction leaves nothing behind, and loading again stores every event once", async () => {
  const records = generateEvents(350, { seed: 200 });
  const key = await storeBatch(fixture.store, records, { batchId: "killed" });
  const lastInKeyOrder = inKeyOrder(parseWebhookBatch(JSON.stringify(records)).events).at(-1);
  if (!lastInKeyOrder) throw new Error("no events");
  // The child inserts 349 events, then waits on the blocker with its transaction open.
  const blocker = await holdEventKey(fixture.db, lastInKeyOrder);
  const killed = startChildLoader(key);
  await waitForLockWaiters(fixture.pool, 1);

  killed.child.kill("SIGKILL");
  await once(killed.child, "exit");
  await blocker.release();
  // PostgreSQL notices the dead client and aborts its transaction.
  for (let waited = 0; (await childSessions()) > 0; waited += 50) {
    if (waited > 60_000) throw new Error("the killed loader's session did not end");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await countEvents(fixture.pool)).toBe(0);
  expect(await batchRow(fixture.pool, "killed")).toBeUndefined();

  const rerun = startChildLoader(key);
  const result = JSON.parse(await rerun.output);

  expect(result).toMatchObject({ outcome: "loaded", eventsLoaded: 350, eventsDuplicate: 0 });
  expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(records));
  expect(await batchRow(fixture.pool, "killed")).toMatchObject({ status: "loaded", attempts: 1, events_loaded: 350 });
});

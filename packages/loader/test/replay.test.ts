import { parseBatchKey } from "@msgevents/storage";
import { generateEvents } from "@msgevents/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { replayBatches } from "../src/index.ts";
import {
  batchRow,
  expectedEventKeys,
  type LoaderFixture,
  snapshot,
  startLoaderFixture,
  storeBatch,
  storedEventKeys,
} from "./support/fixture.ts";

let fixture: LoaderFixture;
beforeAll(async () => {
  fixture = await startLoaderFixture();
});
afterAll(async () => {
  await fixture?.close();
});

test("replaying a range loads the batches received on its days, skips the rest, and replaying again changes nothing", async () => {
  const day = (date: string, index: number) => ({
    records: generateEvents(40, { seed: 400 + index }),
    receivedAt: new Date(`${date}T12:00:00Z`),
  });
  const before = day("2024-05-31", 0);
  const inside = [day("2024-06-01", 1), day("2024-06-01", 2), day("2024-06-02", 3)];
  const after = day("2024-06-03", 4);
  const keys: string[] = [];
  for (const batch of [before, ...inside, after]) {
    keys.push(await storeBatch(fixture.store, batch.records, { receivedAt: batch.receivedAt }));
  }
  const poisonKey = await storeBatch(fixture.store, "[", {
    batchId: "replay-poison",
    receivedAt: new Date("2024-06-02T08:00:00Z"),
  });
  const deps = fixture.loaderDeps();
  const range = { from: new Date("2024-06-01T00:00:00Z"), to: new Date("2024-06-02T23:59:59Z") };

  const first = await replayBatches(range, deps, { concurrency: 3 });
  const afterFirst = await snapshot(fixture.pool);
  const second = await replayBatches(range, deps, { concurrency: 3 });

  expect(first).toMatchObject({
    loaded: 3,
    alreadyLoaded: 0,
    eventsLoaded: 120,
    eventsDuplicate: 0,
    recordsRejected: 0,
  });
  expect(first.failed.map((failure) => failure.objectKey)).toEqual([poisonKey]);
  expect(second).toMatchObject({ loaded: 0, alreadyLoaded: 3, eventsLoaded: 0 });
  expect(second.failed.map((failure) => failure.objectKey)).toEqual([poisonKey]);
  expect(await storedEventKeys(fixture.pool)).toEqual(expectedEventKeys(...inside.map((batch) => batch.records)));
  const { batches: batchesAfterSecond, events: eventsAfterSecond } = await snapshot(fixture.pool);
  expect(eventsAfterSecond).toEqual(afterFirst.events);
  // Only the poison batch's attempt count moved.
  const withoutPoison = (rows: unknown[]) =>
    rows.filter((row) => (row as { batch_id: string }).batch_id !== "replay-poison");
  expect(withoutPoison(batchesAfterSecond)).toEqual(withoutPoison(afterFirst.batches));
  expect(await batchRow(fixture.pool, "replay-poison")).toMatchObject({ status: "failed", attempts: 2 });
  // A replay records the object's last-modified time as the receipt time.
  const firstInside = keys[1] ?? "";
  const row = await batchRow(fixture.pool, parseBatchKey(firstInside)?.batchId ?? "");
  expect(row.received_at.getTime()).toBeGreaterThan(Date.now() - 600_000);
});

import { rm } from "node:fs/promises";
import path from "node:path";
import { createEventGenerator } from "@msgevents/testkit";
import { expect, test } from "vitest";
import { basicAuth, postBatch, searchEvents } from "./clients.ts";
import { makeDataRoot, startStackProcess, waitFor } from "./stack-process.ts";

const EVENTS = 100_100;
const PER_BATCH = 350;
const CLIENTS = 4;
const RANGE = "from=2024-05-01T00:00:00Z&to=2024-07-01T00:00:00Z";

test("100,100 events posted in 350-event batches by concurrent clients all become queryable", async () => {
  const dataRoot = await makeDataRoot("msgevents-load-");
  const stack = await startStackProcess(path.join(dataRoot, "data"));
  try {
    const authorization = basicAuth(
      stack.credentials.MSGEVENTS_WEBHOOK_USERNAME ?? "",
      stack.credentials.MSGEVENTS_WEBHOOK_PASSWORD ?? "",
    );
    const generator = createEventGenerator({ seed: 11, total: EVENTS });
    const bodies = Array.from({ length: EVENTS / PER_BATCH }, () => JSON.stringify(generator.take(PER_BATCH)));
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          statuses.push((await postBatch(stack.url, bodies[i] ?? "", authorization, `load-${i}`)).status);
        }
      }),
    );
    expect(statuses).toEqual(bodies.map(() => 200));

    const apiKey = stack.credentials.MSGEVENTS_API_KEY ?? "";
    let total = 0;
    await waitFor(
      async () => {
        total = (await searchEvents(stack.url, apiKey, `/api/v1/events/message?${RANGE}&per_page=1`)).total_count;
        return total >= EVENTS;
      },
      () => false,
      180_000,
      () => `only ${total} of ${EVENTS} events became queryable:\n${stack.output().slice(-2000)}`,
    );
    expect(total).toBe(EVENTS);
  } finally {
    expect(await stack.terminate()).toBe(true);
    await rm(dataRoot, { recursive: true, force: true });
  }
});

import { normalizeBatch } from "@msgevents/schema";
import { generateEvents, sampleBatch } from "@msgevents/testkit";
import { basicAuth, postBatch, searchEvents } from "../../local/test/clients.ts";
import { type StackProcess, waitFor } from "../../local/test/stack-process.ts";

/** The two whole UTC days the generated traffic fills; the browser tests look at them. */
export const TRAFFIC = {
  first: "2024-06-01",
  last: "2024-06-02",
  from: "2024-06-01T00:00:00Z",
  to: "2024-06-03T00:00:00Z",
};
const GENERATED_EVENTS = 1_200;
const BATCH_SIZE = 300;

/**
 * Posts SparkPost's sample batch of every type (2016) and realistic generated traffic over TRAFFIC through the
 * webhook, as SparkPost would, and waits until the Events API returns all of it.
 */
export async function postTraffic(stack: StackProcess): Promise<void> {
  const authorization = basicAuth(
    stack.credentials.MSGEVENTS_WEBHOOK_USERNAME ?? "",
    stack.credentials.MSGEVENTS_WEBHOOK_PASSWORD ?? "",
  );
  const post = async (records: unknown[]) => {
    const response = await postBatch(stack.url, JSON.stringify(records), authorization);
    if (response.status !== 200) throw new Error(`the webhook answered ${response.status}`);
  };
  await post(sampleBatch("batch-all-types"));
  const generated = generateEvents(GENERATED_EVENTS, {
    seed: 12,
    from: new Date(TRAFFIC.from),
    to: new Date(TRAFFIC.to),
  });
  for (let start = 0; start < generated.length; start += BATCH_SIZE)
    await post(generated.slice(start, start + BATCH_SIZE));

  const expected = normalizeBatch(generated).events.length;
  const apiKey = stack.credentials.MSGEVENTS_API_KEY ?? "";
  await waitFor(
    async () =>
      (await searchEvents(stack.url, apiKey, `/api/v1/events/message?from=${TRAFFIC.from}&to=${TRAFFIC.to}&per_page=1`))
        .total_count === expected,
    () => false,
    120_000,
    () => `the generated events did not all become searchable:\n${stack.output().slice(-3000)}`,
  );
}

import { createHash } from "node:crypto";
import { webhookGroupFor } from "@msgevents/schema";
import type { Row } from "./output.ts";

/**
 * An Events API result as the webhook record SparkPost would have posted: `{"msys":{"<grouping>": event}}`. Types
 * the model does not know go under `message_event`, the grouping of everything the message events search returns.
 */
export function webhookRecord(event: Row): { msys: Record<string, Row> } {
  const type = typeof event.type === "string" ? event.type : "";
  return { msys: { [webhookGroupFor(type) ?? "message_event"]: event } };
}

export interface BackfillBatch {
  /** `backfill-<sha256 of the body>`: the same events make the same id, so a resent batch is a known duplicate. */
  batchId: string;
  body: string;
  events: number;
}

/**
 * Splits one page of events into webhook batches of at most `maxBytes` each (the endpoint refuses larger bodies
 * with 413); an event larger than that on its own still goes alone, for the endpoint to judge.
 */
export function pageToBatches(events: readonly Row[], maxBytes: number): BackfillBatch[] {
  const batches: BackfillBatch[] = [];
  let records: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (records.length === 0) return;
    const body = `[${records.join(",")}]`;
    const digest = createHash("sha256").update(body).digest("hex").slice(0, 48);
    batches.push({ batchId: `backfill-${digest}`, body, events: records.length });
    records = [];
    bytes = 2;
  };
  for (const event of events) {
    const record = JSON.stringify(webhookRecord(event));
    const size = Buffer.byteLength(record) + 1;
    if (records.length > 0 && bytes + size > maxBytes) flush();
    records.push(record);
    bytes += size;
  }
  flush();
  return batches;
}

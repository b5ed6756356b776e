import { describe, expect, it } from "vitest";
import { pageToBatches, webhookRecord } from "./backfill-batches.ts";
import { normalizeApiUrl } from "./sparkpost-hosts.ts";

const event = (type: string, id: number) => ({
  type,
  event_id: String(id),
  timestamp: "2026-11-30T10:00:00.000+00:00",
});

describe("Events API results as webhook batches", () => {
  it("wraps each event under its type's webhook grouping", () => {
    expect(webhookRecord(event("click", 1))).toEqual({ msys: { track_event: event("click", 1) } });
    expect(webhookRecord(event("list_unsubscribe", 2)).msys).toHaveProperty("unsubscribe_event");
    expect(webhookRecord(event("a_type_added_later", 3)).msys).toHaveProperty("message_event");
  });

  it("gives the same events the same batch id, and other events another", () => {
    const page = [event("delivery", 1), event("bounce", 2)];
    const [first] = pageToBatches(page, 1_000_000);
    const [again] = pageToBatches(structuredClone(page), 1_000_000);
    const [other] = pageToBatches([event("delivery", 1)], 1_000_000);
    expect(first?.batchId).toMatch(/^backfill-[0-9a-f]{48}$/);
    expect(again?.batchId).toBe(first?.batchId);
    expect(other?.batchId).not.toBe(first?.batchId);
    expect(JSON.parse(first?.body ?? "")).toHaveLength(2);
  });

  it("splits a page into batches under the byte limit without losing or repeating an event", () => {
    const page = Array.from({ length: 100 }, (_, index) => event("delivery", index));
    const batches = pageToBatches(page, 2000);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(Buffer.byteLength(batch.body)).toBeLessThanOrEqual(2000);
    const ids = batches.flatMap((batch) =>
      (JSON.parse(batch.body) as { msys: { message_event: { event_id: string } } }[]).map(
        (r) => r.msys.message_event.event_id,
      ),
    );
    expect(ids).toEqual(page.map((item) => item.event_id));
  });
});

describe("--api-url", () => {
  it("accepts SparkPost's hosts with or without /api/v1, and refuses what is not a URL", () => {
    expect(normalizeApiUrl("https://api.eu.sparkpost.com/api/v1/")).toBe("https://api.eu.sparkpost.com");
    expect(normalizeApiUrl("http://127.0.0.1:4000")).toBe("http://127.0.0.1:4000");
    expect(() => normalizeApiUrl("api.sparkpost.com")).toThrow(/not a URL/);
  });
});

import { describe, expect, test } from "vitest";
import { type BackfillStatus, describeDeploymentStatus } from "./status.ts";

const backfill = (fields: Partial<BackfillStatus>): BackfillStatus => ({
  name: "metric_rollups",
  status: "done",
  days_done: 30,
  days_total: 30,
  events_filled: 1_000_000,
  events_per_second: 12_500,
  started_at: "2026-12-05T10:00:00.000Z",
  finished_at: "2026-12-05T10:01:20.000Z",
  last_error: null,
  ...fields,
});

describe("msgevents status as text", () => {
  test("shows the database, refused records, the local queue and each backfill's days, rate and times", () => {
    const text = describeDeploymentStatus("http://127.0.0.1:3000", {
      status: "ok",
      database: { status: "ok", version: "18.4" },
      rejected_records: 4,
      rejected_batches: 2,
      oversized_batches: 0,
      queue: { pending: 1, inFlight: 0 },
      backfills: [
        backfill({}),
        backfill({
          name: "search_token_counts",
          status: "failing",
          days_done: 12,
          finished_at: null,
          last_error: "canceling statement due to lock timeout",
        }),
      ],
    });
    expect(text.split("\n")).toEqual([
      "deployment http://127.0.0.1:3000: ok (PostgreSQL 18.4)",
      "  rejected records       4 in 2 batch(es)",
      "  oversized batches      0",
      "  queue                  pending 1, inFlight 0",
      "backfills: 1 under way (answers stay exact meanwhile; only some searches are slower)",
      "  metric_rollups         done     30/30 days, 1,000,000 events, 12,500 events/s, finished 2026-12-05T10:01:20.000Z",
      "  search_token_counts    failing  12/30 days, 1,000,000 events, 12,500 events/s, started 2026-12-05T10:00:00.000Z",
      "    last error: canceling statement due to lock timeout",
    ]);
  });

  test("says so when the database does not answer, and when nothing is to fill", () => {
    const text = describeDeploymentStatus("https://events.example.com", {
      status: "unavailable",
      database: { status: "unavailable" },
      rejected_records: null,
      rejected_batches: null,
      oversized_batches: null,
      queue: null,
      backfills: null,
    });
    expect(text.split("\n")).toEqual([
      "deployment https://events.example.com: unavailable",
      "  rejected records       n/a in n/a batch(es)",
      "backfills: none",
    ]);
  });
});

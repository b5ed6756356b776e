import { describe, expect, it } from "vitest";
import { createEventGenerator, generateEvents } from "./generate-events.ts";

const fieldsOf = (record: { msys: Record<string, Record<string, unknown>> }) => {
  const [grouping, event] = Object.entries(record.msys)[0] as [string, Record<string, unknown>];
  return { grouping, event };
};

describe("generateEvents", () => {
  it("produces the same events for the same seed and different ones for another seed", () => {
    expect(JSON.stringify(generateEvents(500, { seed: 7 }))).toBe(JSON.stringify(generateEvents(500, { seed: 7 })));
    expect(JSON.stringify(generateEvents(5, { seed: 8 }))).not.toBe(JSON.stringify(generateEvents(5, { seed: 7 })));
  });

  it("gives every event a unique id, also across seeds", () => {
    // Small on purpose: CI runs every suite at once on 2 cores, and uniqueness shows at this size as well as at 40,000.
    const ids = [...generateEvents(2_000, { seed: 1 }), ...generateEvents(2_000, { seed: 2 })].map(
      (record) => fieldsOf(record).event.event_id,
    );
    expect(new Set(ids).size).toBe(4_000);
  });

  it("wraps each event in the webhook envelope under the grouping of its type", () => {
    const groupingOf: Record<string, string> = {
      injection: "message_event",
      delivery: "message_event",
      bounce: "message_event",
      open: "track_event",
      click: "track_event",
      generation_failure: "gen_event",
      list_unsubscribe: "unsubscribe_event",
    };
    for (const record of generateEvents(1_000, { seed: 3 })) {
      const { grouping, event } = fieldsOf(record);
      expect(Object.keys(record)).toEqual(["msys"]);
      const expected = groupingOf[event.type as string];
      if (expected) expect(grouping).toBe(expected);
      expect(event.timestamp).toMatch(/^\d{10}$/);
      expect(event.rcpt_to).toMatch(/^[a-z.0-9]+@[a-z0-9.-]+$/);
    }
  });

  it("mixes types like real traffic and averages 1-1.5 KB of JSON per event", () => {
    const records = generateEvents(4_000, { seed: 4 });
    const counts = new Map<string, number>();
    for (const record of records) {
      const type = fieldsOf(record).event.type as string;
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    expect(counts.get("injection")).toBeGreaterThan(1_000);
    expect(counts.get("delivery")).toBeGreaterThan(1_000);
    expect(counts.get("click")).toBeGreaterThan(100);
    expect(counts.get("bounce")).toBeGreaterThan(20);
    expect(counts.size).toBeGreaterThanOrEqual(15);
    const averageBytes = JSON.stringify(records).length / records.length;
    expect(averageBytes).toBeGreaterThan(1000);
    expect(averageBytes).toBeLessThan(1500);
  });

  it("makes lean events of the same traffic with only the common fields, about 600 B of JSON each", () => {
    const realistic = generateEvents(2_000, { seed: 5 });
    const lean = generateEvents(2_000, { seed: 5, profile: "lean" });
    lean.forEach((record, index) => {
      const { grouping, event } = fieldsOf(record);
      const full = fieldsOf(realistic[index] as (typeof realistic)[number]);
      expect(grouping).toBe(full.grouping);
      expect(event.event_id).toBe(full.event.event_id);
      for (const field of ["rcpt_meta", "rcpt_tags", "geo_ip", "ab_test_id", "rcpt_hash"])
        expect(event).not.toHaveProperty(field);
      for (const [field, value] of Object.entries(event)) expect(full.event[field]).toStrictEqual(value);
    });
    const averageBytes = JSON.stringify(lean).length / lean.length;
    expect(averageBytes).toBeGreaterThan(500);
    expect(averageBytes).toBeLessThan(700);
  });

  it("spreads timestamps steadily over the requested range", () => {
    const from = new Date("2023-03-01T00:00:00Z");
    const to = new Date("2023-03-08T00:00:00Z");
    const seconds = generateEvents(3_500, { seed: 5, from, to }).map((record) =>
      Number(fieldsOf(record).event.timestamp),
    );
    expect(Math.min(...seconds)).toBeGreaterThanOrEqual(from.getTime() / 1000);
    expect(Math.max(...seconds)).toBeLessThan(to.getTime() / 1000);
    const firstDay = seconds.filter((second) => second < from.getTime() / 1000 + 86_400).length;
    expect(firstDay).toBeGreaterThan(450);
    expect(firstDay).toBeLessThan(550);
  });

  it("keeps a message's identity across its injection and later events", () => {
    const byMessage = new Map<string, Set<string>>();
    for (const record of generateEvents(3_000, { seed: 6 })) {
      const { event } = fieldsOf(record);
      if (typeof event.message_id !== "string") continue;
      const identity = `${event.rcpt_to}|${event.transmission_id}|${event.campaign_id}|${event.injection_time}`;
      byMessage.set(event.message_id, (byMessage.get(event.message_id) ?? new Set()).add(identity));
    }
    for (const identities of byMessage.values()) expect(identities.size).toBe(1);
    expect([...byMessage.values()].length).toBeLessThan(3_000);
  });

  it("streams in chunks exactly as one long run would", () => {
    const streamed = createEventGenerator({ seed: 9, total: 1_000 });
    const chunks = [...streamed.take(400), ...streamed.take(600)];
    expect(streamed.generated).toBe(1_000);
    expect(JSON.stringify(chunks)).toBe(JSON.stringify(generateEvents(1_000, { seed: 9 })));
  });
});

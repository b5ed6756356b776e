import { describe, expect, test } from "vitest";
import { relatedSearches } from "./related.ts";
import { searchFromHashQuery } from "./search-state.ts";

const NOW = new Date("2024-07-01T00:00:00Z");
const stateOf = (href: string | undefined) => searchFromHashQuery((href ?? "").replace(/^#\/search\?/, ""));

describe("an event's related searches", () => {
  test("find its message's and its recipient's events from 30 days before it until now, as a timeline", () => {
    const related = relatedSearches(
      { type: "open", message_id: "m-1", rcpt_to: "ann@example.com", timestamp: "2024-06-10T12:00:00.000+00:00" },
      NOW,
    );
    expect(stateOf(related.message)).toEqual({
      events: [],
      filters: { messages: ["m-1"] },
      range: { preset: "custom", from: "2024-05-11T12:00:00Z", to: "2024-07-01T00:00:00Z" },
      perPage: 100,
      timeline: true,
    });
    expect(stateOf(related.recipient).filters).toEqual({ recipients: ["ann@example.com"] });
  });

  test("are absent for what the event does not carry", () => {
    expect(relatedSearches({ type: "generation_failure", timestamp: "2024-06-10T12:00:00Z" }, NOW)).toEqual({});
    expect(relatedSearches({ type: "open", message_id: "m-1", timestamp: "soon" }, NOW)).toEqual({});
  });
});

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  eventIdsOf,
  get,
  insertRecords,
  type QueryFixture,
  startQueryFixture,
  walkPages,
  webhookEvent,
} from "./support.ts";

// Keyword searches count first, then find the page by walking the time index (a common keyword) or over the token
// index (few or old matches, or a walk that gives up). Whatever the path, pages must be the exact matches in order.
let fixture: QueryFixture;
const WINDOW = "from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z";
const TOTAL = 240;

/** Event ids newest first, as the API orders them (event time descending, then event id descending). */
const expected: Record<string, string[]> = { everywhere: [], sparse: [], oldest: [], phrase: [] };

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-05-03T00:00:00Z"));
  const records = [];
  for (let index = 0; index < TOTAL; index += 1) {
    const eventId = `7${String(index).padStart(5, "0")}`;
    // Several events share each second, so ties are ordered by event id.
    const second = Math.floor(index / 3);
    const timestamp = new Date(Date.parse("2024-05-01T00:00:00Z") + second * 60_000).toISOString();
    const words = ["everywhere"];
    if (index % 9 === 0) words.push("sparse");
    if (index < 12) words.push("oldest");
    if (index % 2 === 0) words.push("deals are here");
    else words.push("here are deals");
    records.push(webhookEvent({ event_id: eventId, timestamp, subject: words.join(" - "), reason: words.join(" ") }));
    for (const word of ["everywhere", "sparse", "oldest"]) if (words.includes(word)) expected[word]?.unshift(eventId);
    if (index % 2 === 0) expected.phrase?.unshift(eventId);
  }
  await insertRecords(fixture, records);
});

afterAll(() => fixture?.close());

async function walk(first: string): Promise<{ ids: string[]; totals: number[] }> {
  const pages = await walkPages(fixture, first, { maxPages: TOTAL + 1 });
  return { ids: pages.flatMap(eventIdsOf), totals: pages.map((page) => page.body.total_count ?? -1) };
}

describe("a keyword search", () => {
  test.each([
    ["a keyword in every event", "everywhere"],
    ["a keyword in every ninth event", "sparse"],
    ["a keyword only in the oldest events", "oldest"],
    ["a phrase in every other event", "deals are"],
  ])("walks %s page by page exactly, whatever the page size", async (_, keyword) => {
    const wanted = expected[keyword === "deals are" ? "phrase" : keyword] ?? [];
    for (const perPage of [7, 60, 1000]) {
      const { ids, totals } = await walk(
        `/api/v1/events/message?${WINDOW}&subjects=${encodeURIComponent(keyword)}&per_page=${perPage}`,
      );
      expect(ids).toEqual(wanted);
      expect(new Set(totals)).toEqual(new Set([wanted.length]));
    }
  });

  test.each(["everywhere", "sparse", "oldest"])(
    "pages by number in the legacy API exactly (reason=%s)",
    async (word) => {
      const wanted = expected[word] ?? [];
      for (const page of [1, 2, 5, 9]) {
        const response = await get(fixture, `/api/v1/message-events?${WINDOW}&reason=${word}&page=${page}&per_page=3`);
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        expect(eventIdsOf(response)).toEqual(wanted.slice((page - 1) * 3, page * 3));
        expect(response.body.total_count).toBe(wanted.length);
      }
    },
  );
});

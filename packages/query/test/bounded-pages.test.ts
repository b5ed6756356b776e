import { events } from "@msgevents/schema";
import { and, gte, lt, type SQL } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { filterConditions } from "../src/search/conditions.ts";
import type { SearchQuery } from "../src/search/filters.ts";
import {
  dayPartitionsOverlapping,
  partitionsSince,
  TOKEN_INDEX_PLANS,
  tokenPageQuery,
  tokenPageSelect,
} from "../src/search/partition-queries.ts";
import { withSnapshot } from "../src/search/snapshot.ts";
import { type ListedValues, placeValuePage, valuePageQuery } from "../src/search/value-search.ts";
import { computesTokensPerRow, explain } from "./plans.ts";
import {
  eventIdsOf,
  get,
  insertRecords,
  type QueryFixture,
  startQueryFixture,
  walkPages,
  webhookEvent,
} from "./support.ts";

// The counts place a page's matches in time (per 15 minutes from the search counts, per day from the partitions'
// counts), and the page over the token index then reads only that stretch. Matches bunched in the mornings of three
// days, with cursors, page numbers and windows that cut days, must still come back exactly, newest first.
let fixture: QueryFixture;
const START = Date.parse("2024-05-01T00:00:00Z");
const DAYS = 3;
const STEP_MS = 4 * 60_000;
const PER_DAY = 86_400_000 / STEP_MS;
const MINUTE = 60_000;

interface Stored {
  id: string;
  time: number;
  words: string[];
  type: string;
  campaign: string;
}
const stored: Stored[] = [];

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-05-05T00:00:00Z"));
  const records = [];
  for (let index = 0; index < DAYS * PER_DAY; index += 1) {
    // Two events share every other timestamp, so ties are ordered by event id.
    const time = START + Math.floor(index / 2) * 2 * STEP_MS + (index % 2) * (index % 4 === 1 ? 0 : STEP_MS);
    const minuteOfDay = ((time - START) % 86_400_000) / MINUTE;
    const words = ["everywhere"];
    if (minuteOfDay < 6 * 60) words.push("morning");
    if (index % 7 === 0) words.push("sparse");
    const type = index % 5 === 0 ? "bounce" : "delivery";
    const id = `8${String(index).padStart(6, "0")}`;
    // A campaign sent in the mornings only: a listed value, searched by value (value-search.ts).
    const campaign = words.includes("morning") ? "morning-push" : "all-day";
    stored.push({ id, time, words, type, campaign });
    records.push(
      webhookEvent({
        event_id: id,
        type,
        timestamp: new Date(time).toISOString(),
        subject: words.join(" "),
        reason: words.join(" "),
        campaign_id: campaign,
        ...(type === "bounce" ? { bounce_class: "10" } : {}),
      }),
    );
  }
  for (let start = 0; start < records.length; start += 500) {
    await insertRecords(fixture, records.slice(start, start + 500));
  }
  await fixture.pool.query("ANALYZE events");
}, 300_000);

afterAll(() => fixture?.close());

/** Event ids of the window's matches, newest first (event time descending, then event id descending). */
function expectedIds(from: number, to: number, word: string, type?: string): string[] {
  return idsOf(from, to, (event) => event.words.includes(word) && (type === undefined || event.type === type));
}

function idsOf(from: number, to: number, matches: (event: Stored) => boolean): string[] {
  return stored
    .filter((event) => event.time >= from && event.time < to && matches(event))
    .sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1))
    .map((event) => event.id);
}

async function walk(first: string): Promise<{ ids: string[]; totals: Set<number> }> {
  const pages = await walkPages(fixture, first, { maxPages: stored.length + 1 });
  return { ids: pages.flatMap(eventIdsOf), totals: new Set(pages.map((page) => page.body.total_count ?? -1)) };
}

const windows = [
  ["the three whole days", START, START + DAYS * 86_400_000],
  [
    "a window that cuts its first and last day",
    START + 5 * 3_600_000 + 7 * MINUTE,
    START + 2 * 86_400_000 + 3 * 3_600_000,
  ],
] as const;

describe("a page placed by the counts", () => {
  test.each(windows)("walks matches bunched in the mornings exactly over %s", async (_, from, to) => {
    const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    for (const [word, type] of [
      ["morning", undefined],
      ["sparse", undefined],
      ["morning", "bounce"],
      ["sparse", "bounce"],
    ] as const) {
      const wanted = expectedIds(from, to, word, type);
      for (const perPage of [9, 50, 400]) {
        const { ids, totals } = await walk(
          `/api/v1/events/message?${range}&subjects=${word}${type ? `&events=${type}` : ""}&per_page=${perPage}`,
        );
        expect(ids, `${word} ${type ?? ""} per_page=${perPage}`).toEqual(wanted);
        expect(totals).toEqual(new Set([wanted.length]));
      }
    }
  });

  test.each(windows)("walks a campaign sent in the mornings exactly over %s", async (_, from, to) => {
    const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const wanted = idsOf(from, to, (event) => event.campaign === "morning-push");
    // Its whole name is counted by the campaign's B-tree; one keyword of it, by search_token_counts.
    for (const campaign of ["morning-push", "push"]) {
      for (const perPage of [9, 50, 400]) {
        const { ids, totals } = await walk(`/api/v1/events/message?${range}&campaigns=${campaign}&per_page=${perPage}`);
        expect(ids, `${campaign} per_page=${perPage}`).toEqual(wanted);
        expect(totals).toEqual(new Set([wanted.length]));
      }
    }
    for (const page of [1, 3, 8]) {
      const response = await get(
        fixture,
        `/api/v1/message-events?${range}&campaign_ids=morning-push&page=${page}&per_page=40`,
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(eventIdsOf(response)).toEqual(wanted.slice((page - 1) * 40, page * 40));
      expect(response.body.total_count).toBe(wanted.length);
    }
  });

  test.each(windows)("pages by number in the legacy API exactly over %s", async (_, from, to) => {
    const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    for (const [word, type] of [
      ["morning", undefined],
      ["morning", "bounce"],
    ] as const) {
      const wanted = expectedIds(from, to, word, type);
      for (const page of [1, 3, 8]) {
        const response = await get(
          fixture,
          `/api/v1/message-events?${range}&reason=${word}${type ? `&events=${type}` : ""}&page=${page}&per_page=40`,
        );
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        expect(eventIdsOf(response)).toEqual(wanted.slice((page - 1) * 40, page * 40));
        expect(response.body.total_count).toBe(wanted.length);
      }
    }
  });
});

describe("the partitions a page needs", () => {
  const day = (offset: number) => ({
    name: `events_2024050${offset + 1}`,
    starts: new Date(START + offset * 86_400_000),
  });
  const window = { from: new Date(START + 3_600_000), to: new Date(START + 2.5 * 86_400_000) };

  test("are the newest whose counts reach the page, the partition reached starting the page's stretch", () => {
    const byPartition = [
      { partition: day(2), count: 4 },
      { partition: day(1), count: 10 },
      { partition: day(0), count: 30 },
    ];
    expect(partitionsSince(byPartition, window, window.to, 4)).toEqual(day(2).starts);
    expect(partitionsSince(byPartition, window, window.to, 5)).toEqual(day(1).starts);
    // Reached only in the window's first partition: the window's own start bounds the page.
    expect(partitionsSince(byPartition, window, window.to, 15)).toBeUndefined();
    expect(partitionsSince(byPartition, window, window.to, 100)).toBeUndefined();
  });

  test("count no partition a cursor cuts, nor any newer than it", () => {
    const byPartition = [
      { partition: day(2), count: 50 },
      { partition: day(1), count: 50 },
      { partition: day(0), count: 50 },
    ];
    const cursorInSecondDay = new Date(START + 1.5 * 86_400_000);
    expect(partitionsSince(byPartition, window, cursorInSecondDay, 10)).toBeUndefined();
    const cursorAtThirdDay = new Date(START + 2 * 86_400_000 + 1);
    expect(partitionsSince(byPartition, window, cursorAtThirdDay, 10)).toEqual(day(1).starts);
  });
});

describe("the page over the token index from a time within a day", () => {
  async function inTokenPlans<T>(work: (db: NodePgDatabase) => Promise<T>): Promise<T> {
    const client = await fixture.pool.connect();
    try {
      await client.query("BEGIN");
      const db = drizzle({ client });
      await db.execute(TOKEN_INDEX_PLANS);
      return await work(db);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  }

  const query: SearchQuery = {
    from: new Date(START),
    to: new Date(START + DAYS * 86_400_000),
    perPage: 20,
    filters: { text: { subjects: ["sparse"] } },
  };
  const since = new Date(START + 2 * 86_400_000 + 5 * 3_600_000);

  test("holds the same rows as the page over the whole window when the stretch holds the page", async () => {
    await inTokenPlans(async (db) => {
      const { conditions } = await filterConditions(db, query.filters);
      const bounded = await tokenPageQuery(db, query, conditions, undefined, since);
      const whole = await tokenPageQuery(db, query, conditions);
      expect(bounded.map((row) => row.eventId)).toEqual(whole.map((row) => row.eventId));
      expect(bounded).toHaveLength(21);
      expect(bounded.every((row) => row.eventTime >= since)).toBe(true);
    });
  });

  test("reads no older partition and never computes a row's search tokens", async () => {
    await inTokenPlans(async (db) => {
      const { conditions } = await filterConditions(db, query.filters);
      const partitions = await dayPartitionsOverlapping(db, since, query.to);
      const page = tokenPageSelect(db, partitions, query, { conditions, from: since, to: query.to });
      const nodes = await explain(db, page.getSQL());
      const relations = new Set(nodes.flatMap((node) => (node["Relation Name"] ? [node["Relation Name"]] : [])));
      expect(relations).toEqual(new Set(["events_20240503"]));
      expect(computesTokensPerRow(nodes)).toBe(false);
      expect(nodes.some((node) => node["Index Name"]?.includes("search_hashes"))).toBe(true);
    });
  });
});

describe("the page of a campaign searched by value", () => {
  const query: SearchQuery = {
    from: new Date(START),
    to: new Date(START + DAYS * 86_400_000),
    perPage: 20,
    filters: { text: { campaigns: ["morning-push"] } },
  };
  const byValue: ListedValues = { column: "campaign_id", values: ["morning-push"] };
  const newestFirst = () =>
    stored
      .filter((event) => event.campaign === "morning-push")
      .sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));

  test("is placed by the field's counts in the newest day whose count reaches it, the count exact", async () => {
    const matches = newestFirst().length;
    const perDay = matches / DAYS;
    await withSnapshot(fixture.pool, async (snapshot) => {
      expect(await placeValuePage(snapshot, query, { byValue })).toEqual({
        totalCount: matches,
        since: new Date(START + 2 * 86_400_000),
      });
      // A page the newest day cannot hold starts a day earlier; one only the whole window holds, at the window.
      const twoDays = { ...query, perPage: perDay + 5 };
      expect((await placeValuePage(snapshot, twoDays, { byValue })).since).toEqual(new Date(START + 86_400_000));
      const everything = { ...query, perPage: matches };
      expect(await placeValuePage(snapshot, everything, { byValue })).toEqual({ totalCount: matches });
    });
  });

  test("is placed by the search counts in the newest 15 minutes that reach it, when they count the keyword", async () => {
    const single = { ...query, filters: { text: { campaigns: ["push"] } } };
    const newest = newestFirst();
    const quarter = 15 * MINUTE;
    await withSnapshot(fixture.pool, async (snapshot) => {
      const { countedTokens, exact, countByValue } = await filterConditions(snapshot.db, single.filters);
      expect(countByValue).toEqual(byValue);
      expect(countedTokens).toEqual(["ca:push"]);
      const counted = { tokens: countedTokens ?? [], exact, pending: new Set<string>() };
      for (const perPage of [20, 200]) {
        const placed = await placeValuePage(snapshot, { ...single, perPage }, { byValue, counted });
        const last = newest[perPage]?.time ?? 0;
        expect(placed).toEqual({ totalCount: newest.length, since: new Date(Math.floor(last / quarter) * quarter) });
      }
    });
  });

  test("once placed, holds the page over the whole window and reads no older partition", async () => {
    const since = new Date(START + 2 * 86_400_000);
    // A session of its own: a pooled one may still hold earlier statements' statistics, not yet flushed.
    const client = fixture.database.client();
    await client.connect();
    try {
      await client.query("BEGIN");
      const db = drizzle({ client });
      const window = and(gte(events.eventTime, query.from), lt(events.eventTime, query.to)) as SQL;
      const { conditions } = await filterConditions(db, query.filters);
      const placed = await valuePageQuery(db, query, { window, conditions }, since);
      // The transaction's own statistics, read before any other statement scans events: the partitions the placed
      // page scanned.
      const { rows } = await client.query<{ relname: string }>(
        "SELECT relname FROM pg_stat_xact_user_tables WHERE relname LIKE 'events\\_2%' AND seq_scan + idx_scan > 0",
      );
      expect(rows.map((row) => row.relname)).toEqual(["events_20240503"]);
      const whole = await valuePageQuery(db, query, { window, conditions });
      expect(placed.map((row) => row.eventId)).toEqual(whole.map((row) => row.eventId));
      expect(placed).toHaveLength(21);
    } finally {
      await client.query("ROLLBACK");
      await client.end();
    }
  });
});

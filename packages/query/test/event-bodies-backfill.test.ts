import { eventBodiesBackfill, migrate, runBackfills, type StepBackfill } from "@msgevents/schema";
import { createEventGenerator, type EarlierMigrations, earlierMigrations } from "@msgevents/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { handleQuery } from "../src/handler.ts";
import { metricAnswers } from "./recount.ts";
import { API_KEY, insertLegacyRecords, type QueryFixture, startQueryFixture } from "./support.ts";

// A database upgraded from 11cc0ad holds events stored as before event bodies (whole payload as jsonb, batch by id).
// The event-bodies backfill (0018) converts them day by day, copying each day into a shadow table swapped in for it;
// every Events API answer must be the same bytes before, between any two steps (the copies, the index builds, the
// swaps), and after, and every Metrics API answer the same before and after each swap.

const WINDOW = "from=2024-06-01T00:00:00Z&to=2024-06-04T00:00:00Z";

let fixture: QueryFixture;
let earlier: EarlierMigrations;
let searches: string[];

beforeAll(async () => {
  earlier = await earlierMigrations();
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"), { migrationsFolder: earlier.folder });
  const span = { from: new Date("2024-06-01T00:00:00Z"), to: new Date("2024-06-04T00:00:00Z") };
  await insertLegacyRecords(fixture, [
    ...createEventGenerator({ seed: 61, total: 600, ...span }).take(600),
    ...createEventGenerator({ seed: 62, total: 300, profile: "lean", ...span }).take(300),
  ]);
  expect(await migrate(fixture.pool)).toContain("0018_event_bodies_backfill");
  const common = async (expression: string) => {
    const { rows } = await fixture.pool.query<{ value: string }>(
      `SELECT ${expression} AS value FROM events WHERE ${expression} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    return encodeURIComponent(rows[0]?.value ?? "");
  };
  searches = [
    `${WINDOW}&per_page=1000`,
    `${WINDOW}&per_page=1000&events=delivery,bounce,open,click`,
    `${WINDOW}&recipient_domains=${await common("recipient_domain")}`,
    `${WINDOW}&campaigns=${await common("campaign_id")}&per_page=7`,
    `${WINDOW}&subjects=${await common("lower(split_part(subject, ' ', 1))")}`,
    `${WINDOW}&subaccounts=0&per_page=3`,
  ];
});

afterAll(async () => {
  await fixture?.close();
  await earlier?.remove();
});

/** Each search's response as sent: status and body bytes. */
async function answers(): Promise<string[]> {
  const sent: string[] = [];
  for (const search of searches) {
    const response = await handleQuery(
      {
        method: "GET",
        path: "/api/v1/events/message",
        rawQuery: search,
        headers: { authorization: API_KEY },
        body: new Uint8Array(),
      },
      fixture.deps,
    );
    sent.push(`${response.status} ${response.body}`);
  }
  return sent;
}

async function legacyRows(): Promise<number> {
  const { rows } = await fixture.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE body IS NULL");
  return rows[0]?.n ?? 0;
}

test("every Events API answer is the same bytes, and every Metrics API answer the same, before, during and after", async () => {
  expect(await legacyRows()).toBe(900);
  const before = await answers();
  expect(before.every((answer) => answer.startsWith("200 "))).toBe(true);
  expect(before[0]).toContain('"total_count":900');
  const metrics = await metricAnswers(fixture.db);

  const steps = eventBodiesBackfill({ batchRows: 60 });
  let checked = 0;
  let swapsChecked = 0;
  const checking: StepBackfill = {
    ...steps,
    step: async (client, day, from) => {
      // What the previous steps committed, read by another connection as any search would.
      expect(await answers(), `before step ${checked + 1}`).toEqual(before);
      // A day's first step: the day before was swapped in (and nothing of this one yet).
      if (from === null) {
        expect(await metricAnswers(fixture.db), `before ${day}`).toEqual(metrics);
        swapsChecked += 1;
      }
      checked += 1;
      return steps.step(client, day, from);
    },
  };
  const result = await runBackfills(fixture.pool, { backfills: [checking] });
  expect(result.remaining).toBe(0);
  expect(checked).toBeGreaterThan(10);
  expect(swapsChecked).toBe(3);
  expect(await legacyRows()).toBe(0);
  expect(await answers()).toEqual(before);
  expect(await metricAnswers(fixture.db)).toEqual(metrics);
});

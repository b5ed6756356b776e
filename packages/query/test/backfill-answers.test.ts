import { migrate, runBackfills } from "@msgevents/schema";
import { type EarlierMigrations, earlierMigrations, generateEvents } from "@msgevents/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { expectDerivedTablesToMatchRecount, METRIC_SHAPES, metricAnswers, recountedMetricAnswers } from "./recount.ts";
import { eventIdsOf, get, insertLegacyRecords, type QueryFixture, startQueryFixture } from "./support.ts";

// A database upgraded from before the rollups and the search counts (the 11cc0ad migrations up to 0007) holds events
// the derived tables have not counted until the backfills fill their days. Every Metrics API answer and every search
// that counts from search_token_counts must be the same with no day filled, with the days filled one by one, and with
// all of them: a half-filled table may change how fast an answer comes, never the answer.

const WINDOW = "from=2024-06-01T05:10:07Z&to=2024-06-03T20:50:00Z";

let fixture: QueryFixture;
let earlier: EarlierMigrations;
let searches: string[];

beforeAll(async () => {
  earlier = await earlierMigrations({ before: "0008" });
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"), { migrationsFolder: earlier.folder });
  await insertLegacyRecords(
    fixture,
    generateEvents(900, {
      seed: 21,
      from: new Date("2024-06-01T00:00:00Z"),
      to: new Date("2024-06-04T00:00:00Z"),
      campaigns: 8,
      recipientDomains: 20,
    }),
  );
  expect(await migrate(fixture.pool)).toContain("0011_backfills");
  // Values the generated events share, for one search of each counted kind.
  const common = async (expression: string) => {
    const { rows } = await fixture.pool.query<{ value: string }>(
      `SELECT ${expression} AS value FROM events WHERE ${expression} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    return encodeURIComponent(rows[0]?.value ?? "");
  };
  searches = [
    WINDOW,
    `${WINDOW}&events=delivery,bounce`,
    `${WINDOW}&recipient_domains=${await common("recipient_domain")}`,
    `${WINDOW}&subjects=${await common("lower(split_part(subject, ' ', 1))")}`,
    `${WINDOW}&campaigns=${await common("campaign_id")}`,
    `${WINDOW}&sending_ips=${await common("sending_ip")}`,
    `${WINDOW}&subaccounts=0&per_page=3`,
    `${WINDOW}&from_addresses=${await common("friendly_from")}&per_page=2`,
    // The generator's recipients: a plan and a tag many of them have, in payloads converted by 0032's backfill.
    `${WINDOW}&rcpt_meta=plan=pro&per_page=4`,
    `${WINDOW}&rcpt_tags=vip&rcpt_meta=region=eu-west&per_page=4`,
  ];
});

afterAll(async () => {
  await fixture?.close();
  await earlier?.remove();
});

/** Each search's total and first page. */
async function searchAnswers(): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const search of searches) {
    const response = await get(fixture, `/api/v1/events/message?${search}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    answers.push({ search, total: response.body.total_count, page: eventIdsOf(response) });
  }
  return answers;
}

async function pendingDays(): Promise<number> {
  const { rows } = await fixture.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM backfill_days WHERE done_at IS NULL",
  );
  return rows[0]?.n ?? 0;
}

test("every metrics answer and counted search is the same with no day filled, as each day is filled, and after", async () => {
  // Three days, each queued for the three derived-table backfills (metric_rollups, search_token_counts,
  // metric_rollups_0016), for the event bodies (0018), converted beside them, for the rare-type index (0021), for
  // the text-refs index (0030) and for the payload-refs index (0032).
  expect(await pendingDays()).toBe(21);
  const recounted = await recountedMetricAnswers(fixture.db);
  expect(JSON.stringify(recounted)).toMatch(/":[1-9]/);
  const searched = await searchAnswers();
  // The plain total, against SQL.
  const { rows } = await fixture.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM events WHERE event_time >= '2024-06-01T05:10:07Z' AND event_time < '2024-06-03T20:50:00Z'",
  );
  expect(searched[0]).toMatchObject({ total: rows[0]?.n });
  for (const answer of searched) expect((answer as { total: number }).total).toBeGreaterThan(0);
  expect(await metricAnswers(fixture.db)).toEqual(recounted);

  // One day a run. The last day of the text-refs index queues the three days of the texts-by-id backfill (0031), and
  // the payload-refs index's those of the payloads-by-id backfill (0032), which then convert each day's texts and
  // recipient payloads to ids: answers the same throughout too.
  const filled: string[] = [];
  for (let left = await pendingDays(); left > 0; left = await pendingDays()) {
    const stop = new AbortController();
    const step = await runBackfills(fixture.pool, { signal: stop.signal, onDay: () => stop.abort() });
    expect(step.filled).toHaveLength(1);
    filled.push(`${step.filled[0]?.backfill} ${step.filled[0]?.day}`);
    expect(await metricAnswers(fixture.db), `${step.remaining} days left`).toEqual(recounted);
    expect(await searchAnswers(), `${step.remaining} days left`).toEqual(searched);
  }
  expect(filled).toHaveLength(27);
  expect(filled.filter((day) => day.startsWith("texts_by_id_0031 "))).toHaveLength(3);
  expect(filled.filter((day) => day.startsWith("payloads_by_id_0032 "))).toHaveLength(3);
  await expectDerivedTablesToMatchRecount(fixture);
  expect(METRIC_SHAPES.length).toBe(recounted.length);
});

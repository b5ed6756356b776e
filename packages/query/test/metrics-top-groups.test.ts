import { generateEvents } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TOP_GROUPS_FIRST } from "../src/metrics/routes.ts";
import { ALL_METRICS } from "./metrics-events.ts";
import { metricsAnswer } from "./recount.ts";
import { insertRecords, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

// A group-by with a small limit ranks the groups by the ordering metric alone, then sums every metric of the top ones
// (routes.ts, groupedQuery). Its answer must be the first rows of the same group-by answered whole: the same groups,
// the same order, the same ties, the same values. Each case is checked at 1 and 10 groups and at every limit where the
// ordering metric ties across the cut, which a ranking that broke ties otherwise would get wrong.

const RAGGED = "from=2024-06-01T03:07&to=2024-06-03T17:52";
const WHOLE = "from=2024-06-01T00:00&to=2024-06-04T00:00";

let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-06-05T00:00:00Z"));
  const records = generateEvents(4_000, {
    seed: 31,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-04T00:00:00Z"),
    campaigns: 40,
    recipientDomains: 60,
    templates: 12,
  });
  // Subaccounts besides the generated traffic's, with bounces that tie in pairs (8, 8, 5, 5, 3).
  const subaccounts = [101, 102, 103, 104, 105].flatMap((subaccount, index) =>
    Array.from({ length: [8, 8, 5, 5, 3][index] ?? 0 }, (_, n) =>
      webhookEvent({
        type: "bounce",
        bounce_class: "10",
        subaccount_id: String(subaccount),
        timestamp: new Date(Date.parse("2024-06-02T12:00:00Z") + n * 60_000).toISOString(),
      }),
    ),
  );
  await insertRecords(fixture, [...records, ...subaccounts]);
});

afterAll(() => fixture?.close());

interface GroupCase {
  route: string;
  query: string;
  /** The metric the answer is ordered by. */
  ordering: string;
}

const CASES: Record<string, GroupCase> = {
  "domains by count_sent over a window that cuts its days": {
    route: "/domain",
    query: `${RAGGED}&metrics=${ALL_METRICS}&order_by=count_sent`,
    ordering: "count_sent",
  },
  "domains by day, ordered by the first metric": {
    route: "/domain",
    query: `${WHOLE}&precision=day&metrics=count_sent,count_delivered,count_unique_clicked`,
    ordering: "count_sent",
  },
  "domains by a unique metric, per hour of a :30 zone": {
    route: "/domain",
    query: `${RAGGED}&precision=hour&timezone=Asia/Kolkata&metrics=${ALL_METRICS}&order_by=count_unique_confirmed_opened`,
    ordering: "count_unique_confirmed_opened",
  },
  "domains by a metric that subtracts a counter": {
    route: "/domain",
    query: `${RAGGED}&metrics=count_sent,count_accepted,count_bounce&order_by=count_accepted`,
    ordering: "count_accepted",
  },
  "campaigns filtered by domain (two dimensions: counted from the events)": {
    route: "/campaign",
    query: `${RAGGED}&metrics=count_sent,count_unique_clicked&domains=gmail.com,yahoo.com,outlook.com`,
    ordering: "count_sent",
  },
  "domains among listed domains": {
    route: "/domain",
    query: `${RAGGED}&metrics=count_sent,count_delivered&domains=gmail.com,yahoo.com,outlook.com,hotmail.com,aol.com`,
    ordering: "count_sent",
  },
  "subaccounts, whose values are numbers": {
    route: "/subaccount",
    query: `${RAGGED}&metrics=count_sent,count_bounce&order_by=count_bounce&subaccounts=101,102,103,104,105`,
    ordering: "count_bounce",
  },
  "templates by count_delivered": {
    route: "/template",
    query: `${WHOLE}&metrics=count_targeted,count_delivered&order_by=count_delivered`,
    ordering: "count_delivered",
  },
};

async function results(route: string, query: string): Promise<Record<string, unknown>[]> {
  const answer = (await metricsAnswer(fixture.db, route, query, "rollups")) as { results: Record<string, unknown>[] };
  return answer.results;
}

/** The limits to check: 1, 10, and every limit at which the ordering metric ties across the cut. */
function limitsToCheck(
  whole: readonly Record<string, unknown>[],
  ordering: string,
): { limits: number[]; ties: number } {
  const ties: number[] = [];
  for (let limit = 1; limit < Math.min(whole.length, TOP_GROUPS_FIRST); limit++) {
    if (whole[limit - 1]?.[ordering] === whole[limit]?.[ordering]) ties.push(limit);
  }
  return { limits: [...new Set([1, 10, ...ties])].filter((limit) => limit <= TOP_GROUPS_FIRST), ties: ties.length };
}

describe("a group-by with a small limit answers the first rows of the whole answer", () => {
  test.each(Object.entries(CASES))("%s", async (_, { route, query, ordering }) => {
    const whole = await results(route, `${query}&limit=10000`);
    expect(whole.length).toBeGreaterThan(1);
    const { limits } = limitsToCheck(whole, ordering);
    for (const limit of limits) {
      expect(await results(route, `${query}&limit=${limit}`), `limit=${limit}`).toEqual(whole.slice(0, limit));
    }
  });

  test("the cases cut through ties of their ordering metric", async () => {
    let ties = 0;
    for (const { route, query, ordering } of Object.values(CASES)) {
      ties += limitsToCheck(await results(route, `${query}&limit=10000`), ordering).ties;
    }
    expect(ties).toBeGreaterThan(10);
  });

  test("a limit over the number of groups answers every group", async () => {
    const { route, query } = CASES["subaccounts, whose values are numbers"] as GroupCase;
    const whole = await results(route, `${query}&limit=10000`);
    expect(whole.length).toBeLessThan(TOP_GROUPS_FIRST);
    expect(await results(route, `${query}&limit=${TOP_GROUPS_FIRST}`)).toEqual(whole);
  });

  test("a window without events answers no group", async () => {
    expect(await results("/domain", "from=2024-05-01T00:00&to=2024-05-02T00:00&metrics=count_sent&limit=5")).toEqual(
      [],
    );
  });
});

import { searchCountsAgainstRecount } from "@msgevents/schema/testing";
import { expect } from "vitest";
import { metricsRouteFor } from "../src/metrics/routes.ts";
import type { SearchDatabase } from "../src/search/snapshot.ts";
import { ALL_METRICS } from "./metrics-events.ts";
import type { QueryFixture } from "./support.ts";

// Answers recounted from the stored events, the oracle for everything derived from them: each Metrics API answer
// beside the same answer with the `events` source (sums and COUNT(DISTINCT) over the events), and search_token_counts
// beside a recount of msgevents_counted_tokens over every event (searchCountsAgainstRecount). Windows lie in 2024-06-01..04 UTC.

const RAGGED = "from=2024-06-01T03:07&to=2024-06-03T17:52";
const WHOLE = "from=2024-06-01T00:00&to=2024-06-04T00:00";
const BOUNCE_METRICS = "count_bounce,count_inband_bounce,count_outofband_bounce,count_admin_bounce";

/** Every shape of Metrics API answer, each as (path under /api/v1/metrics/deliverability, query). */
export const METRIC_SHAPES: ReadonlyArray<[string, string]> = [
  ["", `${WHOLE}&metrics=${ALL_METRICS}`],
  ["", `${RAGGED}&metrics=${ALL_METRICS}`],
  ["", `${RAGGED}&metrics=${ALL_METRICS}&campaigns=campaign-1,campaign-2`],
  ["/time-series", `${WHOLE}&precision=day&metrics=${ALL_METRICS}`],
  ["/time-series", `${RAGGED}&precision=hour&timezone=Asia/Kolkata&metrics=${ALL_METRICS}`],
  // Uniques per hour of zones whose hours start at :15 and :30 past UTC's, per day, per minute over quarter hours.
  ["", `${RAGGED}&precision=hour&timezone=Asia/Kathmandu&metrics=${ALL_METRICS}`],
  ["/campaign", `${RAGGED}&precision=hour&timezone=Asia/Kolkata&metrics=${ALL_METRICS}&limit=10000`],
  ["/domain", `${RAGGED}&precision=day&metrics=${ALL_METRICS}&limit=10000`],
  ["", `from=2024-06-02T06:07&to=2024-06-03T05:52&precision=15min&metrics=${ALL_METRICS}`],
  ["/time-series", `${RAGGED}&precision=12hr&timezone=Asia/Kathmandu&metrics=${ALL_METRICS}`],
  ["/time-series", `${WHOLE}&precision=week&metrics=${ALL_METRICS}`],
  [
    "/time-series",
    "from=2024-06-02T06:00&to=2024-06-02T18:00&precision=15min&metrics=count_delivered,count_unique_clicked",
  ],
  ...[
    "domain",
    "campaign",
    "template",
    "sending-ip",
    "ip-pool",
    "sending-domain",
    "subaccount",
    "mailbox-provider",
    "mailbox-provider-region",
  ].map((route): [string, string] => [`/${route}`, `${RAGGED}&metrics=${ALL_METRICS}&limit=10000`]),
  // Small limits: the groups are ranked first, then summed (routes.ts, groupedQuery).
  ["/domain", `${RAGGED}&metrics=${ALL_METRICS}&order_by=count_sent&limit=3`],
  [
    "/domain",
    `${RAGGED}&precision=hour&timezone=Asia/Kolkata&metrics=${ALL_METRICS}&order_by=count_unique_clicked&limit=2`,
  ],
  ["/campaign", `${WHOLE}&precision=day&metrics=${ALL_METRICS}&domains=gmail.com,yahoo.com&limit=2`],
  ["/bounce-reason", `${RAGGED}&metrics=${BOUNCE_METRICS}&limit=10000`],
  ["/bounce-reason/domain", `${WHOLE}&metrics=${BOUNCE_METRICS}&limit=10000`],
  ["/bounce-classification", `${RAGGED}&metrics=${BOUNCE_METRICS}`],
  ["/delay-reason", `${RAGGED}&limit=10000`],
  ["/delay-reason/domain", `${WHOLE}&limit=10000&campaigns=campaign-1,campaign-2`],
  ["/rejection-reason", `${RAGGED}&limit=10000`],
  ["/rejection-reason/domain", `${RAGGED}&limit=10000`],
];

/** One Metrics API answer (its JSON body), read from the rollups where complete or recounted from the events. */
export async function metricsAnswer(
  db: SearchDatabase,
  route: string,
  query: string,
  source: "rollups" | "events",
): Promise<unknown> {
  const handler = metricsRouteFor(`/api/v1/metrics/deliverability${route}`);
  if (!handler) throw new Error(`no route ${route}`);
  const params = new Map(query.split("&").map((pair) => pair.split("=") as [string, string]));
  const response = await handler(params, { db, now: new Date("2024-06-05T00:00:00Z"), source });
  expect(response.status, response.body).toBe(200);
  return JSON.parse(response.body);
}

/** Every METRIC_SHAPES answer from the rollups (as served), by shape. */
export async function metricAnswers(db: SearchDatabase): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const [route, query] of METRIC_SHAPES) answers.push(await metricsAnswer(db, route, query, "rollups"));
  return answers;
}

/** Every METRIC_SHAPES answer recounted from the events. */
export async function recountedMetricAnswers(db: SearchDatabase): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const [route, query] of METRIC_SHAPES) answers.push(await metricsAnswer(db, route, query, "events"));
  return answers;
}

/** Every Metrics API answer from the rollups equals its recount, and so do the search counts. */
export async function expectDerivedTablesToMatchRecount(fixture: Pick<QueryFixture, "pool" | "db">): Promise<void> {
  for (const [route, query] of METRIC_SHAPES) {
    const [fromRollups, fromEvents] = [
      await metricsAnswer(fixture.db, route, query, "rollups"),
      await metricsAnswer(fixture.db, route, query, "events"),
    ];
    expect(fromRollups, `${route}?${query}`).toEqual(fromEvents);
  }
  const counts = await searchCountsAgainstRecount(fixture.pool);
  expect(counts).toMatchObject({ differing: 0, invalid: 0 });
  expect(counts.kept).toBeGreaterThan(0);
}

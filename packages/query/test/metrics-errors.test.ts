import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { handleQuery } from "../src/handler.ts";
import { API_KEY, get, type QueryFixture, startQueryFixture } from "./support.ts";

let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture();
});

afterAll(async () => {
  await fixture?.close();
});

const BASE = "/api/v1/metrics/deliverability";
const OK = "from=2024-06-10T00:00&to=2024-06-11T00:00&metrics=count_injected";

describe("the Metrics API refuses bad parameters with SparkPost's error shape", () => {
  test.each([
    [
      "",
      "metrics=count_injected",
      "from",
      "required parameter",
      "'from' is required, as YYYY-MM-DDTHH:MM in 'timezone'",
    ],
    [
      "",
      "from=2024-06-10&metrics=count_injected",
      "from",
      "invalid date",
      "'from' must be a time in the format YYYY-MM-DDTHH:MM",
    ],
    [
      "",
      "from=2024-02-30T00:00&metrics=count_injected",
      "from",
      "invalid date",
      "'from' must be a time in the format YYYY-MM-DDTHH:MM",
    ],
    [
      "",
      "from=2024-06-10T00:00&to=2024-06-10T25:00&metrics=count_injected",
      "to",
      "invalid date",
      "'to' must be a time in the format YYYY-MM-DDTHH:MM",
    ],
    ["", "from=2024-06-10T00:00", "metrics", "required parameter", "'metrics' is required: a list of metric names"],
    [
      "",
      "from=2024-06-10T00:00&metrics=count_injected,count_everything",
      "metrics",
      "invalid parameter",
      "'count_everything' is not a metric",
    ],
    [
      "",
      "from=2024-06-10T00:00&metrics=count_nonprefetched_rendered",
      "metrics",
      "unsupported metric",
      "'count_nonprefetched_rendered' is not served by msgevents: no event field marks an open as prefetched",
    ],
    [
      "",
      "from=2024-06-10T00:00&metrics=count_inbox_panel",
      "metrics",
      "unsupported metric",
      "'count_inbox_panel' is not served by msgevents: inbox placement comes from SparkPost's Deliverability Add-On, not from events",
    ],
    [
      "",
      `${OK}&precision=12hr`,
      "precision",
      "invalid parameter",
      "'precision' must be one of 1min, 5min, 15min, hour, day",
    ],
    [
      "/time-series",
      `${OK}&precision=year`,
      "precision",
      "invalid parameter",
      "'precision' must be one of 1min, 5min, 15min, hour, 12hr, day, week, month",
    ],
    [
      "",
      "from=2024-06-10T00:00&to=2024-06-12T00:00&precision=1min&metrics=count_injected",
      "precision",
      "invalid parameter",
      "precision 1min allows a window of at most 24 hours; use a coarser precision",
    ],
    [
      "/time-series",
      "from=2024-06-01T00:00&to=2024-07-10T00:00&precision=hour&metrics=count_injected",
      "precision",
      "invalid parameter",
      "precision hour allows a window of at most 744 hours; use a coarser precision",
    ],
    [
      "",
      "from=2024-06-11T00:00&to=2024-06-10T00:00&metrics=count_injected",
      "from",
      "invalid date range",
      "'from' must be before 'to'",
    ],
    [
      "",
      `${OK}&timezone=Mars/Olympus_Mons`,
      "timezone",
      "invalid parameter",
      "'timezone' must be an IANA time zone name, e.g. America/New_York",
    ],
    [
      "",
      `${OK}&timezone=UTC;DROP`,
      "timezone",
      "invalid parameter",
      "'timezone' must be an IANA time zone name, e.g. America/New_York",
    ],
    ["", `${OK}&delimiter=;;`, "delimiter", "invalid parameter", "'delimiter' must be a single character"],
    ["/domain", `${OK}&limit=0`, "limit", "invalid parameter", "'limit' must be an integer from 1 to 10000"],
    ["/domain", `${OK}&limit=10001`, "limit", "invalid parameter", "'limit' must be an integer from 1 to 10000"],
    [
      "/domain",
      `${OK}&order_by=count_bounce`,
      "order_by",
      "invalid parameter",
      "'order_by' must be one of the requested metrics",
    ],
    [
      "",
      `${OK}&query_filters=%7B%7D`,
      "query_filters",
      "unsupported parameter",
      "advanced filters (query_filters) are not supported; use the list filters (domains, campaigns, …)",
    ],
    [
      "",
      `${OK}&subject_campaigns=x`,
      "subject_campaigns",
      "unsupported parameter",
      "subject campaigns belong to SparkPost's Deliverability Add-On and are not served",
    ],
    [
      "",
      `${OK}&subaccounts=primary`,
      "subaccounts",
      "invalid parameter",
      "'subaccounts' must list subaccount ids (0 = primary account)",
    ],
    ["", `${OK}&domains=,`, "domains", "invalid parameter", "'domains' must list at least one value"],
    [
      "/bounce-reason",
      "from=2024-06-10T00:00&metrics=count_delivered",
      "metrics",
      "invalid parameter",
      "'count_delivered' is not a metric; this endpoint takes count_bounce, count_inband_bounce, count_outofband_bounce, count_admin_bounce",
    ],
  ])("%s?%s → 400 naming %s", async (route, query, param, message, description) => {
    const response = await get(fixture, `${BASE}${route}?${query}`);
    expect(response).toMatchObject({ status: 400, body: { errors: [{ message, description, param }] } });
  });

  test("ignores parameters a route does not take, as SparkPost does, on every route; bad values of those it takes are still refused", async () => {
    const extras = "utm_source=newsletter&campaign=spring&Metrics=x&match=gm";
    for (const [route, query] of [
      ["", `${OK}&limit=abc&order_by=count_nothing`],
      ["/time-series", `${OK}&precision=day&limit=0&order_by=x`],
      ["/domain", `${OK}&limit=5`],
      ["/campaign", OK],
      ["/mailbox-provider-region", OK],
      ["/bounce-reason", "from=2024-06-10T00:00&metrics=count_bounce&order_by=x&subject_campaigns=x"],
      ["/bounce-reason/domain", "from=2024-06-10T00:00&metrics=count_bounce"],
      ["/bounce-classification", "from=2024-06-10T00:00&metrics=count_bounce"],
    ] as const) {
      const plain = await get(fixture, `${BASE}${route}?${query}`);
      expect(plain.status, `${route}?${query}`).toBe(200);
      expect(await get(fixture, `${BASE}${route}?${query}&${extras}`), route).toEqual(plain);
    }
    for (const [route, query, param] of [
      ["/domain", `${OK}&limit=abc&utm_source=x`, "limit"],
      ["/time-series", `${OK}&precision=fortnight&utm_source=x`, "precision"],
      ["", `${OK}&timezone=Nowhere/Land&utm_source=x`, "timezone"],
    ] as const) {
      const response = await get(fixture, `${BASE}${route}?${query}`);
      expect(response).toMatchObject({ status: 400, body: { errors: [{ param }] } });
    }
  });

  test("every route needs the API key", async () => {
    for (const route of [
      "",
      "/time-series",
      "/domain",
      "/bounce-reason",
      "/bounce-reason/domain",
      "/bounce-classification",
    ]) {
      const response = await get(fixture, `${BASE}${route}?${OK}`, "wrong-key");
      expect(response).toMatchObject({ status: 401, body: { errors: [{ message: "Unauthorized." }] } });
    }
  });

  test("answers 405 to other methods and 404 to routes it does not serve", async () => {
    const post = await handleQuery(
      { method: "POST", path: BASE, rawQuery: OK, headers: { authorization: API_KEY }, body: new Uint8Array() },
      fixture.deps,
    );
    expect(post.status).toBe(405);
    for (const route of ["/watched-domain", "/link-name", "/attempt", "/nope"]) {
      const response = await get(fixture, `${BASE}${route}?${OK}`);
      expect(response.status).toBe(404);
    }
  });

  test("accepts a trailing slash like the other routes", async () => {
    const response = await get(fixture, `${BASE}/?${OK}`);
    expect(response).toMatchObject({ status: 200, body: { results: [{ count_injected: 0 }] } });
  });
});

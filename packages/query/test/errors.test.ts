import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { handleQuery } from "../src/handler.ts";
import { API_KEY, get, type QueryFixture, startQueryFixture } from "./support.ts";

let fixture: QueryFixture;

beforeAll(async () => {
  fixture = await startQueryFixture();
});

afterAll(() => fixture?.close());

const SEARCH = "/api/v1/events/message";

describe("bad input is a 400 naming the parameter", () => {
  const dateHelp = "must be a UTC time in the format YYYY-MM-DDTHH:MM:ssZ, e.g. 2024-05-01T08:00:00Z";
  const cases: [string, string, { message: string; description: string; param?: string }][] = [
    [
      "an unparseable from",
      "from=yesterday",
      { message: "invalid date", description: `'from' ${dateHelp}`, param: "from" },
    ],
    [
      "an impossible to",
      "to=2024-02-30T00:00:00Z",
      { message: "invalid date", description: `'to' ${dateHelp}`, param: "to" },
    ],
    [
      "from equal to to",
      "from=2024-06-01T00:00:00Z&to=2024-06-01T00:00:00Z",
      { message: "invalid date range", description: "'from' must be before 'to'", param: "from" },
    ],
    [
      "from after to",
      "from=2024-06-02T00:00:00Z&to=2024-06-01T00:00:00Z",
      { message: "invalid date range", description: "'from' must be before 'to'", param: "from" },
    ],
    ...["0", "10001", "ten", "1.5", ""].map(
      (value): [string, string, { message: string; description: string; param: string }] => [
        `per_page=${value}`,
        `per_page=${value}`,
        {
          message: "invalid parameter",
          description: "'per_page' must be an integer from 1 to 10000",
          param: "per_page",
        },
      ],
    ),
    [
      "ab_test_versions without ab_tests",
      "ab_test_versions=1",
      {
        message: "required field is missing",
        description: "'ab_tests' is required with 'ab_test_versions'",
        param: "ab_tests",
      },
    ],
    [
      "a filter under the retired Message Events API's name",
      "campaign_ids=x",
      {
        message: "unsupported parameter",
        description: "'campaign_ids' is not a parameter of this endpoint; use 'campaigns'",
        param: "campaign_ids",
      },
    ],
    [
      "a time zone (the window's times carry their own offset)",
      "timezone=America/New_York",
      {
        message: "unsupported parameter",
        description:
          "'timezone' is not a parameter of this endpoint; 'from' and 'to' are UTC unless they carry an offset (e.g. 2024-06-01T00:00:00-04:00)",
        param: "timezone",
      },
    ],
    [
      "a repeated parameter",
      "events=bounce&events=delivery",
      {
        message: "repeated parameter",
        description: "'events' is given more than once; give it once and separate several values with the delimiter",
        param: "events",
      },
    ],
    [
      "a malformed cursor",
      "cursor=WycyMDE4LTExLTA1VDIyOjQ1OjM5LjAwMFonLCAnc3BjLTM4MTQ1MjY3MjMyNTA2NTEwJ10=",
      {
        message: "invalid cursor",
        description: "the cursor is malformed or was altered; use 'initial' or the cursor from links.next",
        param: "cursor",
      },
    ],
    [
      "an unknown event type",
      "events=bounce,bogus",
      { message: "invalid parameter", description: "'bogus' is not an event type", param: "events" },
    ],
    [
      "a non-integer subaccount",
      "subaccounts=1,abc",
      {
        message: "invalid parameter",
        description: "'subaccounts' must be a list of integers; 'abc' is not one",
        param: "subaccounts",
      },
    ],
    [
      "a non-integer bounce class",
      "bounce_classes=10.5",
      {
        message: "invalid parameter",
        description: "'bounce_classes' must be a list of integers; '10.5' is not one",
        param: "bounce_classes",
      },
    ],
    [
      "a metadata filter without '='",
      "rcpt_meta=plan",
      {
        message: "invalid parameter",
        description: "'rcpt_meta' takes key=value pairs; 'plan' is not one",
        param: "rcpt_meta",
      },
    ],
    [
      "a keyword with no keyword in it",
      "campaigns=--",
      { message: "invalid parameter", description: "'--' contains no keyword to search for", param: "campaigns" },
    ],
    [
      "a domain keyword of periods only",
      "recipient_domains=..",
      {
        message: "invalid parameter",
        description: "'..' contains no keyword to search for",
        param: "recipient_domains",
      },
    ],
    [
      "broken percent-encoding",
      "subjects=%E0%A4%A",
      { message: "invalid parameter", description: "the value is not valid percent-encoding", param: "subjects" },
    ],
    [
      "an empty delimiter",
      "delimiter=",
      { message: "invalid parameter", description: "'delimiter' must be 1 to 8 characters", param: "delimiter" },
    ],
  ];
  test.each(cases)("%s", async (_name, query, error) => {
    const response = await get(fixture, `${SEARCH}?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [error] });
  });

  test("a URI longer than 4096 characters", async () => {
    const keyword = "a".repeat(4096 - SEARCH.length - "?campaigns=".length);
    const query = `campaigns=${keyword}a`;
    const response = await get(fixture, `${SEARCH}?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { message: "URI too long", description: "the request URI must be at most 4096 characters; it has 4097" },
      ],
    });
    const atLimit = await get(fixture, `${SEARCH}?campaigns=${keyword}`);
    expect(atLimit.status).toBe(200);
  });
});

describe("parameters the endpoints do not take", () => {
  test("are ignored by the Events API, as SparkPost's API conventions say", async () => {
    const window = "from=2024-06-01T00:00:00Z&to=2024-06-02T00:00:00Z&per_page=1";
    const plain = await get(fixture, `${SEARCH}?${window}`);
    const tagged = await get(fixture, `${SEARCH}?${window}&utm_source=newsletter&Events=bogus`);
    expect(tagged).toMatchObject({ status: 200, body: { total_count: plain.body.total_count } });
    expect(tagged.body.results).toEqual(plain.body.results);
  });

  test("are ignored by the retired Message Events API, except the Events API's filter names", async () => {
    const window = "from=2024-06-01T00:00&to=2024-06-02T00:00";
    const plain = await get(fixture, `/api/v1/message-events?${window}`);
    expect(await get(fixture, `/api/v1/message-events?${window}&utm_source=x`)).toMatchObject({
      status: 200,
      body: { total_count: plain.body.total_count },
    });
    expect((await get(fixture, `/api/v1/message-events?${window}&campaigns=x`)).body).toEqual({
      errors: [
        {
          message: "unsupported parameter",
          description: "'campaigns' is not a parameter of this endpoint; use 'campaign_ids'",
          param: "campaigns",
        },
      ],
    });
    expect((await get(fixture, `/api/v1/message-events?${window}&recipient_domains=x`)).body).toEqual({
      errors: [
        {
          message: "unsupported parameter",
          description:
            "'recipient_domains' is not a parameter of this endpoint; it is a filter of the Events API, /api/v1/events/message",
          param: "recipient_domains",
        },
      ],
    });
  });
});

describe("authentication", () => {
  const unauthorized = { errors: [{ message: "Unauthorized." }] };

  test("accepts the key as the raw Authorization header", async () => {
    expect((await get(fixture, SEARCH, API_KEY)).status).toBe(200);
  });

  test("accepts the key as Basic credentials with an empty password", async () => {
    const basic = `Basic ${Buffer.from(`${API_KEY}:`).toString("base64")}`;
    expect((await get(fixture, SEARCH, basic)).status).toBe(200);
  });

  test.each([
    ["no Authorization header", null],
    ["a wrong key", "wrong-key-0123456789"],
    ["a prefix of the key", API_KEY.slice(0, -1)],
    ["the key with more after it", `${API_KEY}x`],
    ["wrong Basic credentials", `Basic ${Buffer.from("wrong:").toString("base64")}`],
    ["empty Basic credentials", `Basic ${Buffer.from(":").toString("base64")}`],
  ])("refuses %s with 401", async (_name, authorization) => {
    const response = await get(fixture, SEARCH, authorization);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(unauthorized);
  });

  test("checks the key before the parameters", async () => {
    const response = await get(fixture, `${SEARCH}?from=nonsense`, "wrong-key-0123456789");
    expect(response.status).toBe(401);
  });
});

describe("routing", () => {
  test("other paths are 404", async () => {
    const response = await get(fixture, "/api/v1/events/ingest");
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      errors: [{ message: "resource not found", description: "no route matches this path" }],
    });
  });

  test("methods other than GET are 405", async () => {
    const response = await handleQuery(
      { method: "POST", path: SEARCH, rawQuery: "", headers: { authorization: API_KEY }, body: new Uint8Array() },
      fixture.deps,
    );
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("GET");
    expect(JSON.parse(response.body)).toEqual({ errors: [{ message: "method not allowed", description: "use GET" }] });
  });
});

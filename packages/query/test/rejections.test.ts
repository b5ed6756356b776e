import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { encodeCursor } from "../src/cursor.ts";
import { get, type QueryFixture, startQueryFixture } from "./support.ts";

let fixture: QueryFixture;

const NOW = new Date("2024-06-30T12:00:00Z");
const REJECTIONS = "/api/v1/rejections";

interface StoredBatch {
  id: string;
  receivedAt: string;
  rejections: { index: number; reason: string }[];
}

const BATCHES: StoredBatch[] = [
  {
    id: "batch-newest",
    receivedAt: "2024-06-30T11:00:00.000Z",
    rejections: [
      { index: 0, reason: "record is not an object" },
      { index: 4, reason: "no msys envelope" },
    ],
  },
  { id: "batch-middle-b", receivedAt: "2024-06-29T08:00:00.000Z", rejections: [{ index: 2, reason: "no event type" }] },
  // Same receipt time as the one above: the batch id orders them.
  { id: "batch-middle-a", receivedAt: "2024-06-29T08:00:00.000Z", rejections: [{ index: 7, reason: "no timestamp" }] },
  { id: "batch-clean", receivedAt: "2024-06-28T08:00:00.000Z", rejections: [] },
  { id: "batch-old", receivedAt: "2024-06-20T08:00:00.000Z", rejections: [{ index: 1, reason: "old rejection" }] },
];

beforeAll(async () => {
  fixture = await startQueryFixture(NOW);
  for (const batch of BATCHES) {
    await fixture.pool.query(
      `INSERT INTO batches (batch_id, object_key, received_at, loaded_at, status, records_rejected, rejections)
       VALUES ($1, $2, $3, $3::timestamptz + interval '2 seconds', 'loaded', $4, $5::jsonb)`,
      [
        batch.id,
        `batches/${batch.receivedAt.slice(0, 10).replaceAll("-", "/")}/${batch.id}.json`,
        batch.receivedAt,
        batch.rejections.length,
        batch.rejections.length > 0 ? JSON.stringify(batch.rejections) : null,
      ],
    );
  }
});

afterAll(() => fixture?.close());

const listed = (response: Awaited<ReturnType<typeof get>>) =>
  (response.body.results ?? []).map((result) => `${result.batch_id}#${result.index}`);

describe("GET /api/v1/rejections", () => {
  test("lists every refused record of the last 7 days with its reason, newest batch first", async () => {
    const response = await get(fixture, REJECTIONS);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      results: [
        {
          batch_id: "batch-newest",
          received_at: "2024-06-30T11:00:00.000Z",
          loaded_at: "2024-06-30T11:00:02.000Z",
          index: 0,
          reason: "record is not an object",
        },
        {
          batch_id: "batch-newest",
          received_at: "2024-06-30T11:00:00.000Z",
          loaded_at: "2024-06-30T11:00:02.000Z",
          index: 4,
          reason: "no msys envelope",
        },
        {
          batch_id: "batch-middle-b",
          received_at: "2024-06-29T08:00:00.000Z",
          loaded_at: "2024-06-29T08:00:02.000Z",
          index: 2,
          reason: "no event type",
        },
        {
          batch_id: "batch-middle-a",
          received_at: "2024-06-29T08:00:00.000Z",
          loaded_at: "2024-06-29T08:00:02.000Z",
          index: 7,
          reason: "no timestamp",
        },
      ],
      total_count: 4,
      links: {},
    });
  });

  test("from and to choose the batches by receipt time, to exclusive", async () => {
    const response = await get(fixture, `${REJECTIONS}?from=2024-06-01T00:00:00Z&to=2024-06-29T08:00:00Z`);
    expect(listed(response)).toEqual(["batch-old#1"]);
    expect(response.body.total_count).toBe(1);
  });

  test("per_page pages through the list with links.next, each record once", async () => {
    const seen: string[] = [];
    let next: string | undefined = `${REJECTIONS}?per_page=2&from=2024-06-01T00:00:00Z`;
    const totals: unknown[] = [];
    while (next) {
      const response = await get(fixture, next);
      expect(response.status).toBe(200);
      seen.push(...listed(response));
      totals.push(response.body.total_count);
      next = (response.body.links as { next?: string }).next;
    }
    expect(seen).toEqual(["batch-newest#0", "batch-newest#4", "batch-middle-b#2", "batch-middle-a#7", "batch-old#1"]);
    expect(totals).toEqual([5, 5, 5]);
  });

  test("without the API key, or with another, it answers the API's 401", async () => {
    for (const authorization of [null, "wrong-key"]) {
      const response = await get(fixture, REJECTIONS, authorization);
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe('Basic realm="msgevents"');
      expect(response.body).toEqual({ errors: [{ message: "Unauthorized." }] });
    }
  });

  const dateHelp = "must be a UTC time in the format YYYY-MM-DDTHH:MM:ssZ, e.g. 2024-05-01T08:00:00Z";
  const perPageError = {
    message: "invalid parameter",
    description: "'per_page' must be an integer from 1 to 1000",
    param: "per_page",
  };
  test.each([
    ["per_page=0", perPageError],
    ["per_page=1001", perPageError],
    ["per_page=ten", perPageError],
    ["per_page=", perPageError],
    ["from=yesterday", { message: "invalid date", description: `'from' ${dateHelp}`, param: "from" }],
    ["to=2024-02-30T00:00:00Z", { message: "invalid date", description: `'to' ${dateHelp}`, param: "to" }],
    [
      "from=2024-06-02T00:00:00Z&to=2024-06-01T00:00:00Z",
      { message: "invalid date range", description: "'from' must be before 'to'", param: "from" },
    ],
    [
      "events=bounce",
      { message: "unknown parameter", description: "'events' is not a parameter of this endpoint", param: "events" },
    ],
    [
      "cursor=bm90LWEtY3Vyc29y.AAAAAAAAAAAAAAAAAAAAAA",
      {
        message: "invalid cursor",
        description: "the cursor is malformed or was altered; use 'initial' or the cursor from links.next",
        param: "cursor",
      },
    ],
  ])("%s is a 400 naming the parameter", async (query, error) => {
    const response = await get(fixture, `${REJECTIONS}?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [error] });
  });

  test("a cursor of the events search, or an altered one, is refused", async () => {
    const page = await get(fixture, `${REJECTIONS}?per_page=1`);
    const next = (page.body.links as { next?: string }).next ?? "";
    const cursor = new URLSearchParams(next.split("?")[1]).get("cursor") ?? "";
    expect(cursor).toMatch(/\./);
    const [body, signature = ""] = cursor.split(".");
    const altered = `${body}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    const eventsCursor = encodeCursor(
      { eventTime: new Date("2024-06-30T11:00:00Z"), eventId: "1", type: "delivery" },
      fixture.deps.cursorKey,
    );
    for (const refused of [altered, eventsCursor]) {
      const response = await get(fixture, `${REJECTIONS}?per_page=1&cursor=${encodeURIComponent(refused)}`);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([expect.objectContaining({ message: "invalid cursor", param: "cursor" })]);
    }
    expect((await get(fixture, `${REJECTIONS}?per_page=1&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);
  });
});

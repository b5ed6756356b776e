import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { get, type QueryFixture, startQueryFixture } from "./support.ts";

let fixture: QueryFixture;
const BATCHES = "/api/v1/batches";

beforeAll(async () => {
  fixture = await startQueryFixture();
  await fixture.pool.query(
    `INSERT INTO batches (batch_id, object_key, received_at, loaded_at, status, events_loaded, events_duplicate,
       records_rejected, attempts, last_error)
     VALUES ('b-loaded', 'batches/2024/06/30/b-loaded.json', '2024-06-30T10:00:00Z', '2024-06-30T10:00:01Z', 'loaded',
             25, 2, 1, 1, NULL),
            ('b-failed', 'batches/2024/06/30/b-failed.json', '2024-06-30T10:00:00Z', NULL, 'failed', 0, 0, 0, 3,
             'the stored object does not exist'),
            ('b-pending', 'batches/2024/06/30/b-pending.json', '2024-06-30T10:00:00Z', NULL, 'pending', 0, 0, 0, 1, NULL)`,
  );
});

afterAll(() => fixture?.close());

describe("GET /api/v1/batches: what the loader made of each batch", () => {
  test("gives the loader's counts, failures and pending batches; an id it has not seen is absent", async () => {
    const answer = await get(fixture, `${BATCHES}?batch_ids=b-loaded,b-failed,b-pending,never-seen`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      results: [
        {
          batch_id: "b-failed",
          status: "failed",
          received_at: "2024-06-30T10:00:00.000Z",
          loaded_at: null,
          events_loaded: 0,
          events_duplicate: 0,
          records_rejected: 0,
          attempts: 3,
          last_error: "the stored object does not exist",
        },
        {
          batch_id: "b-loaded",
          status: "loaded",
          received_at: "2024-06-30T10:00:00.000Z",
          loaded_at: "2024-06-30T10:00:01.000Z",
          events_loaded: 25,
          events_duplicate: 2,
          records_rejected: 1,
          attempts: 1,
          last_error: null,
        },
        expect.objectContaining({ batch_id: "b-pending", status: "pending" }),
      ],
    });
  });

  test("needs the API key, at least one id and at most 100", async () => {
    expect((await get(fixture, `${BATCHES}?batch_ids=b-loaded`, null)).status).toBe(401);
    expect((await get(fixture, BATCHES)).body).toMatchObject({ errors: [{ param: "batch_ids" }] });
    const many = Array.from({ length: 101 }, (_, index) => `b-${index}`).join(",");
    const tooMany = await get(fixture, `${BATCHES}?batch_ids=${many}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ errors: [{ description: "'batch_ids' takes at most 100 ids" }] });
  });
});

import { afterAll, beforeAll, expect, test } from "vitest";
import { isContentRejectedByDatabase, isRetryableAtOnce } from "../src/errors.ts";
import { type LoaderFixture, startLoaderFixture } from "./support/fixture.ts";

let fixture: LoaderFixture;
beforeAll(async () => {
  fixture = await startLoaderFixture();
});
afterAll(async () => {
  await fixture?.close();
});

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => {
      throw new Error("expected an error");
    },
    (error: unknown) => error,
  );
}

test("a value PostgreSQL refuses is a content error, never retried at once", async () => {
  const error = await errorOf(() => fixture.pool.query("SELECT 'not a number'::int"));

  expect(isContentRejectedByDatabase(error)).toBe(true);
  expect(isRetryableAtOnce(error)).toBe(false);
});

test("a connection the server ended is retried at once and is not a content error", async () => {
  const client = fixture.db.client();
  await client.connect();
  const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
  await fixture.pool.query("SELECT pg_terminate_backend($1)", [pid]);

  const error = await errorOf(() => client.query("SELECT 1"));
  await client.end().catch(() => {});

  expect(isRetryableAtOnce(error)).toBe(true);
  expect(isContentRejectedByDatabase(error)).toBe(false);
});

test("a refused connection (database down) is left to SQS redelivery", async () => {
  const client = fixture.db.client({
    connectionString: "postgres://nobody@127.0.0.1:1/none",
    connectionTimeoutMillis: 5_000,
  });

  const error = await errorOf(() => client.connect());

  expect(isRetryableAtOnce(error)).toBe(false);
  expect(isContentRejectedByDatabase(error)).toBe(false);
});

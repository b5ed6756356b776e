import { expect, test } from "vitest";
import { deriveCursorKey, loadQueryConfig } from "./env.ts";

const base = { DATABASE_URL: "postgres://localhost/msgevents", MSGEVENTS_API_KEY: "key-0123456789" };

test("the cursor key derives from the API key unless a cursor secret is set", () => {
  expect(loadQueryConfig(base).cursorKey).toEqual(deriveCursorKey("key-0123456789"));
  const secret = "cursor-secret-0123456789";
  expect(loadQueryConfig({ ...base, MSGEVENTS_CURSOR_SECRET: secret }).cursorKey).toEqual(deriveCursorKey(secret));
});

test("defaults keep the pool small", () => {
  expect(loadQueryConfig(base)).toMatchObject({ poolMax: 2, statementTimeoutMs: 15_000 });
});

test("a missing API key is a configuration error", () => {
  expect(() => loadQueryConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(/MSGEVENTS_API_KEY/);
});

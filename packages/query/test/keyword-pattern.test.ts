import { migrate } from "@msgevents/schema";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { keywordPattern } from "../src/search/keyword-pattern.ts";

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await startTestDatabase();
  pool = database.pool({ max: 1 });
  await migrate(pool);
});

afterAll(async () => {
  await pool?.end();
  await database?.close();
});

const VALUES = [
  "Summer deals are here!",
  "summer-deals_are  here",
  "  leading and trailing--",
  "5.4.7 Example text",
  "550 5.1.1 <bob@example.com>: Recipient address rejected",
  "mail.yahoo.com",
  "yahoo.co.uk",
  "com.example",
  "info.example.com",
  "Price: $5 (net) [approx] {x} a|b c++ ^up^ back\\slash",
  "tab\tseparated\nand newline",
  "ÉTÉ À Paris – déjà vu",
  "İstanbul ΣΊΣΥΦΟΣ",
  "my_other_email",
  "admin_notify",
  "administrators",
  "blackfriday-specials",
  "",
  "---",
];

const SEARCHES = [
  "deals are",
  "are deals",
  "here!",
  "here",
  "5.4.7",
  "5.1.1",
  "<bob@example.com>:",
  "yahoo",
  "yahoo.com",
  "example.com",
  "com.example",
  "$5",
  "(net) [approx]",
  "{x}",
  "a|b",
  "c++",
  "^up^",
  "back\\slash",
  "separated and",
  "été à",
  "déjà vu",
  "istanbul",
  "σίσυφος",
  "email",
  "admin",
  "blackfriday",
  "friday",
  "trailing",
  "leading and",
];

/** A deterministic mix of letters, delimiters and regex metacharacters. */
function randomTexts(count: number, seed: number): string[] {
  const alphabet = ["a", "b", "A", ".", "-", "_", " ", "\t", "$", "(", ")", "*", "+", "?", "|", "\\", "[", "]", "é"];
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + (next() % 9) }, () => alphabet[next() % alphabet.length]).join(""),
  );
}

/** Pairs where the regex and msgevents_has_keywords disagree (both evaluated by PostgreSQL). */
async function disagreements(values: string[], searches: string[], splitPeriods: boolean) {
  const phrases = await pool.query<{ search: string; phrase: string }>(
    "SELECT search, msgevents_keyword_phrase(search, $2) AS phrase FROM unnest($1::text[]) AS search",
    [searches, splitPeriods],
  );
  const withKeywords = phrases.rows.filter((row) => row.phrase.trim().length > 0);
  const patterns = withKeywords.map((row) => keywordPattern([row.phrase], splitPeriods) ?? "");
  const result = await pool.query<{ value: string; search: string; expected: boolean; actual: boolean }>(
    `SELECT v.value, s.search,
            msgevents_has_keywords(v.value, $4, s.phrase) AS expected,
            lower(v.value) ~ s.pattern AS actual
     FROM unnest($1::text[]) AS v (value)
     CROSS JOIN unnest($2::text[], $3::text[], $5::text[]) AS s (search, phrase, pattern)`,
    [values, withKeywords.map((row) => row.search), withKeywords.map((row) => row.phrase), splitPeriods, patterns],
  );
  return {
    checked: result.rows.length,
    matched: result.rows.filter((row) => row.expected).length,
    wrong: result.rows.filter((row) => row.expected !== row.actual),
  };
}

describe("the keyword re-check pattern", () => {
  test.each([false, true])("agrees with msgevents_has_keywords (periods split: %s)", async (splitPeriods) => {
    const { checked, matched, wrong } = await disagreements(VALUES, SEARCHES, splitPeriods);
    expect(checked).toBeGreaterThan(400);
    expect(matched).toBeGreaterThan(20);
    expect(wrong).toEqual([]);
  });

  test.each([false, true])(
    "agrees on generated texts full of delimiters and metacharacters (periods split: %s)",
    async (splitPeriods) => {
      const texts = randomTexts(300, splitPeriods ? 11 : 7);
      const { checked, matched, wrong } = await disagreements(texts, texts.slice(0, 120), splitPeriods);
      expect(checked).toBeGreaterThan(10_000);
      expect(matched).toBeGreaterThan(100);
      expect(wrong).toEqual([]);
    },
  );

  test("matches any of several phrases, and nothing without a keyword", async () => {
    const pattern = keywordPattern([" deals are ", " friday "], false) ?? "";
    const rows = await pool.query<{ value: string; matches: boolean }>(
      "SELECT value, lower(value) ~ $2 AS matches FROM unnest($1::text[]) AS value",
      [["Summer deals are here", "Black Friday", "are deals", "fridays"], pattern],
    );
    expect(rows.rows.map((row) => row.matches)).toEqual([true, true, false, false]);
    expect(keywordPattern(["  ", ""], false)).toBeUndefined();
  });
});

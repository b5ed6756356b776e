import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { normalizeBatch } from "../src/index.ts";
import { SEARCH_COUNTS_BY_QUARTER, SEARCH_COUNTS_RECOUNTED } from "../src/testing/search-counts.ts";
import { encodingCorpus } from "./encoding-corpus.ts";
import { functionDefinition, type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// Migrations 0019 and 0033 rewrote msgevents_counted_tokens (the tokens search_token_counts counts each event under)
// for speed; 0033 also made the search counts trigger read them from msgevents_search_token_set. The counts stored
// before stay exact only if every event gets the same tokens as under 0010's definition: this test creates 0010's and
// 0019's definitions beside them, each in a schema of its own, and compares.

const ARGUMENTS = `recipient_domain, friendly_from, sending_domain, subject, campaign_id, template_id, ip_pool, sending_ip,
  reason, mailbox_provider, mailbox_provider_region, ab_test_id, subaccount_id, bounce_class, type, payload`;

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
  const client = await db.pool.connect();
  try {
    // SQL-standard bodies bind the functions they call when created: these bind to each other in before_0019.
    await client.query("CREATE SCHEMA before_0019");
    await client.query("SET search_path = before_0019");
    for (const [migration, name] of [
      ["0002_search_functions", "msgevents_keywords"],
      ["0002_search_functions", "msgevents_prefixed_keywords"],
      ["0010_search_token_counts", "msgevents_keyword_runs"],
      ["0010_search_token_counts", "msgevents_counted_tokens"],
    ] as const) {
      await client.query(await functionDefinition(migration, name));
    }
    await client.query("CREATE SCHEMA before_0033");
    await client.query("SET search_path = before_0033");
    await client.query(await functionDefinition("0019_faster_load_triggers", "msgevents_counted_tokens"));
  } finally {
    await client.query("RESET search_path");
    client.release();
  }
});
afterAll(() => db?.close());

/** Rows of `source` (with the events columns the functions read) whose tokens differ between the two definitions. */
async function differences(source: string): Promise<{ compared: number; differing: unknown[]; tokens: number }> {
  const result = await db.pool.query<{ before: string[]; after: string[] }>(
    `SELECT ARRAY(SELECT t FROM unnest(before_0019.msgevents_counted_tokens(${ARGUMENTS})) AS t ORDER BY t) AS before,
            ARRAY(SELECT t FROM unnest(public.msgevents_counted_tokens(${ARGUMENTS})) AS t ORDER BY t) AS after
     FROM ${source}`,
  );
  return {
    compared: result.rows.length,
    differing: result.rows.filter((row) => JSON.stringify(row.before) !== JSON.stringify(row.after)),
    tokens: result.rows.reduce((sum, row) => sum + row.before.length, 0),
  };
}

describe("msgevents_counted_tokens after migrations 0019 and 0033", () => {
  test("returns 0010's tokens for the samples of every type, the generator's realistic and lean events and unusual records", async () => {
    const corpus = normalizeBatch(encodingCorpus()).events;
    await storeEvents(db.pool, corpus);

    const { compared, differing, tokens } = await differences("events");

    expect(compared).toBe(corpus.length);
    // Enough tokens that a difference would show: every event has at least '*' and its type.
    expect(tokens).toBeGreaterThan(compared * 10);
    expect(differing).toEqual([]);
  });

  test("returns 0010's tokens for values that are empty, only delimiters, long, mixed-case or in the payload only", async () => {
    const odd = [
      { domain: null, text: null, payload: null },
      { domain: "", text: "", payload: { subject: "" } },
      { domain: "...", text: " - _ ", payload: {} },
      { domain: ".Mail.Example.COM.", text: "_Spring-Sale_ 2024 ", payload: null },
      { domain: "a-b_c d.e\tf", text: "Tab\tand\nnewline", payload: null },
      { domain: "ÜBER.Straße.de", text: "Ünïcödé Ｗｉｄｅ", payload: null },
      { domain: `${"x".repeat(150)}.${"y".repeat(150)}.com`, text: "z".repeat(250), payload: null },
      {
        domain: null,
        text: null,
        payload: {
          recipient_domain: "Overlong.Example",
          sending_domain: "mail.sender.example",
          subject: "From the Payload",
          campaign_id: "payload-campaign",
          friendly_from: "Payload <p@Example.com>",
          sending_ip: "10.0.0.1",
        },
      },
    ];
    await db.pool.query(
      `CREATE TABLE odd_values AS
       SELECT c.domain AS recipient_domain, c.text AS friendly_from, c.domain AS sending_domain, c.text AS subject,
              c.text AS campaign_id, c.text AS template_id, c.text AS ip_pool, c.text AS sending_ip, c.text AS reason,
              c.text AS mailbox_provider, c.text AS mailbox_provider_region, c.text AS ab_test_id,
              c.subaccount_id, c.bounce_class::smallint, c.type, c.payload
       FROM jsonb_to_recordset($1::jsonb) AS c(domain text, text text, payload jsonb, subaccount_id integer,
         bounce_class integer, type text)`,
      [
        JSON.stringify(
          odd.map((row, index) => ({ ...row, subaccount_id: index, bounce_class: 10 * index, type: "x" })),
        ),
      ],
    );

    const { compared, differing } = await differences("odd_values");

    expect(compared).toBe(odd.length);
    expect(differing).toEqual([]);
  });

  test("counts a domain under every run of its keywords, and an overlong token not at all", async () => {
    const [record] = normalizeBatch([
      {
        msys: {
          message_event: {
            type: "delivery",
            event_id: "runs-1",
            timestamp: "1718000000",
            recipient_domain: "Mail.Example.com",
            subject: `short ${"w".repeat(300)}`,
          },
        },
      },
    ]).events;
    if (!record) throw new Error("the record did not normalize");
    await storeEvents(db.pool, [record], "runs");

    const result = await db.pool.query<{ tokens: string[] }>(
      `SELECT msgevents_counted_tokens(${ARGUMENTS}) AS tokens FROM events WHERE event_id = 'runs-1'`,
    );

    expect(result.rows[0]?.tokens).toEqual(
      expect.arrayContaining([
        "rd:mail",
        "rd:mail example",
        "rd:mail example com",
        "rd:example",
        "rd:example com",
        "rd:com",
      ]),
    );
    expect(result.rows[0]?.tokens).toContain("su:short");
    expect(result.rows[0]?.tokens.some((token) => token.startsWith("su:www"))).toBe(false);
  });
});

describe("the search counts trigger after migration 0033", () => {
  test("counts each stored event under the tokens of 0019's definition, once each", async () => {
    await db.pool.query("DELETE FROM events");
    await db.pool.query("TRUNCATE search_token_counts, search_token_day_counts");
    const corpus = normalizeBatch(encodingCorpus()).events;
    await storeEvents(db.pool, corpus, "trigger-counts");

    const recount = SEARCH_COUNTS_RECOUNTED.replace(
      "msgevents_counted_tokens(",
      "before_0033.msgevents_counted_tokens(",
    );
    expect(recount).not.toBe(SEARCH_COUNTS_RECOUNTED);
    const result = await db.pool.query<{ kept: string; differing: string; events: string }>(
      `WITH kept AS (${SEARCH_COUNTS_BY_QUARTER}), recounted AS (${recount})
       SELECT (SELECT count(*) FROM kept) AS kept, (SELECT sum(events) FROM kept) AS events,
              (SELECT count(*) FROM kept AS k FULL JOIN recounted AS r USING (token, bucket_start)
               WHERE k.events IS DISTINCT FROM r.events) AS differing`,
    );

    // Every event counts at least under '*', its type and its sending domain's runs.
    expect(Number(result.rows[0]?.events)).toBeGreaterThan(corpus.length * 10);
    expect(Number(result.rows[0]?.kept)).toBeGreaterThan(0);
    expect(Number(result.rows[0]?.differing)).toBe(0);
  });

  test("counts a token repeated within an event once, and none of an event's empty fields", async () => {
    await db.pool.query("TRUNCATE search_token_counts, search_token_day_counts");
    const [record] = normalizeBatch([
      {
        msys: {
          message_event: {
            type: "bounce",
            event_id: "repeats-1",
            timestamp: "1718000000",
            recipient_domain: "mail.mail.example.mail",
            subject: "Sale sale SALE - final_sale",
            campaign_id: "",
            reason: " ",
          },
        },
      },
    ]).events;
    if (!record) throw new Error("the record did not normalize");
    await storeEvents(db.pool, [record], "repeats");

    const counted = await db.pool.query<{ token: string; events: number }>(
      "SELECT token, events FROM search_token_counts ORDER BY token",
    );
    const tokens = counted.rows.map((row) => row.token);

    expect(counted.rows.every((row) => row.events === 1)).toBe(true);
    expect(tokens).toEqual(expect.arrayContaining(["su:sale", "su:final", "rd:mail", "rd:mail mail", "t=bounce"]));
    expect(tokens.filter((token) => token === "su:sale")).toHaveLength(1);
    expect(tokens.filter((token) => /^[a-z]{2}:$/.test(token))).toEqual([]);
  });
});

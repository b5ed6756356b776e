import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { normalizeBatch } from "../src/index.ts";
import { encodingCorpus } from "./encoding-corpus.ts";
import { functionDefinition, type MigratedDatabase, startMigratedDatabase, storeEvents } from "./support.ts";

// Migration 0029 rewrote msgevents_search_hashes (the search-token index's expression) in PL/pgSQL for speed. The
// index built from 0002's definition stays exact only if the new one gives the same set of hashes for every row: this
// test creates 0002's definition beside it, in a schema of its own, and compares the two as sets.

const ARGUMENTS = `rcpt_to, recipient_domain, friendly_from, sending_domain, subject, campaign_id, template_id, ip_pool,
  sending_ip, reason, mailbox_provider, mailbox_provider_region, ab_test_id, message_id, transmission_id,
  subaccount_id, bounce_class, payload`;

let db: MigratedDatabase;

beforeAll(async () => {
  db = await startMigratedDatabase();
  const client = await db.pool.connect();
  try {
    // SQL-standard bodies bind the functions they call when created: these bind to each other in before_0029.
    await client.query("CREATE SCHEMA before_0029");
    await client.query("SET search_path = before_0029");
    for (const name of [
      "msgevents_keywords",
      "msgevents_prefixed_keywords",
      "msgevents_meta_values",
      "msgevents_search_hashes",
    ]) {
      await client.query(await functionDefinition("0002_search_functions", name));
    }
  } finally {
    await client.query("RESET search_path");
    client.release();
  }
});
afterAll(() => db?.close());

/** Rows of `source` (with the events columns the function reads) whose sets of hashes differ between the two. */
async function differences(source: string): Promise<{ compared: number; differing: unknown[]; hashes: number }> {
  const result = await db.pool.query<{ before: number[]; after: number[] }>(
    `SELECT ARRAY(SELECT DISTINCT h FROM unnest(before_0029.msgevents_search_hashes(${ARGUMENTS})) AS h ORDER BY h)
              AS before,
            ARRAY(SELECT DISTINCT h FROM unnest(public.msgevents_search_hashes(${ARGUMENTS})) AS h ORDER BY h) AS after
     FROM ${source}`,
  );
  return {
    compared: result.rows.length,
    differing: result.rows.filter((row) => JSON.stringify(row.before) !== JSON.stringify(row.after)),
    hashes: result.rows.reduce((sum, row) => sum + row.before.length, 0),
  };
}

describe("msgevents_search_hashes after migration 0029", () => {
  test("gives 0002's hashes for the samples of every type, the generator's realistic and lean events and unusual records", async () => {
    const corpus = normalizeBatch(encodingCorpus()).events;
    await storeEvents(db.pool, corpus);

    const { compared, differing, hashes } = await differences("events");

    expect(compared).toBe(corpus.length);
    // Enough hashes that a difference would show: every stored event has a few exact fields at least.
    expect(hashes).toBeGreaterThan(compared * 10);
    expect(differing).toEqual([]);
  });

  test("gives 0002's hashes for empty, delimiter-only, mixed-case and payload-only values and odd metadata", async () => {
    const odd = [
      { text: null, payload: null },
      { text: "", payload: { subject: "", rcpt_meta: {}, rcpt_tags: [] } },
      { text: " - _ .", payload: { rcpt_meta: "not an object", rcpt_tags: "not an array" } },
      { text: ".Mail.Example.COM.", payload: { rcpt_meta: [1, 2], rcpt_tags: { not: "an array" } } },
      { text: "_Spring-Sale_ 2024 ", payload: null },
      { text: "Tab\tand\nnewline", payload: null },
      { text: "ÜBER.Straße.de Ｗｉｄｅ", payload: null },
      { text: `${"x".repeat(150)}.${"y".repeat(150)}`, payload: null },
      {
        text: null,
        payload: {
          rcpt_to: "Payload@Example.COM",
          recipient_domain: "Overlong.Example",
          sending_domain: "mail.sender.example",
          friendly_from: "Payload <p@Example.com>",
          subject: "From the Payload",
          campaign_id: "payload-campaign",
          sending_ip: "10.0.0.1",
          message_id: "payload-message",
          transmission_id: "payload-transmission",
          rcpt_meta: {
            plan: "pro",
            score: 5,
            ratio: 0.25,
            vip: true,
            none: null,
            nested: { a: [1, 2] },
            list: ["a", 1, false, null, { b: 1 }, ["deep"]],
            empty: "",
            "key with spaces=and equals": "value with spaces",
          },
          rcpt_tags: ["vip", "😀", 7, true, null, { a: 1 }, ["x"], "", "vip"],
        },
      },
    ];
    await db.pool.query(
      `CREATE TABLE odd_values AS
       SELECT c.text AS rcpt_to, c.text AS recipient_domain, c.text AS friendly_from, c.text AS sending_domain,
              c.text AS subject, c.text AS campaign_id, c.text AS template_id, c.text AS ip_pool, c.text AS sending_ip,
              c.text AS reason, c.text AS mailbox_provider, c.text AS mailbox_provider_region, c.text AS ab_test_id,
              c.text AS message_id, c.text AS transmission_id, c.subaccount_id, c.bounce_class::smallint, c.payload
       FROM jsonb_to_recordset($1::jsonb) AS c(text text, payload jsonb, subaccount_id integer, bounce_class integer)`,
      [
        JSON.stringify(
          odd.map((row, index) => ({
            ...row,
            subaccount_id: index === 0 ? null : index,
            bounce_class: index === 0 ? null : 10 * index,
          })),
        ),
      ],
    );

    const { compared, differing, hashes } = await differences("odd_values");

    expect(compared).toBe(odd.length);
    expect(hashes).toBeGreaterThan(odd.length * 3);
    expect(differing).toEqual([]);
  });

  test("drops the bare prefix a value that starts or ends with a delimiter yields, and nothing else", async () => {
    const { rows } = await db.pool.query<{ hashes: number[]; expected: number[] }>(
      `SELECT ARRAY(SELECT DISTINCT h FROM unnest(msgevents_search_hashes(NULL, '-mail.example.', NULL, NULL, NULL,
                NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) AS h ORDER BY h) AS hashes,
              ARRAY(SELECT hashtext(t) FROM unnest(ARRAY['rd:mail', 'rd:example']) AS t ORDER BY 1) AS expected`,
    );
    expect(rows[0]?.hashes).toEqual(rows[0]?.expected);
  });

  test("needs nothing on the search path: ANALYZE and VACUUM compute the index's expression with pg_catalog alone", async () => {
    const client = await db.pool.connect();
    try {
      await client.query("SET search_path = pg_catalog");
      const { rows } = await client.query<{ hashes: number[] }>(
        `SELECT public.msgevents_search_hashes('A@B.example', 'b.example', NULL, NULL, 'Hello there', 'spring-sale',
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'm-1', NULL, 0, NULL, '{"rcpt_meta": {"plan": "pro"}}') AS hashes`,
      );
      expect(rows[0]?.hashes.length).toBeGreaterThan(5);
    } finally {
      await client.query("RESET search_path");
      client.release();
    }
    await db.pool.query("ANALYZE events");
  });
});

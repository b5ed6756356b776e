// The query shapes the benchmark times, each through handleQuery with the query API's own pool settings, in a process
// that holds only the handler (handler-process.ts), as the query Lambda does; and beside each its baseline: the same
// count and first page as plain SQL over the time index, each filter written the obvious way (equality, or the keyword
// as a regular expression on the column), run in the same database in the same run.

import { TEXT_REFS } from "@msgevents/schema";
import type { TestDatabase } from "@msgevents/testkit";
import type pg from "pg";
import { keywordPattern } from "../src/search/keyword-pattern.ts";
import { HandlerProcess } from "./handler-process.ts";
import { printRunTimes, summarize } from "./run-times.ts";
import { KEYWORD_FIELDS, type SampleCollector } from "./samples.ts";

const API_KEY = "bench-api-key-0123456789";
const DAY = 86_400_000;

export interface ShapeResult {
  name: string;
  matches: number;
  p50: number;
  p95: number;
  /** p95 of the plain-SQL baseline, and the count it found (which must equal matches). */
  baselineP95: number;
  baselineMatches: number;
}

/** A shape's baseline: the WHERE clause after the time window, with its parameters from $3 on. */
interface Baseline {
  where: string;
  params: unknown[];
  /** Window length in days (from = now - days, to = now). */
  days: number;
  /** The page: 1000 rows from the first by default. */
  offset?: number;
  perPage?: number;
}

/**
 * The plain condition that a column's lower-cased text matches the pattern `param`: for a text the loader names by id
 * (TEXT_REFS, migration 0030), as the text in the row or the texts of event_texts its id names.
 */
function textMatches(column: string, param: string): string {
  const ref = TEXT_REFS.find((named) => named.column === column);
  if (!ref) return `lower(${column}) ~ ${param}`;
  return `(lower(${column}) ~ ${param} OR ${ref.ref} IN (SELECT id FROM event_texts WHERE field = ${ref.field} AND lower(value) ~ ${param}))`;
}

interface Shape {
  name: string;
  url: string;
  baseline: Baseline;
}

export interface ShapeOptions {
  /** The database to search; its pools are ended when it closes. */
  database: TestDatabase;
  now: Date;
  days: number;
  repeats: number;
  /** Runs of each baseline (slower, so fewer). */
  baselineRepeats: number;
  samples: SampleCollector;
}

export async function timeShapes(options: ShapeOptions): Promise<ShapeResult[]> {
  const { now, samples } = options;
  const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
  const handler = HandlerProcess.start({ databaseUrl: options.database.url, apiKey: API_KEY, now });
  const baselinePool = options.database.pool({ max: 1 });
  /** handleQuery's time and the answer's total_count and links. */
  const get = async (pathAndQuery: string) => {
    const { ms, body } = await handler.get(pathAndQuery, { summaryOnly: true });
    return { ms, ...(JSON.parse(body) as { total_count: number; links: { next?: string } }) };
  };

  try {
    const base = "/api/v1/events/message?";
    const keywordRegex = (column: string, keyword: string, domain: boolean) => ({
      where: textMatches(column, "$3"),
      params: [keywordPattern([keyword.toLowerCase()], domain)],
    });
    const shapes: Shape[] = [
      { name: "default query, no filters (24 h)", url: base, baseline: { where: "true", params: [], days: 1 } },
      {
        name: "one type over 24 h",
        url: `${base}events=delivery&from=${ago(1)}`,
        baseline: { where: "type = $3", params: ["delivery"], days: 1 },
      },
      {
        name: "one recipient over 30 days",
        url: `${base}recipients=${encodeURIComponent(samples.recipient)}&from=${ago(options.days)}`,
        baseline: { where: "lower(rcpt_to) = lower($3)", params: [samples.recipient], days: options.days },
      },
      {
        name: "one rcpt_meta value over 30 days",
        url: `${base}rcpt_meta=${encodeURIComponent(`customer_ref=${samples.customerRef}`)}&from=${ago(options.days)}`,
        baseline: {
          // In the row's payload, or (migration 0032) in the recipient payload it names by id.
          where:
            "(payload -> 'rcpt_meta' ->> 'customer_ref' = $3 OR payload_ref IN (SELECT id FROM event_payloads WHERE value -> 'rcpt_meta' ->> 'customer_ref' = $3))",
          params: [samples.customerRef],
          days: options.days,
        },
      },
      {
        name: `one campaign over 7 days (${samples.campaign})`,
        url: `${base}campaigns=${encodeURIComponent(samples.campaign)}&from=${ago(7)}`,
        baseline: { where: "campaign_id = $3", params: [samples.campaign], days: 7 },
      },
      {
        name: "keyword campaign search over 7 days (webinar)",
        url: `${base}campaigns=webinar&from=${ago(7)}`,
        baseline: { ...keywordRegex("campaign_id", "webinar", false), days: 7 },
      },
    ];
    // Filter combinations: each filter's index alone finds far more candidates than the combination matches.
    const middleSubject = samples.keywords("subject").find((sample) => sample.label === "middle");
    const commonDomain = samples.keywords("recipient_domain").find((sample) => sample.label === "common");
    if (middleSubject) {
      shapes.push({
        name: `type + keyword over 1 day (delivery, subjects=${middleSubject.keyword})`,
        url: `${base}events=delivery&subjects=${encodeURIComponent(middleSubject.keyword)}&from=${ago(1)}`,
        baseline: {
          where: `type = $3 AND ${textMatches("subject", "$4")}`,
          params: ["delivery", keywordPattern([middleSubject.keyword.toLowerCase()], false)],
          days: 1,
        },
      });
    }
    if (commonDomain) {
      shapes.push({
        name: `type + recipient domain over 7 days (bounce, recipient_domains=${commonDomain.keyword})`,
        url: `${base}events=bounce&recipient_domains=${encodeURIComponent(commonDomain.keyword)}&from=${ago(7)}`,
        baseline: {
          where: "type = $3 AND lower(recipient_domain) ~ $4",
          params: ["bounce", keywordPattern([commonDomain.keyword.toLowerCase()], true)],
          days: 7,
        },
      });
    }
    if (samples.otherCampaign) {
      shapes.push({
        name: "two campaigns over 7 days",
        url: `${base}campaigns=${encodeURIComponent(`${samples.campaign},${samples.otherCampaign}`)}&from=${ago(7)}`,
        baseline: { where: "campaign_id = ANY ($3)", params: [[samples.campaign, samples.otherCampaign]], days: 7 },
      });
    }
    shapes.push({
      name: "campaign + subaccount over 7 days (subaccount 0)",
      url: `${base}campaigns=${encodeURIComponent(samples.campaign)}&subaccounts=0&from=${ago(7)}`,
      baseline: { where: "campaign_id = $3 AND subaccount_id = 0", params: [samples.campaign], days: 7 },
    });
    for (const { parameter, field, domain } of KEYWORD_FIELDS) {
      for (const sample of samples.keywords(field)) {
        shapes.push({
          name: `${parameter}=${sample.keyword} over 1 day (${sample.label})`,
          url: `${base}${parameter}=${encodeURIComponent(sample.keyword)}&from=${ago(1)}`,
          baseline: { ...keywordRegex(field, sample.keyword, domain), days: 1 },
        });
      }
    }

    // Page 50 of a walk over the default window, 100 per page (or the last page, for small runs); timed last so that
    // the walk itself does not warm the other shapes.
    let deepPage = `${base}per_page=100`;
    let pageNumber = 1;
    for (; pageNumber < 50; pageNumber += 1) {
      const next = (await get(deepPage)).links.next;
      if (!next) break;
      deepPage = next;
    }
    shapes.push({
      name: `page ${pageNumber} of a cursor walk (100/page, 24 h)`,
      url: deepPage,
      // The same page by OFFSET, as a hand-written query pages.
      baseline: { where: "true", params: [], days: 1, offset: (pageNumber - 1) * 100, perPage: 100 },
    });

    const results: ShapeResult[] = [];
    for (const shape of shapes) {
      const times: number[] = [];
      let matches = 0;
      for (let run = 0; run < options.repeats; run += 1) {
        const answer = await get(shape.url);
        matches = answer.total_count;
        times.push(answer.ms);
      }
      printRunTimes(shape.name, times);
      const baseline = await timeBaseline(baselinePool, shape.baseline, options);
      results.push({ name: shape.name, matches, ...summarize(times), ...baseline });
    }
    return results;
  } finally {
    await handler.close();
    await baselinePool.end();
  }
}

/**
 * The baseline's count, then its first page (1000 rows, or the deep page by OFFSET) serialized as JSON, on one plain
 * connection with the planner's defaults.
 */
async function timeBaseline(
  pool: pg.Pool,
  baseline: Baseline,
  options: ShapeOptions,
): Promise<{ baselineP95: number; baselineMatches: number }> {
  const to = options.now;
  const from = new Date(to.getTime() - baseline.days * DAY);
  const window = "event_time >= $1 AND event_time < $2";
  const params = [from, to, ...baseline.params];
  const times: number[] = [];
  let matches = 0;
  for (let run = 0; run < options.baselineRepeats; run += 1) {
    const started = performance.now();
    const count = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM events WHERE ${window} AND ${baseline.where}`,
      params,
    );
    const page = await pool.query(
      `SELECT * FROM events WHERE ${window} AND ${baseline.where}
       ORDER BY event_time DESC, event_id DESC, type DESC LIMIT ${baseline.perPage ?? 1000} OFFSET ${baseline.offset ?? 0}`,
      params,
    );
    // The answer as a response body, as handleQuery's time includes.
    JSON.stringify({ results: page.rows, total_count: count.rows[0]?.n });
    times.push(performance.now() - started);
    matches = Number(count.rows[0]?.n ?? 0);
  }
  return { baselineP95: summarize(times).p95, baselineMatches: matches };
}

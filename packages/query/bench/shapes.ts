// The query shapes the benchmark times, each through handleQuery with the query API's own pool settings.
import { createQueryDatabase } from "../src/database.ts";
import { deriveCursorKey } from "../src/env.ts";
import { handleQuery } from "../src/handler.ts";
import { KEYWORD_FIELDS, type SampleCollector } from "./samples.ts";

const API_KEY = "bench-api-key-0123456789";
const DAY = 86_400_000;

export interface ShapeResult {
  name: string;
  matches: number;
  p50: number;
  p95: number;
}

export interface ShapeOptions {
  url: string;
  now: Date;
  days: number;
  repeats: number;
  samples: SampleCollector;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;

export async function timeShapes(options: ShapeOptions): Promise<ShapeResult[]> {
  const { now, samples } = options;
  const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
  const cursorKey = deriveCursorKey(API_KEY);
  const query = createQueryDatabase({
    database: { connectionString: options.url, ssl: false },
    poolMax: 2,
    statementTimeoutMs: 120_000,
  });
  const deps = { db: query.db, apiKey: API_KEY, cursorKey, now: () => now };
  const get = async (pathAndQuery: string) => {
    const queryAt = pathAndQuery.indexOf("?");
    const response = await handleQuery(
      {
        method: "GET",
        path: pathAndQuery.slice(0, queryAt),
        rawQuery: pathAndQuery.slice(queryAt + 1),
        headers: { authorization: API_KEY },
        body: new Uint8Array(),
      },
      deps,
    );
    if (response.status !== 200) throw new Error(`${pathAndQuery}: ${response.status} ${response.body}`);
    return JSON.parse(response.body) as { total_count: number; links: { next?: string } };
  };

  try {
    const base = "/api/v1/events/message?";
    const shapes: [string, string][] = [
      ["default query, no filters (24 h)", base],
      ["one type over 24 h", `${base}events=delivery&from=${ago(1)}`],
      [
        "one recipient over 30 days",
        `${base}recipients=${encodeURIComponent(samples.recipient)}&from=${ago(options.days)}`,
      ],
      [
        "one rcpt_meta value over 30 days",
        `${base}rcpt_meta=${encodeURIComponent(`customer_ref=${samples.customerRef}`)}&from=${ago(options.days)}`,
      ],
      [
        `one campaign over 7 days (${samples.campaign})`,
        `${base}campaigns=${encodeURIComponent(samples.campaign)}&from=${ago(7)}`,
      ],
      ["keyword campaign search over 7 days (webinar)", `${base}campaigns=webinar&from=${ago(7)}`],
    ];
    for (const { parameter, field } of KEYWORD_FIELDS) {
      for (const sample of samples.keywords(field)) {
        shapes.push([
          `${parameter}=${sample.keyword} over 1 day (${sample.label})`,
          `${base}${parameter}=${encodeURIComponent(sample.keyword)}&from=${ago(1)}`,
        ]);
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
    shapes.push([`page ${pageNumber} of a cursor walk (100/page, 24 h)`, deepPage]);

    const results: ShapeResult[] = [];
    for (const [name, url] of shapes) {
      const times: number[] = [];
      let matches = 0;
      for (let run = 0; run < options.repeats; run += 1) {
        const started = performance.now();
        matches = (await get(url)).total_count;
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      results.push({ name, matches, p50: quantile(times, 0.5), p95: quantile(times, 0.95) });
    }
    return results;
  } finally {
    await query.pool.end();
  }
}

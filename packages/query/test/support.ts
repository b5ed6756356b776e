import type { HttpResponse } from "@msgevents/http";
import {
  encodeBodies,
  events,
  insertEvents,
  migrate,
  normalizeBatch,
  PartitionManager,
  toEventRows,
} from "@msgevents/schema";
import { storeEventsAsBefore0013 } from "@msgevents/schema/testing";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { expect } from "vitest";
import { deriveCursorKey } from "../src/env.ts";
import { handleQuery, type QueryDeps } from "../src/handler.ts";
import type { SearchDatabase } from "../src/search/snapshot.ts";

export const API_KEY = "test-api-key-0123456789";

export interface QueryFixture {
  database: TestDatabase;
  pool: pg.Pool;
  db: SearchDatabase;
  deps: QueryDeps;
  partitions: PartitionManager;
  close(): Promise<void>;
}

export async function startQueryFixture(
  now = new Date("2024-06-30T12:00:00Z"),
  migration: { migrationsFolder?: string } = {},
): Promise<QueryFixture> {
  const database = await startTestDatabase();
  const pool = database.pool({ max: 4 });
  await migrate(pool, migration);
  const db = drizzle({ client: pool });
  return {
    database,
    pool,
    db,
    partitions: new PartitionManager(pool),
    deps: { db, apiKey: API_KEY, cursorKey: deriveCursorKey(API_KEY), now: () => now },
    async close() {
      await pool.end();
      await database.close();
    },
  };
}

let sequence = 0;

/** A webhook message event with realistic fields; `fields` override or (when undefined) remove them. */
export function webhookEvent(fields: Record<string, unknown>): unknown {
  sequence += 1;
  const event: Record<string, unknown> = {
    type: "delivery",
    event_id: `9${String(sequence).padStart(16, "0")}`,
    timestamp: "2024-06-30T10:00:00.000Z",
    message_id: `msg-${sequence}`,
    transmission_id: "tx-1",
    rcpt_to: `user${sequence}@example.net`,
    friendly_from: "news@mail.shop.example",
    subject: "Plain message",
    campaign_id: "plain",
    template_id: "plain-template",
    ip_pool: "default",
    sending_ip: "10.0.0.1",
    customer_id: "1",
    subaccount_id: "0",
    mailbox_provider: "Other",
    mailbox_provider_region: "Global",
    rcpt_meta: {},
    rcpt_tags: [],
    ...fields,
  };
  for (const [key, value] of Object.entries(event)) if (value === undefined) delete event[key];
  const grouping = ["open", "click", "initial_open"].includes(String(event.type)) ? "track_event" : "message_event";
  return { msys: { [grouping]: event } };
}

/** Rows per INSERT, as a batch of that size would be. */
const INSERT_CHUNK_ROWS = 1000;

/**
 * Stores webhook records the way the loader does: normalize, ensure partitions, encode the bodies, and insert with
 * the loader's statement (subjects, senders and transmissions as ids into event_texts), in statements of at most
 * INSERT_CHUNK_ROWS rows, each committed by itself.
 */
export async function insertRecords(fixture: QueryFixture, records: unknown[]): Promise<void> {
  const { events: rows, rejected } = normalizeBatch(records);
  if (rejected.length > 0) throw new Error(`test events rejected: ${JSON.stringify(rejected)}`);
  await fixture.partitions.ensureFor(rows.map((row) => row.eventTime));
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
    const chunk = rows.slice(start, start + INSERT_CHUNK_ROWS);
    const bodies = await encodeBodies(chunk.map((row) => row.body));
    await insertEvents(fixture.pool, null, chunk, bodies);
  }
}

/**
 * Stores webhook records as the loader did before migration 0030: subjects, senders and transmissions as texts in
 * their rows (the other columns, bodies and all, as today).
 */
export async function insertRecordsAsTexts(fixture: QueryFixture, records: unknown[]): Promise<void> {
  const { events: rows, rejected } = normalizeBatch(records);
  if (rejected.length > 0) throw new Error(`test events rejected: ${JSON.stringify(rejected)}`);
  await fixture.partitions.ensureFor(rows.map((row) => row.eventTime));
  const values = await toEventRows(rows, { batchId: "test-batch", receivedAt: new Date() });
  for (let start = 0; start < values.length; start += INSERT_CHUNK_ROWS) {
    await fixture.db
      .insert(events)
      .values(values.slice(start, start + INSERT_CHUNK_ROWS))
      .onConflictDoNothing();
  }
}

/** Stores webhook records in a database of an earlier schema as that version's loader did (before event bodies). */
export async function insertLegacyRecords(fixture: { pool: pg.Pool }, records: unknown[]): Promise<void> {
  const { events: rows, rejected } = normalizeBatch(records);
  if (rejected.length > 0) throw new Error(`test events rejected: ${JSON.stringify(rejected)}`);
  await storeEventsAsBefore0013(fixture.pool, rows, { batchId: "test-batch", receivedAt: new Date() });
}

export interface JsonResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> & {
    results?: Record<string, unknown>[];
    total_count?: number;
    links?: { next?: string } | { href: string; rel: string }[];
    errors?: unknown[];
  };
}

function parse(response: HttpResponse): JsonResponse {
  return { status: response.status, headers: response.headers, body: JSON.parse(response.body) };
}

/** GET a path with query (as a client would send it) with a valid API key, another value, or none (null). */
export async function get(
  fixture: QueryFixture,
  pathAndQuery: string,
  authorization: string | null = API_KEY,
): Promise<JsonResponse> {
  const queryAt = pathAndQuery.indexOf("?");
  const response = await handleQuery(
    {
      method: "GET",
      path: queryAt === -1 ? pathAndQuery : pathAndQuery.slice(0, queryAt),
      rawQuery: queryAt === -1 ? "" : pathAndQuery.slice(queryAt + 1),
      headers: authorization === null ? {} : { authorization },
      body: new Uint8Array(),
    },
    fixture.deps,
  );
  return parse(response);
}

export function eventIdsOf(response: JsonResponse): string[] {
  return (response.body.results ?? []).map((event) => String(event.event_id));
}

/**
 * Follows links.next from the first URL to the last page, each page answered 200; returns every page's response.
 * A walk longer than `maxPages` pages fails (it would not end). `between` runs after each page.
 */
export async function walkPages(
  fixture: QueryFixture,
  first: string,
  options: { maxPages: number; between?: (page: number) => Promise<void> },
): Promise<JsonResponse[]> {
  const pages: JsonResponse[] = [];
  let url: string | undefined = first;
  while (url) {
    if (pages.length >= options.maxPages) throw new Error(`walk from ${first} does not end`);
    const response = await get(fixture, url);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    pages.push(response);
    await options.between?.(pages.length);
    url = (response.body.links as { next?: string }).next;
  }
  return pages;
}

/**
 * Walks a search page by page by cursor (`url` names the first page) and expects exactly `wanted`, the event ids in
 * answer order, over all pages, with `total_count` their number on every page.
 */
export async function expectExactWalk(fixture: QueryFixture, url: string, wanted: readonly string[]): Promise<void> {
  const pages = await walkPages(fixture, url, { maxPages: wanted.length + 1 });
  for (const page of pages) expect(page.body.total_count).toBe(wanted.length);
  expect(pages.flatMap(eventIdsOf)).toEqual(wanted);
}

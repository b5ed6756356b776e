import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { type LoaderDeps, loadBatch } from "@msgevents/loader";
import { PartitionManager } from "@msgevents/schema";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { API_KEY, get, type QueryFixture, startQueryFixture, webhookEvent } from "./support.ts";

// Searches issued while the real loader commits batch after batch. Every answer must describe one state of the
// database: a first page as long as min(total_count, per_page), never a result the count leaves out. per_page exceeds
// everything loaded, so an answer whose page and count saw different commits shows as results.length ≠ total_count.
const BATCHES = 40;
const EVENTS_PER_BATCH = 6;
const PER_PAGE = 1000;

let fixture: QueryFixture;
let storeDir: string;
let store: FileObjectStore;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  fixture = await startQueryFixture(new Date("2024-07-10T12:00:00Z"));
  storeDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-query-consistency-"));
  store = new FileObjectStore(storeDir);
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => {})));
  await fixture?.close();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

function newPool(max: number): pg.Pool {
  const pool = fixture.database.pool({ max });
  pools.push(pool);
  return pool;
}

function loaderDeps(): LoaderDeps {
  const pool = newPool(2);
  return {
    pool,
    store,
    partitions: new PartitionManager(pool),
    logger: new Logger({ serviceName: "msgevents-query-test", logLevel: "SILENT" }),
  };
}

/**
 * Lets the loader commit each batch while searches are under way: the loader waits for a round of searches to start
 * before it loads its next batch, and rounds keep coming until loading is done.
 */
class Rounds {
  private waiting: (() => void)[] = [];
  started(): void {
    for (const resume of this.waiting.splice(0)) resume();
  }
  next(): Promise<void> {
    return new Promise((resume) => this.waiting.push(resume));
  }
}

/** Stores and loads `BATCHES` batches one after the other, as the loader Lambda would receive them. */
async function loadBatchesOfDay(day: string, label: string, rounds: Rounds): Promise<void> {
  const deps = loaderDeps();
  for (let batch = 0; batch < BATCHES; batch += 1) {
    await rounds.next();
    const records = Array.from({ length: EVENTS_PER_BATCH }, (_, index) =>
      webhookEvent({
        event_id: `${label}${String(batch * EVENTS_PER_BATCH + index).padStart(6, "0")}`,
        timestamp: `${day}T${String(1 + (index % 20)).padStart(2, "0")}:00:00.000Z`,
        subject: "Your weekly digest",
        campaign_id: `${label}-digest`,
        rcpt_meta: { list: label },
      }),
    );
    const key = batchKey(`${label}${String(batch).padStart(4, "0")}`, new Date(`${day}T12:00:00Z`));
    await store.put(key, new TextEncoder().encode(JSON.stringify(records)));
    await loadBatch(key, deps);
  }
}

interface Answer {
  url: string;
  results: number;
  total: number;
}

/** Searches every shape in turn until loading is done, then once more; returns every answer. */
async function searchWhileLoading(
  poolMax: number,
  day: string,
  label: string,
  rounds: Rounds,
  loading: Promise<void>,
): Promise<Answer[]> {
  const pool = newPool(poolMax);
  const deps = { ...fixture.deps, db: drizzle({ client: pool }) };
  const next = `${day.slice(0, 8)}${String(Number(day.slice(8)) + 1).padStart(2, "0")}`;
  const window = `from=${day}T00:00:00Z&to=${next}T00:00:00Z&per_page=${PER_PAGE}`;
  const urls = [
    // No filter: page and count over the time index.
    `/api/v1/events/message?${window}`,
    // A listed campaign: values from search_values, counted first, the page placed by the counts (value-search.ts).
    `/api/v1/events/message?${window}&campaigns=${label}`,
    // A keyword over the search tokens, and a metadata value.
    `/api/v1/events/message?${window}&subjects=weekly%20digest`,
    `/api/v1/events/message?${window}&rcpt_meta=list%3D${label}`,
    // The legacy API pages by offset over the same search.
    `/api/v1/message-events?${window}&campaign_ids=${label}`,
  ];
  let done = false;
  void loading.finally(() => {
    done = true;
  });
  const answers: Answer[] = [];
  const searchAll = async () => {
    rounds.started();
    for (const url of urls) {
      const response = await get({ ...fixture, deps }, url, API_KEY);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      answers.push({ url, results: response.body.results?.length ?? -1, total: response.body.total_count ?? -1 });
    }
  };
  while (!done) await searchAll();
  await loading;
  await searchAll();
  return answers;
}

function inconsistent(answers: Answer[]): Answer[] {
  return answers.filter((answer) => answer.results !== Math.min(answer.total, PER_PAGE));
}

describe("a search while batches load", () => {
  test.each([
    [2, "2024-07-01", "pair"],
    [1, "2024-07-02", "single"],
  ])("answers from one snapshot with a pool of %i connection(s)", async (poolMax, day, label) => {
    const rounds = new Rounds();
    const loading = loadBatchesOfDay(day, label, rounds);
    const answers = await searchWhileLoading(poolMax, day, label, rounds, loading);

    expect(inconsistent(answers)).toEqual([]);
    // Every batch was committed during a round of searches (round k starts after batch k-1 and before batch k+1),
    // and the last round saw every event.
    expect(new Set(answers.map((answer) => answer.total)).size).toBeGreaterThanOrEqual(BATCHES / 2);
    expect(answers.slice(-5).map((answer) => answer.total)).toEqual(Array(5).fill(BATCHES * EVENTS_PER_BATCH));
  });
});

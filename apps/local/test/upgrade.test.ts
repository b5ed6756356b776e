import { chmod, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { startEmbeddedPostgres } from "@msgevents/devdb";
import { migrate, normalizeBatch } from "@msgevents/schema";
import { storeEventsAsBefore0013 } from "@msgevents/schema/testing";
import { batchKey, FileObjectStore } from "@msgevents/storage";
import { connectionScope, earlierMigrations, generateEvents } from "@msgevents/testkit";
import { expect, test } from "vitest";
import { EMBEDDED_POSTGRES_PASSWORD, ensureCredentials } from "../src/credentials.ts";
import { searchEvents } from "./clients.ts";
import { makeDataRoot, startStackProcess, waitFor } from "./stack-process.ts";

const EVENTS = 600;
const WINDOW = "from=2024-06-01T00:00:00Z&to=2024-06-04T00:00:00Z";

/**
 * A data directory as the previous main left it: its credentials, its embedded PostgreSQL migrated with the
 * migrations of that time (main at 11cc0ad, up to 0007: before the Metrics API and the search counts), and events its
 * loader stored from batches kept under objects/.
 */
async function previousDataDir(dataDir: string, records: unknown[]): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) await chmod(dataDir, 0o711);
  const credentials = await ensureCredentials(dataDir, {});
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, "postgres"),
    persistent: true,
    password: credentials.env[EMBEDDED_POSTGRES_PASSWORD] ?? "",
  });
  const connections = connectionScope();
  const earlier = await earlierMigrations({ before: "0008" });
  try {
    const admin = connections.client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE DATABASE msgevents");
    await admin.end();
    const pool = connections.pool({ connectionString: server.urlFor("msgevents"), max: 2 });
    await migrate(pool, { migrationsFolder: earlier.folder });
    // As that version's loader: the raw batch stored, its events as whole jsonb payloads, the batch marked loaded.
    const store = new FileObjectStore(path.join(dataDir, "objects"));
    for (let start = 0; start < records.length; start += 100) {
      const batchId = `previous-main-${start}`;
      const receivedAt = new Date("2024-06-04T12:00:00Z");
      const key = batchKey(batchId, receivedAt);
      const batch = records.slice(start, start + 100);
      await store.put(key, new TextEncoder().encode(JSON.stringify(batch)));
      const stored = await storeEventsAsBefore0013(pool, normalizeBatch(batch).events, { batchId, receivedAt });
      await pool.query(
        `INSERT INTO batches (batch_id, object_key, received_at, loaded_at, status, events_loaded)
         VALUES ($1, $2, $3, now(), 'loaded', $4)`,
        [batchId, key, receivedAt, stored],
      );
    }
  } finally {
    await connections.end();
    await earlier.remove();
    await server.stop();
  }
}

interface Backfill {
  name: string;
  status: string;
  days_done: number;
  days_total: number;
}

async function backfills(url: string, apiKey: string): Promise<Backfill[]> {
  const response = await fetch(`${url}/health`, { headers: { authorization: apiKey } });
  return ((await response.json()) as { backfills: Backfill[] }).backfills;
}

async function deliveredInWindow(url: string, apiKey: string): Promise<number> {
  const response = await fetch(
    `${url}/api/v1/metrics/deliverability?${WINDOW.replaceAll(":00Z", "")}&metrics=count_delivered`,
    {
      headers: { authorization: apiKey },
    },
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: [{ count_delivered: number }] }).results[0].count_delivered;
}

test("npm start on a data directory of the previous main answers exactly at once and finishes its backfills in the background", async () => {
  const dataRoot = await makeDataRoot("msgevents-upgrade-");
  const dataDir = path.join(dataRoot, "data");
  const records = generateEvents(EVENTS, {
    seed: 61,
    from: new Date("2024-06-01T00:00:00Z"),
    to: new Date("2024-06-04T00:00:00Z"),
  });
  const delivered = records.filter((record) => Object.values(record.msys)[0]?.type === "delivery").length;
  try {
    await previousDataDir(dataDir, records);
    const stack = await startStackProcess(dataDir);
    try {
      const apiKey = stack.credentials.MSGEVENTS_API_KEY ?? "";
      // At once, whatever the backfills have done so far.
      expect((await searchEvents(stack.url, apiKey, `/api/v1/events/message?${WINDOW}&per_page=1`)).total_count).toBe(
        EVENTS,
      );
      expect(await deliveredInWindow(stack.url, apiKey)).toBe(delivered);
      const queued = (await backfills(stack.url, apiKey)).map(({ name, days_total }) => ({ name, days_total }));
      const conversions = new Set(["texts_by_id_0031", "payloads_by_id_0032"]);
      expect(queued.filter(({ name }) => !conversions.has(name))).toEqual([
        { name: "event_bodies_0018", days_total: 3 },
        { name: "metric_rollups", days_total: 3 },
        { name: "metric_rollups_0016", days_total: 3 },
        { name: "payload_refs_index_0032", days_total: 3 },
        { name: "rare_type_index_0021", days_total: 3 },
        { name: "search_token_counts", days_total: 3 },
        { name: "text_refs_index_0030", days_total: 3 },
      ]);

      await waitFor(
        async () => (await backfills(stack.url, apiKey)).every((backfill) => backfill.status === "done"),
        () => false,
        120_000,
        () => `the backfills did not finish:\n${stack.output().slice(-3000)}`,
      );
      expect((await searchEvents(stack.url, apiKey, `/api/v1/events/message?${WINDOW}&per_page=1`)).total_count).toBe(
        EVENTS,
      );
      expect(await deliveredInWindow(stack.url, apiKey)).toBe(delivered);
      // Queued once every day had the ids' index (the last text_refs_index_0030 day), in the same transaction.
      const textsById = (await backfills(stack.url, apiKey)).find(({ name }) => name === "texts_by_id_0031");
      expect(textsById?.days_total).toBeGreaterThanOrEqual(3);
      expect(stack.output()).toContain("backfill day filled");
      expect(await stack.terminate()).toBe(true);
    } finally {
      await stack.kill();
    }
  } finally {
    await rm(dataRoot, { recursive: true, force: true });
  }
});

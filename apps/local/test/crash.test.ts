import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { connectionScope, generateEvents } from "@msgevents/testkit";
import { expect, test } from "vitest";
import { basicAuth, postBatch, searchEvents } from "./clients.ts";
import { makeDataRoot, startStackProcess, waitFor } from "./stack-process.ts";

const BATCHES = 12;
const PER_BATCH = 350;
const RANGE = "from=2024-05-01T00:00:00Z&to=2024-07-01T00:00:00Z";

/**
 * The embedded database outlives a SIGKILLed stack (it runs in its own process group); its port is in its pid file,
 * its generated password in credentials.json.
 */
async function embeddedDatabaseUrl(dataDir: string): Promise<string> {
  const pidFile = await readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8");
  const port = pidFile.split("\n")[3]?.trim();
  const credentials = JSON.parse(await readFile(path.join(dataDir, "credentials.json"), "utf8"));
  const password = encodeURIComponent(credentials.MSGEVENTS_EMBEDDED_POSTGRES_PASSWORD);
  return `postgres://postgres:${password}@127.0.0.1:${port}/msgevents`;
}

test("batches answered 200 but not loaded when the stack is killed are loaded exactly once after a restart", async () => {
  const dataRoot = await makeDataRoot("msgevents-crash-");
  const dataDir = path.join(dataRoot, "data");
  const records = generateEvents(BATCHES * PER_BATCH, { seed: 7 });
  const eventIds = records.map((record) => String(Object.values(record.msys)[0]?.event_id));
  const connections = connectionScope();
  try {
    const first = await startStackProcess(dataDir);
    const authorization = basicAuth(
      first.credentials.MSGEVENTS_WEBHOOK_USERNAME ?? "",
      first.credentials.MSGEVENTS_WEBHOOK_PASSWORD ?? "",
    );
    // Hold the loader back: while this transaction locks `batches`, no load can commit, yet ingest answers 200.
    const blocker = connections.client({ connectionString: await embeddedDatabaseUrl(dataDir) });
    await blocker.connect();
    await blocker.query("BEGIN; LOCK TABLE batches IN ACCESS EXCLUSIVE MODE");
    for (let i = 0; i < BATCHES; i++) {
      const body = JSON.stringify(records.slice(i * PER_BATCH, (i + 1) * PER_BATCH));
      expect((await postBatch(first.url, body, authorization, `crash-batch-${i}`)).status).toBe(200);
    }
    await first.kill();
    await blocker.query("ROLLBACK");
    const loadedBeforeRestart = await blocker.query("SELECT count(*)::int AS n FROM events");
    await blocker.end();
    expect(loadedBeforeRestart.rows[0].n).toBe(0);

    const second = await startStackProcess(dataDir);
    try {
      const apiKey = second.credentials.MSGEVENTS_API_KEY ?? "";
      await waitFor(
        async () =>
          (await searchEvents(second.url, apiKey, `/api/v1/events/message?${RANGE}&per_page=1`)).total_count >=
          eventIds.length,
        () => false,
        90_000,
        () => `recovered batches were not loaded:\n${second.output().slice(-3000)}`,
      );
      const database = connections.client({ connectionString: await embeddedDatabaseUrl(dataDir) });
      await database.connect();
      try {
        const stored = await database.query<{ event_id: string }>("SELECT event_id FROM events ORDER BY event_id");
        expect(stored.rows.map((row) => row.event_id)).toEqual([...eventIds].sort());
        const batches = await database.query("SELECT count(*)::int AS n FROM batches WHERE status = 'loaded'");
        expect(batches.rows[0].n).toBe(BATCHES);
      } finally {
        await database.end();
      }
    } finally {
      expect(await second.terminate()).toBe(true);
    }
  } finally {
    await connections.end();
    await rm(dataRoot, { recursive: true, force: true });
  }
});

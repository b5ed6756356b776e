import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, postBatch } from "../../local/test/clients.ts";
import { makeDataRoot, type StackProcess, startStackProcess } from "../../local/test/stack-process.ts";
import { EXIT } from "../src/errors.ts";
import { eventually, msgevents } from "./run-cli.ts";

let stack: StackProcess;
let env: NodeJS.ProcessEnv;
let dataRoot: string;
const FROM = "2000-01-01T00:00:00Z";

beforeAll(async () => {
  dataRoot = await makeDataRoot("msgevents-forget-");
  stack = await startStackProcess(path.join(dataRoot, "data"));
  env = { MSGEVENTS_DATA_DIR: stack.dataDir };
});

afterAll(async () => {
  await stack?.terminate();
});

const seconds = Math.floor(Date.now() / 1000) - 600;
const record = (id: string, rcpt: string, offset: number) => ({
  msys: {
    message_event: {
      type: "delivery",
      event_id: id,
      timestamp: String(seconds + offset),
      rcpt_to: rcpt.toLowerCase(),
      raw_rcpt_to: rcpt,
      message_id: `m-${id}`,
      campaign_id: "winter",
      friendly_from: "news@sender.example",
    },
  },
});
const firstBatch = JSON.stringify([
  record("f-1", "Alice@Forget.example", 0),
  record("f-2", "bob@keep.example", 1),
  record("f-3", "alice@forget.example", 2),
]);
const otherBatch = JSON.stringify([record("f-4", "carol@keep.example", 3)]);

async function post(body: string, batchId: string): Promise<void> {
  const auth = basicAuth(
    String(stack.credentials.MSGEVENTS_WEBHOOK_USERNAME),
    String(stack.credentials.MSGEVENTS_WEBHOOK_PASSWORD),
  );
  const response = await postBatch(stack.url, body, auth, batchId);
  expect(response.status).toBe(200);
}

async function search(args: string[]): Promise<Record<string, unknown>[]> {
  const run = await msgevents(["events", "--all", "--format", "json", "--from", FROM, ...args], env);
  expect(run.code).toBe(EXIT.ok);
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}

/** Every stored raw batch of the stack (its "bucket" on disk), by key. */
async function rawBatches(): Promise<Map<string, string>> {
  const root = path.join(stack.dataDir, "objects");
  const found = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else found.set(path.relative(root, full), await readFile(full, "utf8"));
    }
  };
  await walk(root);
  return found;
}

describe("msgevents forget against the local stack", () => {
  it("refuses what SparkPost refuses before sending anything", async () => {
    const bad = await msgevents(["forget", "alice@forget.example", "not_an_email"], env);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('"not_an_email"');
    const none = await msgevents(["forget"], env);
    expect(none.code).toBe(EXIT.usage);
  });

  it("erases the recipient's events and raw records, keeps every other one, and says so in the audit", async () => {
    await post(firstBatch, "forget-batch-1");
    await post(otherBatch, "forget-batch-2");
    await eventually(async () => ((await search([])).length === 4 ? true : undefined), "the events to load");
    const before = await rawBatches();

    const run = await msgevents(["forget", "ALICE@forget.example", "--wait"], env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/msgevents: request \d+ saved \(1 recipient\(s\)\)/);
    expect(run.stdout).toContain("erased 2 event(s); 1 raw batch(es) held them, 1 rewritten (2 record(s) removed)");
    expect(run.stdout).toMatch(/request \d+: completed/);

    const left = await search([]);
    expect(left.map((event) => event.event_id).sort()).toEqual(["f-2", "f-4"]);
    expect(await search(["--recipients", "alice@forget.example"])).toEqual([]);
    const csv = await msgevents(["events", "--all", "--format", "csv", "--from", FROM], env);
    expect(csv.stdout.toLowerCase()).not.toContain("alice");

    const after = await rawBatches();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, text] of after) {
      expect(text.toLowerCase()).not.toContain("alice");
      if (!before.get(key)?.includes("f-1")) expect(text).toBe(before.get(key));
    }
    expect([...after.values()].join("\n")).toContain(JSON.stringify(record("f-2", "bob@keep.example", 1)));

    const metrics = await fetch(
      `${stack.url}/api/v1/metrics/deliverability/domain?from=${new Date((seconds - 3600) * 1000).toISOString().slice(0, 16)}&metrics=count_delivered`,
      { headers: { authorization: String(stack.credentials.MSGEVENTS_API_KEY) } },
    );
    expect(metrics.status).toBe(200);
    expect((await metrics.text()).toLowerCase()).not.toContain("alice");

    const status = await msgevents(["forget-status", "--recipient", "alice@forget.example", "--format", "json"], env);
    const audit = JSON.parse(status.stdout) as { status: string; events_erased: number; credential: string }[];
    expect(audit).toMatchObject([{ status: "completed", events_erased: 2 }]);
    expect(audit[0]?.credential).toMatch(/^api-key:sha256:/);
    expect(status.stdout.toLowerCase()).not.toContain("alice");
    expect(status.stdout).not.toContain(String(stack.credentials.MSGEVENTS_API_KEY));
  });

  it("a redelivery of the original batch and a replay do not bring the recipient back", async () => {
    await post(firstBatch, "forget-batch-1-redelivered");
    const replay = await msgevents(["replay", "--from", new Date(Date.now() - 86_400_000).toISOString()], env);
    expect(replay.code).toBe(EXIT.ok);
    // The redelivered batch is stored as received, loaded without Alice, then rewritten by the eraser.
    await eventually(
      async () => {
        const raw = await rawBatches();
        const redelivered = [...raw].find(([key]) => key.includes("forget-batch-1-redelivered"));
        return redelivered && !redelivered[1].toLowerCase().includes("alice") ? true : undefined;
      },
      "the redelivered batch to be rewritten",
      120_000,
    );
    expect(await search(["--recipients", "alice@forget.example"])).toEqual([]);
    expect((await search([])).length).toBe(2);
  });

  it("sends more than 1000 addresses from a file as several requests, and forwards them to SparkPost's API", async () => {
    const file = path.join(dataRoot, "addresses.txt");
    const addresses = Array.from({ length: 1001 }, (_, index) => `someone${index}@nowhere.example`);
    await writeFile(file, `# erasure requests of the week\n${addresses.join("\n")}\n\n`);
    // Any server speaking SparkPost's Data Privacy API will do as "SparkPost": the stack itself speaks it.
    const run = await msgevents(
      ["forget", "--file", file, "--sparkpost", "--sparkpost-api-url", stack.url, "--include-subaccounts"],
      { ...env, SPARKPOST_API_KEY: String(stack.credentials.MSGEVENTS_API_KEY) },
    );
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/request \d+ saved \(1000 recipient\(s\)\)/);
    expect(run.stdout).toMatch(/request \d+ saved \(1 recipient\(s\)\)/);
    expect(run.stdout.match(/SparkPost: request saved/g)).toHaveLength(2);
    const list = JSON.parse((await msgevents(["forget-status", "--format", "json"], env)).stdout) as {
      recipients: number;
      accounts: string;
    }[];
    expect(list.slice(0, 4).map((entry) => [entry.recipients, entry.accounts])).toEqual([
      [1, "all"],
      [1000, "all"],
      [1, "all"],
      [1000, "all"],
    ]);
  });
});

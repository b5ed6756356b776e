import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { generateEvents } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDataRoot, type StackProcess, startStackProcess } from "../../local/test/stack-process.ts";
import { EXIT } from "../src/errors.ts";
import { eventually, msgevents } from "./run-cli.ts";

/**
 * Backfill between two real local stacks: `source` plays SparkPost's Events API (the query API is a drop-in),
 * reached through a proxy that answers 429 and 503 on chosen requests; `target` receives the webhook batches.
 */
let source: StackProcess;
let target: StackProcess;
let proxy: http.Server;
let proxyUrl: string;
/** Requests the proxy received, and which it failed on purpose. */
const proxied: { path: string; status: number }[] = [];
const failOn = new Map<number, number>([
  [1, 429],
  [4, 503],
]);

const EVENTS = 240;
const now = Date.now();
const from = new Date(now - 3 * 3_600_000).toISOString();
const to = new Date(now).toISOString();
const records = generateEvents(EVENTS, {
  seed: 11,
  from: new Date(now - 2 * 3_600_000),
  to: new Date(now - 3_600_000),
});

function basic(stack: StackProcess): string {
  const { MSGEVENTS_WEBHOOK_USERNAME: user, MSGEVENTS_WEBHOOK_PASSWORD: password } = stack.credentials;
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

async function postWebhook(stack: StackProcess, batch: unknown[], batchId: string): Promise<void> {
  const response = await fetch(`${stack.url}/webhooks/sparkpost`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basic(stack), "x-messagesystems-batch-id": batchId },
    body: JSON.stringify(batch),
  });
  expect(response.status).toBe(200);
}

const envOf = (stack: StackProcess) => ({ MSGEVENTS_DATA_DIR: stack.dataDir, MSGEVENTS_PORT: new URL(stack.url).port });

async function storedKeys(stack: StackProcess): Promise<string[]> {
  const run = await msgevents(
    ["events", "--all", "--per-page", "1000", "--format", "ndjson", "--from", from, "--to", to],
    envOf(stack),
  );
  expect(run.code).toBe(EXIT.ok);
  return run.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const event = JSON.parse(line) as { type: string; event_id: string; timestamp: string };
      return `${event.type}/${event.event_id}/${event.timestamp}`;
    });
}

beforeAll(async () => {
  const root = await makeDataRoot("msgevents-backfill-");
  source = await startStackProcess(path.join(root, "source"));
  target = await startStackProcess(path.join(root, "target"));
  for (let start = 0; start < EVENTS; start += 80)
    await postWebhook(source, records.slice(start, start + 80), `source-${start}`);
  // The first 100 events also reached the target by webhook before the outage.
  await postWebhook(target, records.slice(0, 100), "webhook-delivered");
  await eventually(async () => ((await storedKeys(source)).length === EVENTS ? true : undefined), "the source to load");
  await eventually(async () => ((await storedKeys(target)).length === 100 ? true : undefined), "the target to load");

  proxy = http.createServer(async (req, res) => {
    const count = proxied.length + 1;
    const injected = failOn.get(count);
    if (injected) {
      proxied.push({ path: req.url ?? "", status: injected });
      res.writeHead(injected, { "content-type": "application/json", "retry-after": "0" });
      res.end(
        JSON.stringify({ errors: [{ message: injected === 429 ? "Too many requests" : "Service unavailable" }] }),
      );
      return;
    }
    const upstream = await fetch(`${source.url}${req.url}`, {
      headers: { authorization: req.headers.authorization ?? "" },
    });
    proxied.push({ path: req.url ?? "", status: upstream.status });
    res.writeHead(upstream.status, { "content-type": "application/json" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await source?.terminate();
  await target?.terminate();
});

describe("msgevents backfill from a second stack acting as SparkPost's Events API", () => {
  const args = ["backfill", "--from", from, "--to", to, "--per-page", "50"];
  const env = () => ({
    ...envOf(target),
    SPARKPOST_API_KEY: source.credentials.MSGEVENTS_API_KEY,
    SPARKPOST_API_URL: proxyUrl,
  });
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };

  it("stops at a safe point when interrupted, keeping its position", async () => {
    const interrupt = new AbortController();
    // Ctrl-C while the second source page is being fetched: the page is delivered and saved, then the run stops.
    const fetchAndInterrupt: typeof fetch = async (input, init) => {
      const pages = proxied.filter((request) => request.status === 200).length;
      if (String(input).startsWith(proxyUrl) && pages === 1) interrupt.abort();
      return fetch(input, init);
    };
    const run = await msgevents(args, env(), { fetch: fetchAndInterrupt, signal: interrupt.signal, sleep });
    expect(run.code).toBe(EXIT.interrupted);
    expect(run.stderr).toContain("backfill interrupted after page 2; run the same command again to resume");
    // The 429 on the very first request was waited out as Retry-After asked (0 s).
    expect(proxied[0]?.status).toBe(429);
    expect(delays[0]).toBe(0);
  });

  it("resumes where it stopped, waits out a 503, and delivers every event exactly once beside the webhook ones", async () => {
    const pagesBefore = proxied.filter((request) => request.status === 200).length;
    const run = await msgevents(args, env(), { sleep });
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/backfill complete \(resumed\): 5 page\(s\), 240 event\(s\)/);
    // The loader's counts over both runs: the 100 events that came by webhook were already stored.
    expect(run.stdout).toContain("loaded: 140 event(s) stored, 100 already stored (duplicates), 0 record(s) rejected");
    expect(proxied.some((request) => request.status === 503)).toBe(true);
    // Only the three remaining pages were fetched again (one of them twice, after the 503).
    expect(proxied.filter((request) => request.status === 200).length - pagesBefore).toBe(3);
    const resumedFrom = proxied.filter((request) => request.status === 200)[pagesBefore]?.path ?? "";
    expect(resumedFrom).toContain("cursor=");

    const expected = (await storedKeys(source)).sort();
    const stored = await eventually(async () => {
      const keys = await storedKeys(target);
      return keys.length >= EVENTS ? keys : undefined;
    }, "the backfilled events to load");
    // Same event ids, types and instants: none missing, none doubled (the 100 webhook events included).
    expect(stored.sort()).toEqual(expected);
  });

  it("says so when the range is already complete, and counts every event as a duplicate on --restart", async () => {
    const again = await msgevents(args, env(), { sleep });
    expect(again.code).toBe(EXIT.ok);
    expect(again.stdout).toContain("was already complete");
    const restarted = await msgevents([...args, "--restart", "--progress"], env(), { sleep });
    expect(restarted.code).toBe(EXIT.ok);
    expect(restarted.stderr).toMatch(/100% \| 240\/240 events \| \d+\/s \| ETA/);
    // The bar is drawn once the first page gives the total: never "0/0" first.
    expect(restarted.stderr).not.toContain("0/0");
    expect(restarted.stdout).toContain(
      "loaded: 0 event(s) stored, 240 already stored (duplicates), 0 record(s) rejected",
    );
    expect((await storedKeys(target)).length).toBe(EVENTS);
  });

  it("exits 4 naming the key when the Events API refuses it", async () => {
    const run = await msgevents([...args, "--restart"], { ...env(), SPARKPOST_API_KEY: "not-the-key" }, { sleep });
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain("SPARKPOST_API_KEY");
  });
});

import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { normalizeBatch, toEventsApiEvent } from "@msgevents/schema";
import { connectionScope, sampleBatch, sampleEventTypes } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { localConnection } from "../src/index.ts";
import { basicAuth, oauthToken, postBatch, postHeadOnly, searchEvents, walkAllPages } from "./clients.ts";
import { makeDataRoot, runStackToExit, type StackProcess, startStackProcess, waitFor } from "./stack-process.ts";

const SAMPLE_RANGE = "from=2016-01-01T00:00:00Z&to=2017-01-01T00:00:00Z";
const SEARCH = "/api/v1/events/message";
const LIMIT = 1024 * 1024;
const sampleFiles = [...sampleEventTypes, "batch-all-types", "ping"];

/** What the samples must come back as: every storable sample event once, in the Events API's shape. */
const expected = (() => {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const name of sampleFiles) {
    for (const event of normalizeBatch(sampleBatch(name)).events) {
      byKey.set(`${event.type}/${event.eventId}`, toEventsApiEvent(event));
    }
  }
  return byKey;
})();
const keyOf = (event: Record<string, unknown>) => `${event.type}/${event.event_id}`;

async function waitForTotal(stack: StackProcess, query: string, total: number): Promise<void> {
  await waitFor(
    async () =>
      (await searchEvents(stack.url, stack.credentials.MSGEVENTS_API_KEY ?? "", `${SEARCH}?${query}`)).total_count ===
      total,
    () => false,
    60_000,
    () => `events did not become queryable:\n${stack.output().slice(-3000)}`,
  );
}

describe("the local stack, started as the README says", () => {
  let dataRoot: string;
  let stack: StackProcess;
  let apiKey: string;

  beforeAll(async () => {
    dataRoot = await makeDataRoot("msgevents-e2e-");
    // A small body limit, so that a batch above it costs the test little.
    stack = await startStackProcess(path.join(dataRoot, "data"), { MSGEVENTS_MAX_BODY_BYTES: String(LIMIT) });
    apiKey = stack.credentials.MSGEVENTS_API_KEY ?? "";
  });
  afterAll(async () => {
    if (stack) {
      // SIGTERM to the whole process group (npm, pnpm and the stack), as a terminal's Ctrl-C or a service manager
      // sends it: a clean stop, and no package manager reporting a failure.
      expect(await stack.terminate()).toBe(true);
      expect(stack.output()).not.toMatch(/ERR_PNPM|ELIFECYCLE|Command failed/);
    }
    await rm(dataRoot, { recursive: true, force: true });
  });

  test("takes every sample batch with Basic auth and with an OAuth2 bearer token", async () => {
    const basic = basicAuth(
      stack.credentials.MSGEVENTS_WEBHOOK_USERNAME ?? "",
      stack.credentials.MSGEVENTS_WEBHOOK_PASSWORD ?? "",
    );
    const token = await oauthToken(
      stack.url,
      stack.credentials.MSGEVENTS_OAUTH_CLIENT_ID ?? "",
      stack.credentials.MSGEVENTS_OAUTH_CLIENT_SECRET ?? "",
    );
    for (const authorization of [basic, `Bearer ${token}`]) {
      for (const name of sampleFiles) {
        const response = await postBatch(stack.url, JSON.stringify(sampleBatch(name)), authorization);
        expect(response.status, name).toBe(200);
      }
    }
    expect((await postBatch(stack.url, JSON.stringify(sampleBatch("bounce")), undefined)).status).toBe(401);
    expect(
      (await postBatch(stack.url, JSON.stringify(sampleBatch("bounce")), basicAuth("sparkpost", "wrong"))).status,
    ).toBe(401);

    await waitForTotal(stack, SAMPLE_RANGE, expected.size);
  });

  test("returns every sample event exactly once, as the Events API shapes it, over a cursor walk", async () => {
    const walked = await walkAllPages(stack.url, apiKey, `${SEARCH}?${SAMPLE_RANGE}&per_page=4`);
    expect(walked.map(keyOf).sort()).toEqual([...expected.keys()].sort());
    for (const event of walked) expect(event).toEqual(expected.get(keyOf(event)));
    const times = walked.map((event) => Date.parse(String(event.timestamp)));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  test("filters the stored samples by type, recipient, campaign keyword, domain and bounce class", async () => {
    const expectMatches = async (query: string, keep: (event: Record<string, unknown>) => boolean) => {
      const page = await searchEvents(stack.url, apiKey, `${SEARCH}?${SAMPLE_RANGE}&${query}`);
      const want = [...expected.values()].filter(keep).map(keyOf).sort();
      expect(want.length, query).toBeGreaterThan(0);
      expect(page.results.map(keyOf).sort(), query).toEqual(want);
      expect(page.total_count, query).toBe(want.length);
    };
    await expectMatches("events=bounce,click", (event) => event.type === "bounce" || event.type === "click");
    await expectMatches("recipients=recipient@example.com", (event) => event.rcpt_to === "recipient@example.com");
    await expectMatches("campaigns=example", (event) => String(event.campaign_id ?? "").startsWith("Example "));
    await expectMatches("recipient_domains=example", (event) => event.recipient_domain === "example.com");
    await expectMatches("bounce_classes=1", (event) => event.bounce_class === "1");
    const none = await searchEvents(stack.url, apiKey, `${SEARCH}?${SAMPLE_RANGE}&campaigns=ample`);
    expect(none).toEqual({ results: [], total_count: 0, links: {} });
  });

  test("never prints a secret: the banner says how to get them, and names every API and the web app", () => {
    expect(stack.output()).toContain(path.join(stack.dataDir, "credentials.json"));
    expect(stack.output()).toContain(`MSGEVENTS_DATA_DIR=${stack.dataDir} npx msgevents credentials`);
    expect(stack.output()).toContain(`npx msgevents open\` opens it signed in`);
    expect(stack.output()).toContain(`${stack.url}/api/v1/metrics/deliverability`);
    const secrets = [
      "MSGEVENTS_WEBHOOK_PASSWORD",
      "MSGEVENTS_OAUTH_CLIENT_SECRET",
      "MSGEVENTS_API_KEY",
      "MSGEVENTS_RECIPIENT_HASH_SECRET",
      "MSGEVENTS_EMBEDDED_POSTGRES_PASSWORD",
    ];
    for (const name of secrets) {
      const secret = stack.credentials[name] ?? "";
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(stack.output()).not.toContain(secret);
    }
  });

  test("a second start on its data directory is refused at once, naming it, and the first keeps serving", async () => {
    const second = await runStackToExit(stack.dataDir);
    expect(second.code).not.toBe(0);
    const pid = JSON.parse(await readFile(path.join(stack.dataDir, "stack.json"), "utf8")).pid;
    expect(second.output).toContain(
      `msgevents: another msgevents stack is running at ${stack.url} (pid ${pid}) with data directory ${stack.dataDir}: ` +
        `stop it first (Ctrl-C in its terminal, or kill ${pid}), or start this one with another MSGEVENTS_DATA_DIR`,
    );
    expect(second.output).not.toContain("msgevents is running at");
    // The first stack's database was left alone: health, searches and stack.json are still its own.
    const health = await fetch(`${stack.url}/health`, { headers: { authorization: apiKey } });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", database: { status: "ok" } });
    expect((await searchEvents(stack.url, apiKey, `${SEARCH}?${SAMPLE_RANGE}`)).total_count).toBe(expected.size);
    expect((await localConnection(stack.dataDir)).baseUrl).toBe(stack.url);
  });

  test("refuses a search without the API key", async () => {
    const response = await fetch(`${stack.url}${SEARCH}?${SAMPLE_RANGE}`);
    expect(response.status).toBe(401);
  });

  test("lists records that are not events on /api/v1/rejections and counts them on /health", async () => {
    const basic = basicAuth(
      stack.credentials.MSGEVENTS_WEBHOOK_USERNAME ?? "",
      stack.credentials.MSGEVENTS_WEBHOOK_PASSWORD ?? "",
    );
    const body = JSON.stringify([...sampleBatch("delivery"), { not: "an event" }]);
    expect((await postBatch(stack.url, body, basic, "batch-with-a-stranger")).status).toBe(200);
    let listed: Record<string, unknown>[] = [];
    await waitFor(
      async () => {
        const response = await fetch(`${stack.url}/api/v1/rejections`, { headers: { authorization: apiKey } });
        listed = ((await response.json()) as { results: Record<string, unknown>[] }).results;
        return listed.length > 0;
      },
      () => false,
      60_000,
      () => `the rejection was not listed:\n${stack.output().slice(-3000)}`,
    );
    expect(listed).toEqual([
      expect.objectContaining({ batch_id: "batch-with-a-stranger", index: 1, reason: expect.stringMatching(/\S/) }),
    ]);
    const health = await fetch(`${stack.url}/health`, { headers: { authorization: apiKey } });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      database: { status: "ok" },
      rejected_records: 1,
      rejected_batches: 1,
      queue: { pending: 0, deadLettered: 0 },
    });
    const anonymous = await fetch(`${stack.url}/health`);
    expect(await anonymous.json()).toEqual({ status: "ok" });
    expect((await fetch(`${stack.url}/api/v1/rejections`)).status).toBe(401);
  });

  test("answers a batch above the body limit 413, logs it with its id and size, and counts it on /health", async () => {
    const basic = basicAuth(
      stack.credentials.MSGEVENTS_WEBHOOK_USERNAME ?? "",
      stack.credentials.MSGEVENTS_WEBHOOK_PASSWORD ?? "",
    );
    const size = LIMIT + 1;
    expect(await postHeadOnly(stack.url, size, basic, "too-large-batch")).toEqual({
      status: 413,
      body: { errors: [{ message: "request body too large", description: `the body must be at most ${LIMIT} bytes` }] },
    });
    expect((await postHeadOnly(stack.url, size, undefined, "stranger-batch")).status).toBe(401);
    const logged = stack
      .output()
      .split("\n")
      .filter((line) => line.includes("refused as too large"))
      .map((line) => JSON.parse(line));
    expect(logged).toEqual([
      expect.objectContaining({
        level: "ERROR",
        batchId: "too-large-batch",
        bytes: size,
        limit: LIMIT,
      }),
    ]);
    const health = await fetch(`${stack.url}/health`, { headers: { authorization: apiKey } });
    expect(await health.json()).toMatchObject({ oversized_batches: 1 });
  });

  test("its embedded PostgreSQL refuses the former fixed password and takes the generated one", async () => {
    const connection = await localConnection(stack.dataDir);
    expect(connection).toMatchObject({ baseUrl: stack.url, apiKey });
    const databaseUrl = new URL(connection.databaseUrl ?? "");
    const connections = connectionScope();
    const logIn = async (password: string) => {
      const client = connections.client({
        host: "127.0.0.1",
        port: Number(databaseUrl.port),
        user: "postgres",
        password,
        database: "msgevents",
      });
      try {
        await client.connect();
        await client.end();
        return "ok";
      } catch (error) {
        return String((error as { code?: string }).code);
      }
    };
    try {
      expect(await logIn("postgres")).toBe("28P01");
      expect(await logIn(stack.credentials.MSGEVENTS_EMBEDDED_POSTGRES_PASSWORD ?? "")).toBe("ok");
    } finally {
      await connections.end();
    }
    const credentials = await readFile(path.join(stack.dataDir, "credentials.json"));
    expect(credentials.toString()).toContain("MSGEVENTS_EMBEDDED_POSTGRES_PASSWORD");
  });
});

describe("the local stack with webhook authentication explicitly off", () => {
  test("takes unauthenticated sample batches and still protects the Events API", async () => {
    const dataRoot = await makeDataRoot("msgevents-e2e-none-");
    const stack = await startStackProcess(path.join(dataRoot, "data"), { MSGEVENTS_WEBHOOK_AUTH: "none" });
    try {
      expect(stack.output()).toContain("webhook authentication is disabled");
      for (const name of sampleFiles)
        expect((await postBatch(stack.url, JSON.stringify(sampleBatch(name)), undefined)).status).toBe(200);
      await waitForTotal(stack, SAMPLE_RANGE, expected.size);
      expect((await fetch(`${stack.url}${SEARCH}?${SAMPLE_RANGE}`)).status).toBe(401);

      // Its database stopped under it (fast shutdown of the embedded server): the Events API answers 503 with a
      // retry hint, not 500, and /health says unavailable.
      const postmaster = await readFile(path.join(stack.dataDir, "postgres", "postmaster.pid"), "utf8");
      const databasePid = Number(postmaster.split("\n")[0]);
      process.kill(databasePid, "SIGINT");
      await waitFor(
        () => {
          try {
            process.kill(databasePid, 0);
            return false;
          } catch {
            return true;
          }
        },
        () => false,
        60_000,
        () => "the embedded PostgreSQL did not stop",
      );
      const apiKey = stack.credentials.MSGEVENTS_API_KEY ?? "";
      const down = await fetch(`${stack.url}${SEARCH}?${SAMPLE_RANGE}`, { headers: { authorization: apiKey } });
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("5");
      expect(await down.json()).toEqual({
        errors: [
          { message: "database unavailable", description: "the database does not answer at the moment; retry shortly" },
        ],
      });
      expect((await fetch(`${stack.url}/health`)).status).toBe(503);
    } finally {
      expect(await stack.terminate()).toBe(true);
      await rm(dataRoot, { recursive: true, force: true });
    }
  });
});

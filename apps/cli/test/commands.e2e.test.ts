import { spawn } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { FileObjectStore } from "@msgevents/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDataRoot, type StackProcess, startStackProcess } from "../../local/test/stack-process.ts";
import { EXIT } from "../src/errors.ts";
import { sampleTypes } from "../src/samples.ts";
import { type FakeWebhooksApi, startFakeWebhooksApi } from "./fake-webhooks-api.ts";
import { eventually, msgevents } from "./run-cli.ts";

let stack: StackProcess;
let env: NodeJS.ProcessEnv;
let sparkpost: FakeWebhooksApi;
const port = () => new URL(stack.url).port;

beforeAll(async () => {
  stack = await startStackProcess(path.join(await makeDataRoot("msgevents-cli-"), "data"));
  env = { MSGEVENTS_DATA_DIR: stack.dataDir, MSGEVENTS_PORT: port() };
  sparkpost = await startFakeWebhooksApi();
});

afterAll(async () => {
  await sparkpost?.close();
  await stack?.terminate();
});

async function eventsJson(args: string[] = []): Promise<Record<string, unknown>[]> {
  const run = await msgevents(["events", "--format", "json", "--from", "2000-01-01T00:00:00Z", ...args], env);
  expect(run.stderr).not.toContain("msgevents:");
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}

const secrets = () =>
  ["MSGEVENTS_WEBHOOK_PASSWORD", "MSGEVENTS_OAUTH_CLIENT_SECRET", "MSGEVENTS_API_KEY"].map(
    (name) => stack.credentials[name] as string,
  );

function expectNoSecrets(text: string): void {
  for (const secret of secrets()) expect(text).not.toContain(secret);
}

describe("send and events against the local stack found through its data directory", () => {
  it("posts SparkPost's samples of all 27 types with a batch id and reports the receipt", async () => {
    const run = await msgevents(["send", "--batch-id", "cli-send-1"], env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("batch cli-send-1: 27 record(s) received");
    // The loader's own answer, not the request's count.
    expect(run.stdout).toContain("loaded: 27 event(s) stored, 0 already stored (duplicates), 0 record(s) rejected");
    expectNoSecrets(run.stdout + run.stderr);
    const events = await eventually(async () => {
      const found = await eventsJson(["--per-page", "100"]);
      return found.length >= 27 ? found : undefined;
    }, "the sample events to load");
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(sampleTypes()));
  });

  it("reports a batch sent again as a duplicate, and one sent with OAuth2 as stored", async () => {
    const again = await msgevents(["send", "--batch-id", "cli-send-1"], env);
    expect(again.stdout).toContain("a duplicate of a batch already received");
    const oauth = await msgevents(
      ["send", "--auth", "oauth2", "--types", "bounce,delivery", "--batch-id", "cli-oauth"],
      env,
    );
    expect(oauth.code).toBe(EXIT.ok);
    expect(oauth.stdout).toContain("batch cli-oauth: 2 record(s) received");
    // Samples restamped within the same second as the first send are the same events: the loader says which.
    const loaded = /loaded: (\d) event\(s\) stored, (\d) already stored \(duplicates\), 0 record\(s\) rejected/.exec(
      oauth.stdout,
    );
    expect(Number(loaded?.[1]) + Number(loaded?.[2])).toBe(2);
    // send waited for the loader: the search already shows what it stored.
    expect(await eventsJson(["--per-page", "100", "--to", "2100-01-01"])).toHaveLength(27 + Number(loaded?.[1]));
  });

  it("exits 4 with one line naming the credentials when the endpoint refuses them", async () => {
    const run = await msgevents(["send", "--webhook-password", "not-the-password", "--auth", "basic"], env);
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("HTTP 401");
    expect(run.stderr).toContain("MSGEVENTS_WEBHOOK_USERNAME/PASSWORD");
  });

  it("walks every page with --all as NDJSON, and writes CSV and a table", async () => {
    const all = await msgevents(
      ["events", "--all", "--per-page", "4", "--format", "ndjson", "--from", "2000-01-01T00:00:00Z"],
      env,
    );
    expect(all.code).toBe(EXIT.ok);
    const lines = all.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event_id: string; type: string; timestamp: string });
    const expected = await eventsJson(["--per-page", "1000"]);
    expect(lines).toHaveLength(expected.length);
    expect(new Set(lines.map((event) => `${event.type}/${event.event_id}/${event.timestamp}`)).size).toBe(
      expected.length,
    );

    const csv = await msgevents(["events", "--format", "csv", "--columns", "type,event_id", "--events", "bounce"], env);
    const rows = csv.stdout.trim().split("\n");
    expect(rows[0]).toBe("type,event_id");
    expect(rows.slice(1).every((row) => row.startsWith("bounce,"))).toBe(true);
    expect(rows.length).toBeGreaterThan(1);

    const table = await msgevents(["events", "--format", "table", "--events", "delivery"], env);
    expect(table.stdout).toContain("delivery");
    expect(table.stdout).toContain("rcpt_to");
  });

  it("passes filters through", async () => {
    const bounces = await eventsJson(["--events", "bounce", "--recipients", "recipient@example.com"]);
    expect(bounces.length).toBeGreaterThan(0);
    expect(bounces.every((event) => event.type === "bounce")).toBe(true);
  });

  it("exits 3 naming the variable when no API key is known", async () => {
    const run = await msgevents(["events", "--url", stack.url], {});
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toContain("MSGEVENTS_API_KEY");
  });
});

describe("rejections", () => {
  it("lists the records the loader refused, with the reason", async () => {
    const bad = path.join(stack.dataDir, "..", "bad-batch.json");
    await writeFile(bad, JSON.stringify([{ msys: { message_event: { type: "delivery", timestamp: "not a time" } } }]));
    const sent = await msgevents(["send", bad, "--batch-id", "cli-rejected"], env);
    expect(sent.code).toBe(EXIT.ok);
    // The endpoint received one record; the loader stored nothing and rejected it, and send says so.
    expect(sent.stdout).toContain("batch cli-rejected: 1 record(s) received");
    expect(sent.stdout).toContain("loaded: 0 event(s) stored, 0 already stored (duplicates), 1 record(s) rejected");
    expect(sent.stdout).toContain("msgevents rejections shows why");
    const rows = await eventually(async () => {
      const run = await msgevents(["rejections", "--format", "json"], env);
      const found = JSON.parse(run.stdout || "[]") as { batch_id: string; reason: string }[];
      return found.some((row) => row.batch_id === "cli-rejected") ? found : undefined;
    }, "the rejected record");
    const row = rows.find((candidate) => candidate.batch_id === "cli-rejected");
    expect(row?.reason).toMatch(/timestamp/i);
  });
});

describe("replay and redrive of the local stack", () => {
  it("replays stored batches by range and by id without doubling any event", async () => {
    const before = await eventsJson(["--per-page", "1000"]);
    const today = new Date().toISOString().slice(0, 10);
    await eventually(async () => ((await stackIdle()) ? true : undefined), "the queue to drain");
    const dayDir = path.join(stack.dataDir, "objects", "batches", ...today.split("-"));
    const files = await readdir(dayDir);
    const batches = files.length;
    // The records of the day's batches: an event sent in two batches (the samples restamped within one second) is one
    // stored event but a record of each, and a forced replay counts each record as already stored.
    let records = 0;
    for (const file of files)
      records += (JSON.parse(await readFile(path.join(dayDir, file), "utf8")) as unknown[]).length;
    const run = await msgevents(["replay", "--from", today], env);
    expect(run.code).toBe(EXIT.ok);
    // Every batch is already loaded: the loader skipped each, and replay says so instead of "handed over".
    expect(run.stdout).toContain(`${batches} batch(es) replayed:`);
    expect(run.stdout).toMatch(/\n {2}loaded {2}0 {2}\(events: 0 stored, 0 already stored, 0 record\(s\) rejected\)/);
    expect(run.stdout).toContain(`skipped         ${batches}  already loaded (--force loads them again`);
    expect(run.stdout).toContain("failed          0");
    // --force loads them again: nothing new, and the loader counts every record of them but the refused one as
    // already stored.
    const forced = await msgevents(["replay", "--from", today, "--force"], env);
    expect(forced.code).toBe(EXIT.ok);
    expect(forced.stdout).toContain(
      `loaded (again)  ${batches}  (events: 0 stored, ${records - 1} already stored, 1 record(s) rejected)`,
    );
    const byId = await msgevents(["replay", "--batch-id", "cli-oauth", "--batch-id", "no-such-batch"], env);
    expect(byId.code).toBe(EXIT.partial);
    expect(byId.stdout).toContain("1 batch(es) replayed");
    expect(byId.stderr).toContain("no-such-batch");
    const after = await eventsJson(["--per-page", "1000"]);
    expect(after.length).toBe(before.length);
  });

  it("shows why a batch was dead-lettered, and after the fix moves it back and loads it", async () => {
    const day = new Date().toISOString().slice(0, 10);
    const key = `batches/${day.replaceAll("-", "/")}/cli-ghost.json`;
    // A queue message for a batch whose object is missing: the loader parks it as a dead letter at once.
    await writeFile(
      path.join(stack.dataDir, "queue", "replay", `${encodeURIComponent(key)}.json`),
      JSON.stringify({ key, attempts: 0, error: "test", deadAt: new Date().toISOString() }),
    );
    const listed = await eventually(async () => {
      const run = await msgevents(["redrive", "--dry-run"], env);
      return run.stdout.includes("cli-ghost") ? run : undefined;
    }, "the dead letter");
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.stdout).toContain("does not exist");
    expect(listed.stdout).toContain("run without --dry-run");

    // The fix: the batch is put where the loader looks, then redriven.
    const batch = [
      {
        msys: {
          message_event: {
            type: "delivery",
            event_id: "cli-ghost-1",
            timestamp: String(Math.floor(Date.now() / 1000) - 120),
            rcpt_to: "ghost@example.com",
          },
        },
      },
    ];
    await new FileObjectStore(path.join(stack.dataDir, "objects")).put(key, Buffer.from(JSON.stringify(batch)));
    const moved = await msgevents(["redrive"], env);
    expect(moved.code).toBe(EXIT.ok);
    expect(moved.stdout).toContain("1 dead letter(s) moved back");
    const loaded = await eventually(async () => {
      const found = await eventsJson(["--event-ids", "cli-ghost-1"]);
      return found.length > 0 ? found : undefined;
    }, "the redriven batch to load");
    expect(loaded).toHaveLength(1);
    const none = await msgevents(["redrive", "--dry-run"], env);
    expect(none.stdout).toContain("no dead letters");
  });
});

async function stackIdle(): Promise<boolean> {
  const response = await fetch(`${stack.url}/health`, {
    headers: { authorization: stack.credentials.MSGEVENTS_API_KEY as string },
  });
  const body = (await response.json()) as { queue?: { pending?: number; inFlight?: number; retrying?: number } };
  const queue = body.queue ?? {};
  return (queue.pending ?? 0) === 0 && (queue.inFlight ?? 0) === 0 && (queue.retrying ?? 0) === 0;
}

describe("connect, webhook status and disconnect against a Webhooks API server", () => {
  const sparkEnv = () => ({ ...env, SPARKPOST_API_KEY: sparkpost.apiKey, SPARKPOST_API_URL: sparkpost.url });
  let othersBefore: string;

  beforeAll(() => {
    // Another team's webhooks in the same account, which msgevents must never touch.
    for (const id of ["other-1", "other-2"]) {
      sparkpost.webhooks.set(id, {
        id,
        name: id,
        target: `https://elsewhere.example.com/${id}`,
        events: ["delivery"],
        active: true,
        auth_type: "none",
      });
    }
    othersBefore = JSON.stringify([sparkpost.webhooks.get("other-1"), sparkpost.webhooks.get("other-2")]);
  });

  const ours = () => [...sparkpost.webhooks.values()].filter((hook) => !hook.id.startsWith("other-"));
  const expectOthersUntouched = () => {
    expect(JSON.stringify([sparkpost.webhooks.get("other-1"), sparkpost.webhooks.get("other-2")])).toBe(othersBefore);
    expect(sparkpost.changes.filter((change) => change.includes("other-"))).toEqual([]);
  };

  it("fails with the target's answer when our endpoint refuses SparkPost's test POST, creating nothing", async () => {
    const run = await msgevents(["connect", "--webhook-password", "wrong-password"], sparkEnv());
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain("POST to webhook target URL failed");
    expect(run.stderr).toContain("401");
    expect(ours()).toHaveLength(0);
    expect(sparkpost.testPosts.at(-1)?.status).toBe(401);
  });

  it("creates the webhook with every event type and Basic credentials, after SparkPost's test POST succeeds", async () => {
    const run = await msgevents(["connect"], sparkEnv());
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/webhook .+ created: .+\/webhooks\/sparkpost, 27 event types/);
    expectNoSecrets(run.stdout + run.stderr);
    const [hook] = ours();
    expect(hook?.target).toBe(`${stack.url}/webhooks/sparkpost`);
    expect(hook?.auth_type).toBe("basic");
    expect(hook?.auth_credentials?.username).toBe(stack.credentials.MSGEVENTS_WEBHOOK_USERNAME);
    expect(hook?.events).toHaveLength(27);
    expect(sparkpost.testPosts.at(-1)).toEqual({ target: hook?.target, status: 200 });
    expectOthersUntouched();
  });

  it("updates the same webhook in place when run again, switching to OAuth2 through our token endpoint", async () => {
    const [before] = ours();
    const run = await msgevents(["connect", "--auth", "oauth2"], sparkEnv());
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("updated in place");
    expect(ours()).toHaveLength(1);
    const [after] = ours();
    expect(after?.id).toBe(before?.id);
    expect(after?.auth_type).toBe("oauth2");
    expect(after?.auth_request_details?.url).toBe(`${stack.url}/oauth/token`);
    expectOthersUntouched();
  });

  it("moves the remembered webhook to a new target, which SparkPost tests with a token from our endpoint", async () => {
    const [before] = ours();
    const newTarget = `http://localhost:${port()}/webhooks/sparkpost`;
    const posts = sparkpost.testPosts.length;
    const run = await msgevents(["connect", "--auth", "oauth2", "--target", newTarget], sparkEnv());
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("moved to the new target");
    expect(ours().map((hook) => [hook.id, hook.target])).toEqual([[before?.id, newTarget]]);
    expect(sparkpost.testPosts.slice(posts)).toEqual([{ target: newTarget, status: 200 }]);
    expectOthersUntouched();
  });

  it("leaves the webhook where it was when SparkPost's test POST to a new target fails", async () => {
    const before = ours().map((hook) => [hook.id, hook.target]);
    const refusing = `${stack.url}/not-the-webhook-path`;
    const run = await msgevents(["connect", "--auth", "oauth2", "--target", refusing], sparkEnv());
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain("POST to webhook target URL failed (the target answered HTTP 404)");
    expect(ours().map((hook) => [hook.id, hook.target])).toEqual(before);
    expectOthersUntouched();
  });

  it("shows the webhook, SparkPost's failed batches and the deployment's figures, without secrets", async () => {
    const [hook] = ours();
    sparkpost.batchStatus.set(hook?.id as string, [
      {
        batch_id: "032d330540298f54f0e8bcc1373f3cfd",
        ts: "2026-12-01T10:00:00.000Z",
        attempts: "3",
        response_code: "0",
        failure_code: "503",
      },
    ]);
    const target = `http://localhost:${port()}/webhooks/sparkpost`;
    const run = await msgevents(["webhook", "status", "--target", target], sparkEnv());
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain(hook?.id);
    expect(run.stdout).toContain("failed batches (24 h)  1");
    expect(run.stdout).toContain("032d330540298f54f0e8bcc1373f3cfd");
    expect(run.stdout).toMatch(/status\s+ok/);
    expectNoSecrets(run.stdout);
    const json = await msgevents(["webhook", "status", "--target", target, "--format", "json"], sparkEnv());
    const parsed = JSON.parse(json.stdout) as { webhook: { id: string }; failedBatches: unknown[] };
    expect(parsed.webhook.id).toBe(hook?.id);
    expect(parsed.failedBatches).toHaveLength(1);
    expectNoSecrets(json.stdout);
  });

  it("disconnects only the webhook pointing at this deployment", async () => {
    const target = `http://localhost:${port()}/webhooks/sparkpost`;
    const run = await msgevents(["disconnect", "--target", target], sparkEnv());
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("deleted webhook(s)");
    expect(ours()).toHaveLength(0);
    expect(sparkpost.webhooks.size).toBe(2);
    expectOthersUntouched();
  });

  it("exits 4 naming the key when SparkPost refuses it", async () => {
    const run = await msgevents(["webhook", "status"], { ...sparkEnv(), SPARKPOST_API_KEY: "wrong" });
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain("SPARKPOST_API_KEY");
  });
});

describe("credentials on demand, and the web app opened signed in", () => {
  it("prints every credential when asked, one alone for scripts, and refuses a deployment elsewhere", async () => {
    const all = await msgevents(["credentials"], env);
    expect(all.code).toBe(EXIT.ok);
    expect(all.stdout).toContain(`API key (MSGEVENTS_API_KEY)          ${stack.credentials.MSGEVENTS_API_KEY}`);
    expect(all.stdout).toContain(stack.credentials.MSGEVENTS_WEBHOOK_PASSWORD);
    expect(all.stdout).toContain(`${stack.url}/webhooks/sparkpost`);
    const key = await msgevents(["credentials", "api-key"], env);
    expect(key.stdout).toBe(`${stack.credentials.MSGEVENTS_API_KEY}\n`);
    const elsewhere = await msgevents(["credentials", "--url", "https://events.example.com"], env);
    expect(elsewhere.code).toBe(EXIT.usage);
    expect(elsewhere.stderr).toContain("pulumi stack output apiKey --show-secrets");
  });

  it("opens the web app with the key in the URL fragment, or prints that URL with --print", async () => {
    const opened: string[] = [];
    const run = await msgevents(["open"], env, { openBrowser: async (url) => void opened.push(url) });
    expect(run.code).toBe(EXIT.ok);
    const expected = `${stack.url}/#api-key=${encodeURIComponent(stack.credentials.MSGEVENTS_API_KEY as string)}`;
    expect(opened).toEqual([expected]);
    expect(run.stdout).not.toContain(stack.credentials.MSGEVENTS_API_KEY);
    expect((await msgevents(["open", "--print"], env)).stdout).toBe(`${expected}\n`);
    const noBrowser = await msgevents(["open"], env);
    expect(noBrowser.code).toBe(EXIT.config);
    expect(noBrowser.stderr).toContain("msgevents credentials api-key");
  });
});

describe("realistic volume on demand", () => {
  it("posts generated traffic, then reports the loader's counts and events/s, matching the Events API", async () => {
    const window = ["--from", new Date(Date.now() - 3 * 86_400_000).toISOString(), "--per-page", "1"];
    const count = async () => {
      const run = await msgevents(["events", "--format", "json", ...window], env);
      expect(run.code).toBe(EXIT.ok);
      return Number(/of (\d+) events shown/.exec(run.stderr)?.[1] ?? 0);
    };
    const before = await count();
    const run = await msgevents(["send", "--generate", "1500", "--days", "2", "--batch-size", "500"], env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^posted 1500 event\(s\) in 3 batch\(es\) in [\d.]+ s \(\d+ events\/s\)$/m);
    expect(run.stdout).toContain("loaded: 1500 event(s) stored, 0 already stored (duplicates), 0 record(s) rejected");
    expect(run.stdout).toMatch(/1500 event\(s\) posted and loaded in [\d.]+ s \(\d+ events\/s end to end\)/);
    expect((await count()) - before).toBe(1500);
  });
});

describe("terminal manners", () => {
  const tableAt = (columns: string) =>
    msgevents(["events", "--format", "table", "--from", "2000-01-01"], { ...env, COLUMNS: columns });

  it("fits tables to 80 and to 200 columns, 25 rows with a hint, no colour outside a terminal", async () => {
    for (const [columns, width] of [
      ["80", 80],
      ["200", 200],
    ] as const) {
      const run = await tableAt(columns);
      expect(run.code).toBe(EXIT.ok);
      const lines = run.stdout.trimEnd().split("\n");
      expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(width);
      // Top border, header, 25 rows (no rule between rows), bottom border.
      expect(lines).toHaveLength(25 + 3);
      expect(run.stdout).not.toContain("\u001b[");
      expect(run.stderr).toMatch(/^25 of \d+ events shown; --per-page N shows more, --all every page$/m);
    }
    // At 200 columns an event id is whole; at 80 the widest columns are cut with an ellipsis.
    const ids = await eventsJson(["--per-page", "25"]);
    expect((await tableAt("200")).stdout).toContain(String(ids[0]?.event_id));
    expect((await tableAt("80")).stdout).toContain("…");
  });

  it("shows the deployment's figures in webhook status without a SparkPost key", async () => {
    const run = await msgevents(["webhook", "status"], env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("SparkPost's side not shown: pass --sparkpost-api-key or set SPARKPOST_API_KEY");
    expect(run.stdout).toMatch(/status\s+ok/);
  });
});

describe("failing fast, and waiting only where it helps", () => {
  /** A data directory that has had a stack (its credentials) but has none running. */
  async function stoppedDataDir(): Promise<string> {
    const dir = path.join(stack.dataDir, "..", `stopped-${Math.random().toString(36).slice(2)}`);
    await mkdir(dir, { recursive: true });
    await copyFile(path.join(stack.dataDir, "credentials.json"), path.join(dir, "credentials.json"));
    return dir;
  }
  const counting = () => {
    const calls: string[] = [];
    const fetchCounted: typeof fetch = (input, init) => {
      calls.push(String(input));
      return fetch(input, init);
    };
    return { calls, fetch: fetchCounted };
  };

  it("says no stack is running at once, without a request, for a stale stack.json too", async () => {
    const dir = await stoppedDataDir();
    await writeFile(path.join(dir, "stack.json"), JSON.stringify({ url: stack.url, pid: 2 ** 22 + 1 }));
    const { calls, fetch: counted } = counting();
    const run = await msgevents(["events"], { MSGEVENTS_DATA_DIR: dir }, { fetch: counted });
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.stderr).toBe(
      `msgevents: no stack running with data directory ${dir}: start it with npm start at the repository root, or pass --url (MSGEVENTS_URL) for another deployment\n`,
    );
    expect(calls).toEqual([]);
  });

  it("fails at once, naming the address, for a host that does not resolve or refuses connections", async () => {
    for (const [url, reason] of [
      ["http://no-such-host.invalid:3000", "no such host (ENOTFOUND)"],
      [`http://127.0.0.1:${await closedPort()}`, "connection refused (nothing listens there) (ECONNREFUSED)"],
    ]) {
      const { calls, fetch: counted } = counting();
      const run = await msgevents(["events", "--url", url as string, "--api-key", "k"], {}, { fetch: counted });
      expect(run.code).toBe(EXIT.unavailable);
      expect(run.stderr).toBe(`msgevents: cannot reach ${url}: ${reason}\n`);
      expect(calls).toHaveLength(1);
    }
  });

  it("waits for a stack that is starting, then runs; and says so when it dies while starting", async () => {
    const dir = await stoppedDataDir();
    const stateFile = path.join(dir, "stack.json");
    await writeFile(stateFile, JSON.stringify({ pid: process.pid, state: "starting" }));
    // The stack comes up while the CLI waits: its first pause is where the test lets it finish starting.
    const started = await msgevents(
      ["events", "--format", "json"],
      { MSGEVENTS_DATA_DIR: dir },
      {
        sleep: async () => {
          await writeFile(stateFile, JSON.stringify({ pid: process.pid, state: "running", url: stack.url }));
        },
      },
    );
    expect(started.code).toBe(EXIT.ok);
    expect(started.stderr).toContain(`waiting for the local stack to start (pid ${process.pid})`);
    expect(Array.isArray(JSON.parse(started.stdout))).toBe(true);

    const doomed = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    const exited = new Promise((resolve) => doomed.once("exit", resolve));
    await writeFile(stateFile, JSON.stringify({ pid: doomed.pid, state: "starting" }));
    const died = await msgevents(
      ["events"],
      { MSGEVENTS_DATA_DIR: dir },
      {
        sleep: async () => {
          doomed.kill("SIGKILL");
          await exited;
        },
      },
    );
    expect(died.code).toBe(EXIT.unavailable);
    expect(died.stderr).toContain(`the local stack (pid ${doomed.pid}) stopped while starting`);
  });
});

/** A loopback port nothing listens on (just released by the system). */
async function closedPort(): Promise<number> {
  const net = await import("node:net");
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("one set of input rules, checked before any request", () => {
  const cases: [string[], string][] = [
    [["events", "--from", "2026-13-01"], '--from "2026-13-01" is not a time: give YYYY-MM-DD'],
    [
      ["events", "--from", "2026-12-02", "--to", "2026-12-01"],
      "--from 2026-12-02T00:00:00Z is not before --to 2026-12-01T00:00:00Z",
    ],
    [["events", "--events", "bounse"], '--events: "bounse" is not an event type (did you mean bounce?)'],
    [["events", "--per-page", "20000"], "--per-page 20000 is out of range: give 1 to 10000"],
    [["events", "--columns", "nosuchfield"], '--columns: "nosuchfield" is not a field of the Events API\'s results'],
    [["events", "--recipients", ""], "--recipients is empty: give a value, or leave the flag out"],
    [["events", "--recipients", "a@example.com,,b@example.com"], "has an empty item"],
    [["events", "--bounce-classes", "hard"], '--bounce-classes: "hard" is not a whole number'],
    [["events", "--url", "notaurl"], '--url "notaurl" is not an http(s) URL: give e.g. https://events.example.com'],
    [["events", "--no-such-flag"], "unknown option '--no-such-flag' (see --help)"],
    [["evnets"], "unknown command 'evnets' (did you mean events?) (see --help)"],
    [["rejections", "--per-page", "1001"], "--per-page 1001 is out of range: give 1 to 1000"],
    [["send", "--types", "bounse"], '--types: "bounse" is not an event type (did you mean bounce?)'],
    [["send", "--days", "2"], "--days goes with --generate"],
    [["backfill", "--from", "2026-12-01"], "required option '--to <time>' not specified (see --help)"],
    [["backfill", "--from", "2026-12-01", "--to", "2026-11-01"], "--from 2026-12-01T00:00:00Z is not before --to"],
    [["replay", "--from", "yesterday"], '--from "yesterday" is not a time'],
    [["credentials", "api-kye"], '"api-kye" is not a credential name (did you mean api-key?)'],
  ];
  it.each(cases)("msgevents %j exits 2 with one line", async (argv, message) => {
    const { calls, fetch: counted } = {
      calls: [] as string[],
      fetch: (async (input: string) => {
        calls.push(input);
        throw new Error("no request expected");
      }) as unknown as typeof fetch,
    };
    const run = await msgevents(argv, env, { fetch: counted });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toMatch(/^msgevents: /);
    expect(run.stderr).toContain(message);
    expect(calls).toEqual([]);
  });

  it("takes every documented time form, the same in every command", async () => {
    for (const from of [
      "2026-11-20",
      "2026-11-20T08:00",
      "2026-11-20T08:00:30",
      "2026-11-20T08:00Z",
      "2026-11-20T10:00+02:00",
    ]) {
      const run = await msgevents(["events", "--format", "json", "--from", from], env);
      expect(run.code, run.stderr).toBe(EXIT.ok);
    }
  });
});

describe("the msgevents binary", () => {
  it("runs from a clone as the root script (npm run msgevents, pnpm msgevents), with help, examples and exit codes", async () => {
    const { execFile } = await import("node:child_process");
    const { repoRoot } = await import("../../local/test/stack-process.ts");
    // As typed in a shell (npm is what every clone has): without the npm_* and pnpm settings of the package manager running this test.
    const shell = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_)/i.test(name)));
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        "pnpm",
        ["--silent", "msgevents", "backfill", "--help"],
        { cwd: repoRoot, env: shell },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(output).toContain("Examples:");
    expect(output).toContain("--from <time>");
    const usage = await new Promise<number | null>((resolve) =>
      execFile(
        "npm",
        ["run", "--silent", "msgevents", "--", "events", "--no-such-flag"],
        { cwd: repoRoot, env: shell },
        (error) => resolve(error ? (error.code as number) : 0),
      ),
    );
    expect(usage).toBe(EXIT.usage);
  });

  it("runs the README's quick-start CLI examples as written, with clean redirected output", async () => {
    const { execFile } = await import("node:child_process");
    const { repoRoot } = await import("../../local/test/stack-process.ts");
    const readme = await readFile(path.join(repoRoot, "README.md"), "utf8");
    const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("## How it works"));
    // Every `npx msgevents` line of the quick start's shell blocks, but those needing a SparkPost account (`KEY=…`).
    const lines = [...quickStart.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((block) => (block[1] ?? "").split("\n"))
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line.startsWith("npx msgevents"));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const shell = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_)/i.test(name)));
    for (const line of lines) {
      const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(
          "sh",
          ["-c", line],
          { cwd: repoRoot, env: { ...shell, MSGEVENTS_DATA_DIR: stack.dataDir } },
          (error, _out, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
        ),
      );
      expect(result.code, `${line}\n${result.stderr}`).toBe(0);
    }
    const csv = await readFile(path.join(repoRoot, "events.csv"), "utf8");
    await import("node:fs/promises").then((fs) => fs.rm(path.join(repoRoot, "events.csv")));
    expect(csv.split("\n")[0]).toBe("timestamp,type,rcpt_to,subject,campaign_id,event_id");
    expect(csv).not.toMatch(/^>|msgevents@/m);
  });
});

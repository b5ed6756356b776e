import { readdir, writeFile } from "node:fs/promises";
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

/** Waits until the stack's queue holds no batch waiting or loading: every batch answered 200 so far is loaded. */
async function queueDrained(): Promise<void> {
  await eventually(async () => {
    const response = await fetch(`${stack.url}/health`, {
      headers: { authorization: String(stack.credentials.MSGEVENTS_API_KEY) },
    });
    const health = (await response.json()) as { queue?: { pending: number; inFlight: number } };
    return health.queue && health.queue.pending + health.queue.inFlight === 0 ? true : undefined;
  }, "the stack's queue to drain");
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
    expect(run.stdout).toContain("batch cli-send-1: 27 event(s) stored");
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
    expect(oauth.stdout).toContain("batch cli-oauth: 2 event(s) stored");
    // Loading is asynchronous: later tests compare two searches, which must not straddle this batch's load. (Its
    // events may also be duplicates of the first batch's, restamped within the same second: no count to wait for.)
    await queueDrained();
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

  it("passes filters through and turns the API's 400 into exit 4 naming the parameter", async () => {
    const bounces = await eventsJson(["--events", "bounce", "--recipients", "recipient@example.com"]);
    expect(bounces.every((event) => event.type === "bounce")).toBe(true);
    const run = await msgevents(["events", "--events", "no_such_type"], env);
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toContain("invalid parameter");
    expect(run.stderr).toContain("events");
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
    const run = await msgevents(["replay", "--from", `${today}T00:00:00Z`], env);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/batch\(es\) handed to the local stack's loader/);
    expect(run.stdout).toContain("cli-send-1.json");
    const byId = await msgevents(["replay", "--batch-id", "cli-oauth", "--batch-id", "no-such-batch"], env);
    expect(byId.code).toBe(EXIT.partial);
    expect(byId.stdout).toContain("1 batch(es)");
    expect(byId.stderr).toContain("no-such-batch");
    // The stack drains replay requests every 2 seconds; once they are gone the loads have been attempted.
    await eventually(async () => {
      const left = await readdir(path.join(stack.dataDir, "queue", "replay")).catch(() => []);
      return left.length === 0 ? true : undefined;
    }, "the replay requests to be taken");
    await eventually(async () => ((await stackIdle()) ? true : undefined), "the queue to drain");
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
});

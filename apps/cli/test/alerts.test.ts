// `msgevents alerts …` against a real deployment's API: the query router (as the local stack and the query Lambda
// serve it) over HTTP on a real PostgreSQL.
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { readNodeRequest, writeNodeResponse } from "@msgevents/http";
import { createQueryRouter, deriveCursorKey } from "@msgevents/query";
import { migrate } from "@msgevents/schema";
import { startTestDatabase, type TestDatabase } from "@msgevents/testkit";
import { drizzle } from "drizzle-orm/node-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../src/errors.ts";
import { msgevents } from "./run-cli.ts";

const API_KEY = "cli-alerts-api-key-0123456789";
let database: TestDatabase;
let server: http.Server;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  database = await startTestDatabase();
  const pool = database.pool({ max: 2 });
  await migrate(pool);
  const route = createQueryRouter({
    db: drizzle({ client: pool }),
    apiKey: API_KEY,
    cursorKey: deriveCursorKey(API_KEY),
  });
  server = http.createServer(async (req, res) =>
    writeNodeResponse(res, await route(await readNodeRequest(req, 1 << 20))),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  env = { MSGEVENTS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, MSGEVENTS_API_KEY: API_KEY };
  dir = os.tmpdir();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await database?.close();
});

async function file(name: string, content: unknown): Promise<string> {
  const at = path.join(dir, `msgevents-cli-alerts-${process.pid}-${name}`);
  await writeFile(at, typeof content === "string" ? content : JSON.stringify(content));
  return at;
}

const alert = {
  name: "Block bounces at Gmail",
  subaccounts: [0],
  metric: "block_bounce_rate",
  muted: false,
  filters: [{ filter_type: "mailbox_provider", filter_values: ["Gmail"] }],
  threshold_evaluator: { operator: "gt", source: "raw", value: 10 },
  channels: { slack: { target: "https://hooks.slack.com/services/T00/B00/XX" } },
};

describe("msgevents alerts", () => {
  let id: string;

  it("creates an alert from a file and lists it", async () => {
    const created = await msgevents(["alerts", "create", "--file", await file("alert.json", alert)], env);
    expect(created).toMatchObject({ code: EXIT.ok, stderr: "" });
    id = /created alert (\d+)/.exec(created.stdout)?.[1] ?? "";
    expect(id).not.toBe("");
    const listed = await msgevents(["alerts", "list", "--format", "csv"], env);
    expect(listed.stdout).toBe(
      "id,name,metric,threshold,scope,muted,last_triggered\n" +
        `${id},Block bounces at Gmail,block_bounce_rate,> 10,subaccounts 0; mailbox_provider Gmail,false,\n`,
    );
  });

  it("updates only the given fields, mutes and unmutes", async () => {
    const updated = await msgevents(
      ["alerts", "update", id, "--file", await file("patch.json", { threshold_evaluator: { value: 25 } })],
      env,
    );
    expect(JSON.parse(updated.stdout)).toMatchObject({
      threshold_evaluator: { operator: "gt", source: "raw", value: 25 },
    });
    expect((await msgevents(["alerts", "mute", id], env)).stdout).toBe(`alert ${id} muted\n`);
    expect(JSON.parse((await msgevents(["alerts", "get", id], env)).stdout)).toMatchObject({ muted: true });
    expect((await msgevents(["alerts", "unmute", id], env)).code).toBe(EXIT.ok);
  });

  it("lists the incidents (none yet) and deletes the alert", async () => {
    expect((await msgevents(["alerts", "incidents", id, "--format", "json"], env)).stdout).toBe("[]\n");
    expect((await msgevents(["alerts", "delete", id], env)).stdout).toBe(`deleted alert ${id}\n`);
    const gone = await msgevents(["alerts", "get", id], env);
    expect(gone.code).toBe(EXIT.refused);
    expect(gone.stderr).toContain(`reading alert ${id} failed: HTTP 404`);
  });

  it("shows every problem of an invalid alert and exits 4", async () => {
    const invalid = await msgevents(
      ["alerts", "create", "--file", await file("invalid.json", { ...alert, name: undefined, muted: "no" })],
      env,
    );
    expect(invalid.code).toBe(EXIT.refused);
    expect(invalid.stderr).toMatch(
      /^msgevents: creating the alert failed: HTTP 400 'name' is required; 'muted' must be a boolean\n$/,
    );
  });

  it("refuses what it cannot send: a file that is not JSON, an id that is not one, no API key", async () => {
    const notJson = await msgevents(["alerts", "create", "--file", await file("broken.json", "{name:")], env);
    expect(notJson).toMatchObject({ code: EXIT.usage });
    expect(notJson.stderr).toContain("is not JSON");
    expect((await msgevents(["alerts", "get", "abc"], env)).code).toBe(EXIT.usage);
    const noKey = await msgevents(["alerts", "list"], { MSGEVENTS_URL: env.MSGEVENTS_URL });
    expect(noKey.code).toBe(EXIT.config);
    const wrongKey = await msgevents(["alerts", "list"], { ...env, MSGEVENTS_API_KEY: "wrong-key-0123456789" });
    expect(wrongKey.code).toBe(EXIT.refused);
    expect(wrongKey.stderr).toContain("the API key was refused");
  });
});

import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { makeDataRoot, type StackProcess, startStackProcess } from "../../local/test/stack-process.ts";
import { EXIT } from "../src/errors.ts";
import { msgevents } from "./run-cli.ts";

let stack: StackProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startStackProcess(path.join(await makeDataRoot("msgevents-cli-status-"), "data"));
  env = { MSGEVENTS_DATA_DIR: stack.dataDir };
});

afterAll(async () => {
  await stack?.terminate();
});

test("msgevents status shows the local stack's health and its backfills, as text and as JSON", async () => {
  const text = await msgevents(["status"], env);
  expect(text.stderr).toBe("");
  expect(text.code).toBe(EXIT.ok);
  expect(text.stdout).toMatch(new RegExp(`^deployment ${stack.url}: ok \\(PostgreSQL 18\\.`));
  expect(text.stdout).toContain("backfills: all done");
  expect(text.stdout).toMatch(/ {2}metric_rollups +done +0\/0 days/);
  expect(text.stdout).not.toContain(stack.credentials.MSGEVENTS_API_KEY as string);

  const json = await msgevents(["status", "--format", "json"], env);
  const report = JSON.parse(json.stdout) as { status: string; backfills: { name: string; status: string }[] };
  expect(report.status).toBe("ok");
  expect(report.backfills.map(({ name, status }) => ({ name, status }))).toEqual([
    { name: "event_bodies_0018", status: "done" },
    { name: "metric_rollups", status: "done" },
    { name: "metric_rollups_0016", status: "done" },
    { name: "payload_refs_index_0032", status: "done" },
    { name: "payloads_by_id_0032", status: "done" },
    { name: "rare_type_index_0021", status: "done" },
    { name: "search_token_counts", status: "done" },
    { name: "text_refs_index_0030", status: "done" },
    { name: "texts_by_id_0031", status: "done" },
  ]);
});

test("msgevents status needs the API key, and says when the deployment refuses it", async () => {
  const noKey = await msgevents(["status", "--url", stack.url], {});
  expect(noKey.code).toBe(EXIT.config);
  expect(noKey.stderr).toContain("no API key");
  const wrongKey = await msgevents(["status", "--url", stack.url, "--api-key", "not-the-key"], {});
  expect(wrongKey.code).toBe(EXIT.refused);
  expect(wrongKey.stderr).toMatch(/HTTP 401/);
});

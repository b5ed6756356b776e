import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { lambdaNodeBinary } from "./lambda-node.ts";

const run = promisify(execFile);
const RESULT = "@@msgevents-result ";

export type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

// Imports the built index.mjs as the Lambda runtime does (a failing import or top-level await fails every event),
// then calls its exported `handler` with each event in turn in this one process: one cold start, warm invocations.
const driver = `
const [bundle, eventsFile] = process.argv.slice(1);
const report = (outcome) => process.stdout.write("\\n${RESULT}" + JSON.stringify(outcome) + "\\n");
const context = {
  functionName: "msgevents-test", functionVersion: "$LATEST", awsRequestId: "test-request",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:msgevents-test", memoryLimitInMB: "512",
  logGroupName: "/aws/lambda/msgevents-test", logStreamName: "test", callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 60000,
};
const events = JSON.parse(await (await import("node:fs/promises")).readFile(eventsFile, "utf8"));
let handler;
try {
  ({ handler } = await import(bundle));
  if (typeof handler !== "function") throw new Error("the bundle exports no function named handler");
} catch (error) {
  for (const _ of events) report({ ok: false, error: "cold start: " + error.message });
  process.exit(0);
}
for (const event of events) {
  try {
    report({ ok: true, value: (await handler(event, context)) ?? null });
  } catch (error) {
    report({ ok: false, error: error.message });
  }
}
process.exit(0);
`;

/**
 * Runs a built Lambda bundle under the Lambda runtime's Node.js (24, from testkit) with exactly `env` (plus PATH),
 * invoking its handler once per event; returns one outcome per event.
 */
export async function invokeBundle(bundle: string, env: Record<string, string>, events: unknown[]): Promise<Outcome[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "msgevents-invoke-"));
  try {
    const eventsFile = path.join(dir, "events.json");
    await writeFile(eventsFile, JSON.stringify(events));
    const { stdout, stderr } = await run(
      lambdaNodeBinary(),
      ["--input-type=module", "-e", driver, bundle, eventsFile],
      { env: { PATH: process.env.PATH ?? "", ...env }, maxBuffer: 64 * 1024 * 1024 },
    );
    const outcomes = stdout
      .split("\n")
      .filter((line) => line.startsWith(RESULT))
      .map((line) => JSON.parse(line.slice(RESULT.length)) as Outcome);
    if (outcomes.length !== events.length) {
      throw new Error(`expected ${events.length} outcomes, got ${outcomes.length}:\n${stdout}\n${stderr}`);
    }
    return outcomes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The handler's return value, or a failure that shows the bundle's error. */
export function resultOf(outcome: Outcome | undefined): unknown {
  if (!outcome) throw new Error("no outcome");
  if (!outcome.ok) throw new Error(`the handler failed: ${outcome.error}`);
  return outcome.value;
}

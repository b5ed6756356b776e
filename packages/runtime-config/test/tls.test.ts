import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  enableServerTls,
  startTestDatabase,
  type TestCertificateAuthority,
  type TestDatabase,
} from "@msgevents/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));

let database: TestDatabase;
let ca: TestCertificateAuthority;

beforeAll(async () => {
  // Its own server: TLS is switched on in the server's configuration.
  database = await startTestDatabase({ embedded: true });
  if (!database.server) throw new Error("expected an embedded server");
  ca = await enableServerTls(database.server);
});

afterAll(async () => {
  await database?.close();
  await ca?.close();
});

async function connectFromChild(extraEnv: Record<string, string>): Promise<unknown> {
  const url = new URL(database.url);
  const { stdout } = await run("node_modules/.bin/tsx", ["test/connect-and-report.ts"], {
    cwd: packageDir,
    env: {
      PATH: process.env.PATH,
      MSGEVENTS_DB_HOST: "127.0.0.1",
      MSGEVENTS_DB_PORT: url.port,
      MSGEVENTS_DB_NAME: url.pathname.slice(1),
      MSGEVENTS_DB_USER: decodeURIComponent(url.username),
      MSGEVENTS_DB_PASSWORD: decodeURIComponent(url.password),
      MSGEVENTS_DB_SSL: "true",
      ...extraEnv,
    },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}

test("MSGEVENTS_DB_SSL=true connects over TLS when NODE_EXTRA_CA_CERTS holds the server's CA", async () => {
  expect(await connectFromChild({ NODE_EXTRA_CA_CERTS: ca.caFile })).toEqual({ connected: true, ssl: true });
});

test("MSGEVENTS_DB_SSL=true refuses a server whose certificate no trusted CA signed", async () => {
  expect(await connectFromChild({})).toEqual({ connected: false, code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
});

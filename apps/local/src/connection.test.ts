import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { LocalStackNotFoundError, localConnection } from "./connection.ts";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "msgevents-connection-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const stored = {
  MSGEVENTS_WEBHOOK_USERNAME: "sparkpost",
  MSGEVENTS_WEBHOOK_PASSWORD: "webhook-secret",
  MSGEVENTS_OAUTH_CLIENT_ID: "msgevents-abc",
  MSGEVENTS_OAUTH_CLIENT_SECRET: "oauth-secret",
  MSGEVENTS_API_KEY: "api-key-from-file",
  MSGEVENTS_EMBEDDED_POSTGRES_PASSWORD: "db/secret+1",
};
const write = (name: string, value: unknown) => writeFile(path.join(dataDir, name), JSON.stringify(value));

describe("localConnection", () => {
  test("gives a running stack's URL, its credentials and its embedded database", async () => {
    await write("credentials.json", stored);
    await write("stack.json", { url: "http://127.0.0.1:41234", pid: process.pid, databasePort: 45678 });
    expect(await localConnection(dataDir, {})).toEqual({
      baseUrl: "http://127.0.0.1:41234",
      apiKey: "api-key-from-file",
      webhookUsername: "sparkpost",
      webhookPassword: "webhook-secret",
      oauthClientId: "msgevents-abc",
      oauthClientSecret: "oauth-secret",
      databaseUrl: "postgres://postgres:db%2Fsecret%2B1@127.0.0.1:45678/msgevents",
      stack: { pid: process.pid, state: "running", url: "http://127.0.0.1:41234", databasePort: 45678 },
    });
  });

  test("reads credentials as the stack does: the environment first", async () => {
    await write("credentials.json", stored);
    const connection = await localConnection(dataDir, { MSGEVENTS_API_KEY: "api-key-from-env" });
    expect(connection.apiKey).toBe("api-key-from-env");
  });

  test("without a running stack (none, or a killed one's stale file) it gives the configured URL and no database", async () => {
    await write("credentials.json", stored);
    const stalePid = 2 ** 22 + 1;
    await write("stack.json", { url: "http://127.0.0.1:41234", pid: stalePid, databasePort: 45678 });
    const connection = await localConnection(dataDir, { MSGEVENTS_PORT: "3999" });
    expect(connection.baseUrl).toBe("http://127.0.0.1:3999");
    expect(connection.databaseUrl).toBeUndefined();
    expect((await localConnection(dataDir, { DATABASE_URL: "postgres://elsewhere/db" })).databaseUrl).toBe(
      "postgres://elsewhere/db",
    );
  });

  test("refuses a data directory where no stack has run", async () => {
    await expect(localConnection(dataDir, {})).rejects.toThrow(LocalStackNotFoundError);
    await expect(localConnection(dataDir, {})).rejects.toThrow(`no local stack has run with data directory ${dataDir}`);
  });
});

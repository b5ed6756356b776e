import { mkdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { freePort } from "@msgevents/devdb";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { loadLocalConfig } from "../src/env.ts";
import { startLocalStack } from "../src/stack.ts";
import { makeDataRoot } from "./stack-process.ts";

const quiet = new Logger({ serviceName: "test", logLevel: "CRITICAL" });

describe("the local stack refuses to start, saying why", () => {
  let root: string;
  beforeEach(async () => {
    root = await makeDataRoot("msgevents-startup-");
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("when its port is busy", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const config = loadLocalConfig({ MSGEVENTS_DATA_DIR: path.join(root, "data"), MSGEVENTS_PORT: String(port) });
      await expect(startLocalStack(config, quiet)).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use: stop what holds it or set MSGEVENTS_PORT`,
      );
      // Nothing it started is left running: the same data directory starts cleanly on another port.
      const retry = await startLocalStack({ ...config, MSGEVENTS_PORT: 0 }, quiet);
      await retry.stop();
    } finally {
      blocker.close();
    }
  });

  test("when its data directory cannot be written", async () => {
    const file = path.join(root, "a-file");
    await writeFile(file, "");
    const config = loadLocalConfig({ MSGEVENTS_DATA_DIR: path.join(file, "data"), MSGEVENTS_PORT: "0" });
    await expect(startLocalStack(config, quiet)).rejects.toThrow(
      `data directory ${path.join(file, "data")} is not writable (ENOTDIR): choose another with MSGEVENTS_DATA_DIR`,
    );
  });

  test("when the embedded database cannot start", async () => {
    const dataDir = path.join(root, "data");
    await mkdir(path.join(dataDir, "postgres"), { recursive: true });
    await writeFile(path.join(dataDir, "postgres", "PG_VERSION"), "9\n");
    const config = loadLocalConfig({ MSGEVENTS_DATA_DIR: dataDir, MSGEVENTS_PORT: "0" });
    await expect(startLocalStack(config, quiet)).rejects.toThrow(/^the embedded PostgreSQL could not start: /);
  });

  test("when DATABASE_URL points at no server", async () => {
    const port = await freePort();
    const config = loadLocalConfig({
      MSGEVENTS_DATA_DIR: path.join(root, "data"),
      MSGEVENTS_PORT: "0",
      DATABASE_URL: `postgres://msgevents:secret@127.0.0.1:${port}/msgevents`,
    });
    const failure = await startLocalStack(config, quiet).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^could not migrate the database: .*ECONNREFUSED/);
    expect((failure as Error).message).not.toContain("secret");
  });

  test("when the configuration is invalid", () => {
    expect(() => loadLocalConfig({ MSGEVENTS_PORT: "http" })).toThrow(/^invalid configuration: MSGEVENTS_PORT: /);
    expect(() => loadLocalConfig({ MSGEVENTS_S3_ENDPOINT: "http://127.0.0.1:9000" })).toThrow(
      "MSGEVENTS_S3_ENDPOINT needs MSGEVENTS_S3_BUCKET",
    );
  });
});

import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, expect, test } from "vitest";
import { startEmbeddedPostgres } from "../src/index.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "msgevents-devdb-"));
  await chmod(root, 0o755);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function count(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query("SELECT count(*)::int AS n FROM kept")).rows[0].n;
  } finally {
    await client.end();
  }
}

test("a persistent server keeps its data across stop and start, on loopback only", async () => {
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, "data") });
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2)");
    const listen = await client.query("SHOW listen_addresses");
    expect(listen.rows[0].listen_addresses).toBe("127.0.0.1");
    await client.end();
    await server.stop();
    await server.start();
    expect(await count(server.url)).toBe(2);
  } finally {
    await server.stop();
  }
});

test("a server whose owner still runs is refused and left running; once its owner is killed it is recovered", async () => {
  const dataDir = path.join(root, "data");
  const script = `
    import { startEmbeddedPostgres } from ${JSON.stringify(new URL("../src/index.ts", import.meta.url).pathname)};
    const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, password: "orphan-test" });
    console.log(server.url);
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve) =>
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1)");
  await setup.end();
  const serverPid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);

  // A second program on the same data directory while the first still runs: refused, and the first keeps its server.
  await expect(startEmbeddedPostgres({ dataDir, password: "orphan-test" })).rejects.toThrow(
    `the PostgreSQL server of ${dataDir} (pid ${serverPid}) is in use by process ${child.pid}, which is still running`,
  );
  expect(await count(url)).toBe(1);

  // Its owner SIGKILLed (no exit handler runs), the server is an orphan: the next start stops it and takes over.
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  expect(() => process.kill(serverPid, 0)).not.toThrow();
  const server = await startEmbeddedPostgres({ dataDir, password: "orphan-test" });
  try {
    expect(() => process.kill(serverPid, 0)).toThrow();
    expect(await count(server.url)).toBe(1);
  } finally {
    await server.stop();
  }
});

test("a data directory the server cannot use gives an error naming it", async () => {
  const dataDir = path.join(root, "broken");
  await startEmbeddedPostgres({ dataDir }).then((server) => server.stop());
  await rm(path.join(dataDir, "global"), { recursive: true });
  await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(`PostgreSQL exited during start`);
});

/** Logs in as `postgres` with a password; resolves to PostgreSQL's error code, or "ok". */
async function logIn(port: number, password: string): Promise<string> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
  try {
    await client.connect();
    await client.end();
    return "ok";
  } catch (error) {
    return String((error as { code?: string }).code);
  }
}

test("a connection with the former fixed password postgres fails; the generated one works", async () => {
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, "data") });
  try {
    expect(await logIn(server.port, "postgres")).toBe("28P01");
    expect(decodeURIComponent(new URL(server.url).password)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await count(server.url).catch((error: Error) => error.message)).toMatch(/relation "kept" does not exist/);
  } finally {
    await server.stop();
  }
});

test("a cluster made with the former fixed password is moved to the given one", async () => {
  const dataDir = path.join(root, "data");
  await startEmbeddedPostgres({ dataDir, password: "postgres" }).then((server) => server.stop());
  const server = await startEmbeddedPostgres({ dataDir, password: "a-new-generated-secret" });
  try {
    expect(await logIn(server.port, "a-new-generated-secret")).toBe("ok");
    expect(await logIn(server.port, "postgres")).toBe("28P01");
  } finally {
    await server.stop();
  }
});

test("a cluster that takes neither the given password nor the former default is refused and stopped", async () => {
  const dataDir = path.join(root, "data");
  await startEmbeddedPostgres({ dataDir, password: "the-first-one" }).then((server) => server.stop());
  await expect(startEmbeddedPostgres({ dataDir, password: "another-one" })).rejects.toThrow(
    "accepts neither the password given nor the former default",
  );
  const server = await startEmbeddedPostgres({ dataDir, password: "the-first-one" });
  await server.stop();
});

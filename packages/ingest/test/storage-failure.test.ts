import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { S3Client } from "@aws-sdk/client-s3";
import { FileObjectStore, S3ObjectStore } from "@msgevents/storage";
import { startS3Server } from "@msgevents/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { handleIngest } from "../src/index.ts";
import { filesUnder, removeTempDirs, sampleBody, tempDir, testDeps, webhookRequest } from "./helpers.ts";

afterAll(removeTempDirs);

const unavailable = {
  errors: [{ message: "batch not stored", description: "storage is unavailable; retry later" }],
};
const packageDir = fileURLToPath(new URL("..", import.meta.url));

describe("when storage fails", () => {
  it("answers 503 and stores nothing when the store directory cannot be created", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "regular-file"), "x");
    const deps = await testDeps({ store: new FileObjectStore(path.join(dir, "regular-file", "store")) });
    const response = await handleIngest(webhookRequest(sampleBody), deps);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual(unavailable);
    expect(await filesUnder(dir)).toEqual(["regular-file"]);
    expect(deps.logger.entries.at(-1)).toMatchObject({ level: "error", message: "batch storage failed" });
  });

  it("answers 503 and leaves no partial object when the disk refuses the write halfway", async () => {
    // A real short write: the child runs with a 64 KiB file size limit (SIGXFSZ ignored, so write() fails with
    // EFBIG after 64 KiB of the ~430 KB batch reached the temp file).
    const root = await tempDir();
    await mkdir(path.join(root, "batches", "2024", "05", "01"), { recursive: true });
    const script = `trap '' XFSZ; ulimit -f 64; exec node_modules/.bin/tsx --no-cache test/fixtures/ingest-one-batch.ts "$1"`;
    const { stdout, stderr } = await promisify(execFile)("bash", ["-c", script, "bash", root], { cwd: packageDir });
    expect(stderr).toContain("could not store batches/2024/05/01/limited.json: EFBIG: file too large, write");
    const response = JSON.parse(stdout);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual(unavailable);
    expect(await filesUnder(root)).toEqual([]);

    // SparkPost's retry then succeeds and finds no leftover that would pass for a duplicate.
    const retry = await promisify(execFile)("node_modules/.bin/tsx", ["test/fixtures/ingest-one-batch.ts", root], {
      cwd: packageDir,
    });
    expect(JSON.parse(JSON.parse(retry.stdout).body).results).toMatchObject({ duplicate: false, stored: true });
    expect(await filesUnder(root)).toEqual([path.join("batches", "2024", "05", "01", "limited.json")]);
  });

  it("answers 503 when S3 is unreachable, and the retry stores the batch once S3 is back", async () => {
    const server = await startS3Server();
    const client = new S3Client({ ...server.clientConfig, maxAttempts: 1 });
    const deps = await testDeps({ store: new S3ObjectStore({ client, bucket: server.bucket }) });
    await server.close();
    const response = await handleIngest(webhookRequest(sampleBody), deps);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual(unavailable);
    client.destroy();
  });

  it("answers 500 without details when something unexpected breaks", async () => {
    const deps = await testDeps({
      clock: () => {
        throw new TypeError("clock exploded");
      },
    });
    const response = await handleIngest(webhookRequest(sampleBody), deps);
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      errors: [{ message: "internal error", description: "the request failed; retry later" }],
    });
    expect(deps.logger.entries.at(-1)).toEqual({
      level: "error",
      message: "ingest request failed",
      attributes: { error: "TypeError: clock exploded" },
    });
  });
});

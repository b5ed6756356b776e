import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { S3ClientConfig } from "@aws-sdk/client-s3";

/** The parts of an S3 event notification record that s3rver fills in (the shape S3 sends to SQS/Lambda). */
export interface S3EventRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

export interface S3EventNotification {
  Records: S3EventRecord[];
}

export interface TestS3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** A bucket that already exists. */
  bucket: string;
  /** Options for `new S3Client(...)`: endpoint, path-style addressing, region and dummy credentials. */
  clientConfig: S3ClientConfig;
  /**
   * Calls listener with the S3 event notification s3rver emits after each object write (s3rver does not URL-encode
   * the key as real S3 does; batch keys contain no characters that would differ). Returns an unsubscribe function.
   */
  onEvent(listener: (event: S3EventNotification) => void): () => void;
  /** Stops the server (requests then fail with ECONNREFUSED) and deletes its storage directory. */
  close(): Promise<void>;
}

type ChildMessage = { type: "ready"; port: number } | { type: "event"; event: S3EventNotification };

const childScript = fileURLToPath(new URL("./s3rver-process.mjs", import.meta.url));

/** Starts a real s3rver on a free port with a fresh temp directory and one bucket. */
export async function startS3Server(options: { bucket?: string } = {}): Promise<TestS3Server> {
  const bucket = options.bucket ?? "msgevents-test";
  const directory = await mkdtemp(path.join(os.tmpdir(), "msgevents-s3rver-"));
  const child = fork(childScript, [JSON.stringify({ directory, bucket })], {
    execArgv: ["--openssl-legacy-provider"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const listeners = new Set<(event: S3EventNotification) => void>();
  child.on("message", (message: ChildMessage) => {
    if (message.type === "event") for (const listener of listeners) listener(message.event);
  });
  let port: number;
  try {
    port = await waitUntilReady(child);
  } catch (error) {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    clientConfig: {
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.send("close");
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function waitUntilReady(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== "ready") return;
      cleanup();
      resolve(message.port);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`s3rver exited before it was ready (exit code ${code})`));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
    child.on("error", onError);
  });
}

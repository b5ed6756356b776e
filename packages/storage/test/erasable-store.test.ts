import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startS3Server, startVersionedS3, type TestS3Server, type TestVersionedS3 } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileObjectStore, S3ObjectStore } from "../src/index.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array | undefined) => (body ? new TextDecoder().decode(body) : undefined);
const KEY = "batches/2024/03/04/abc.json";

describe("S3ObjectStore.replace on a versioned bucket", () => {
  let s3: TestVersionedS3;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startVersionedS3();
    client = new S3Client(s3.clientConfig);
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
  });

  it("leaves the new content as the key's only version, deleting every earlier one", async () => {
    const store = new S3ObjectStore({ client, bucket: s3.bucket, versioned: true });
    await store.put(KEY, bytes("[1,2,3]"));
    await store.put(KEY, bytes("[1,2,3] again"));
    await store.put(`${KEY}.other`, bytes("untouched"));
    expect(s3.versions(KEY)).toHaveLength(2);

    expect(await store.replace(KEY, bytes("[1,3]"))).toEqual({ versionsDeleted: 2 });

    expect(s3.versions(KEY).map((version) => text(version.body))).toEqual(["[1,3]"]);
    expect(text(await store.get(KEY))).toBe("[1,3]");
    expect(s3.versions(`${KEY}.other`).map((version) => text(version.body))).toEqual(["untouched"]);
  });

  it("deletes the versions of a key whose current object was deleted, delete marker included", async () => {
    const store = new S3ObjectStore({ client, bucket: s3.bucket, versioned: true });
    const key = "batches/2024/03/05/gone.json";
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: "[1]" }));
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(s3.versions(key)).toHaveLength(2);
    expect(await store.deleteOtherVersions(key)).toBe(2);
    expect(s3.versions(key)).toEqual([]);
  });

  it("keeps the current version when asked to delete the others", async () => {
    const store = new S3ObjectStore({ client, bucket: s3.bucket, versioned: true });
    const key = "batches/2024/03/06/kept.json";
    await store.put(key, bytes("old"));
    await store.put(key, bytes("new"));
    expect(await store.deleteOtherVersions(key)).toBe(1);
    expect(s3.versions(key).map((version) => text(version.body))).toEqual(["new"]);
  });
});

describe("S3ObjectStore.replace on an unversioned bucket (s3rver)", () => {
  let server: TestS3Server;
  let client: S3Client;
  beforeAll(async () => {
    server = await startS3Server();
    client = new S3Client(server.clientConfig);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  it("overwrites the object and lists no versions (none are kept, and none may be asked for)", async () => {
    const store = new S3ObjectStore({ client, bucket: server.bucket });
    await store.put(KEY, bytes("[1,2]"));
    expect(await store.replace(KEY, bytes("[2]"))).toEqual({ versionsDeleted: 0 });
    expect(text(await store.get(KEY))).toBe("[2]");
    expect(await store.deleteOtherVersions(KEY)).toBe(0);
  });
});

describe("FileObjectStore.replace", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "msgevents-erasable-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("replaces the file whole and leaves no temp file or copy beside it", async () => {
    const store = new FileObjectStore(root);
    await store.put(KEY, bytes("[1,2]"));
    expect(await store.replace(KEY, bytes("[2]"))).toEqual({ versionsDeleted: 0 });
    expect(text(await store.get(KEY))).toBe("[2]");
    expect(await readdir(path.join(root, "batches/2024/03/04"))).toEqual(["abc.json"]);
    expect(await store.deleteOtherVersions(KEY)).toBe(0);
  });
});

import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { type S3EventNotification, startS3Server, type TestS3Server } from "@msgevents/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectNotFoundError, ObjectStoreError, S3ObjectStore } from "../src/index.ts";
import { describeObjectStoreContract } from "./object-store-contract.ts";

let server: TestS3Server;
let client: S3Client;
let storeCount = 0;

beforeAll(async () => {
  server = await startS3Server();
  client = new S3Client(server.clientConfig);
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
});

/** A fresh empty store per test: its own bucket on the shared server. */
async function freshStore(): Promise<S3ObjectStore> {
  const bucket = `contract-${++storeCount}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3ObjectStore({ client, bucket });
}

describeObjectStoreContract("S3ObjectStore on s3rver", freshStore);

describe("S3ObjectStore", () => {
  it("triggers an ObjectCreated notification for each put", async () => {
    const store = new S3ObjectStore({ client, bucket: server.bucket });
    const events: S3EventNotification[] = [];
    const unsubscribe = server.onEvent((event) => events.push(event));
    await store.put("batches/2024/03/04/evt.json", new TextEncoder().encode("[]"));
    await expect.poll(() => events.length).toBe(1);
    unsubscribe();
    const record = events[0]?.Records[0];
    expect(record?.eventName).toBe("ObjectCreated:Put");
    expect(record?.s3.bucket.name).toBe(server.bucket);
    expect(record?.s3.object.key).toBe("batches/2024/03/04/evt.json");
  });

  it("fails puts with ObjectStoreError when the bucket does not exist", async () => {
    const store = new S3ObjectStore({ client, bucket: "no-such-bucket" });
    const failure = await store.put("k", new Uint8Array([1])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ObjectStoreError);
    expect((failure as Error).message).toMatch(/^could not store k in S3: NoSuchBucket: /);
  });

  it("maps a missing key to ObjectNotFoundError and a missing bucket on get to ObjectStoreError", async () => {
    const store = new S3ObjectStore({ client, bucket: server.bucket });
    await expect(store.get("missing")).rejects.toBeInstanceOf(ObjectNotFoundError);
    const noBucket = new S3ObjectStore({ client, bucket: "no-such-bucket" });
    await expect(noBucket.get("missing")).rejects.toBeInstanceOf(ObjectStoreError);
  });

  it("fails every operation with ObjectStoreError once the server is gone", async () => {
    const doomed = await startS3Server();
    const doomedClient = new S3Client({ ...doomed.clientConfig, maxAttempts: 1 });
    const store = new S3ObjectStore({ client: doomedClient, bucket: doomed.bucket });
    await store.put("k", new Uint8Array([1]));
    await doomed.close();
    await expect(store.put("k2", new Uint8Array([1]))).rejects.toBeInstanceOf(ObjectStoreError);
    await expect(store.get("k")).rejects.toBeInstanceOf(ObjectStoreError);
    await expect(store.exists("k")).rejects.toBeInstanceOf(ObjectStoreError);
    const listing = (async () => {
      for await (const _ of store.list("")) break;
    })();
    await expect(listing).rejects.toBeInstanceOf(ObjectStoreError);
    doomedClient.destroy();
  });
});

import type { ObjectStore, StoredObject } from "@msgevents/storage";

/**
 * Wraps an ObjectStore to report every stored object, as S3's ObjectCreated notifications do in the cloud. The
 * notification runs after the bytes are durable and before `put` resolves, so ingest answers 200 only once the
 * batch is both stored and queued; should the notification fail, the 5xx makes SparkPost retry, and start-up
 * recovery and the periodic sweep find the stored batch anyway.
 */
export class NotifyingObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly onStored: (key: string, storedAt: Date, size: number) => Promise<void> | void,
  ) {}

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.inner.put(key, body);
    await this.onStored(key, new Date(), body.byteLength);
  }

  get(key: string): Promise<Uint8Array> {
    return this.inner.get(key);
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  list(prefix: string, options?: { startAfter?: string; limit?: number }): AsyncIterable<StoredObject> {
    return this.inner.list(prefix, options);
  }
}

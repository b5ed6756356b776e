/** A stored raw webhook batch as listed by an object store. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ListOptions {
  /** Lists only keys strictly after this one (resume point). */
  startAfter?: string;
  /**
   * Page size: how many keys one underlying request fetches (S3 caps it at 1000). Iteration still goes through every
   * page; stop early by breaking out of the loop, which stops further requests.
   */
  limit?: number;
}

/**
 * Where raw webhook batches live: S3 in the cloud, a directory on the local stack. A `put` resolves only once the
 * bytes are durable; objects are written whole or not at all and are never modified after, but by an erasure
 * (ErasableObjectStore).
 *
 * Keys are `/`-separated segments of letters, digits, `.`, `_` and `-`, each starting with a letter, digit, `_` or
 * `-` (see object-keys.ts); both stores refuse other keys so local and cloud behave alike.
 */
export interface ObjectStore {
  /** Stores bytes under key. Overwriting an existing key with the same bytes is allowed (retries). */
  put(key: string, body: Uint8Array): Promise<void>;
  /** Reads a whole object; throws ObjectNotFoundError when the key does not exist. */
  get(key: string): Promise<Uint8Array>;
  exists(key: string): Promise<boolean>;
  /** Lists keys that start with prefix (at any depth) in ascending key order. */
  list(prefix: string, options?: ListOptions): AsyncIterable<StoredObject>;
}

/**
 * What erasing a recipient needs beyond ObjectStore: rewriting a stored batch without their records so that no
 * readable copy of the earlier content stays in the store.
 */
export interface ErasableObjectStore extends ObjectStore {
  /**
   * Writes body over key, then deletes every other version of key when the store keeps versions (an S3 bucket with
   * versioning on: noncurrent versions and delete markers). Returns how many other versions were deleted.
   */
  replace(key: string, body: Uint8Array): Promise<{ versionsDeleted: number }>;
  /**
   * Deletes every version of key but the current one (all of them when the current one is a delete marker or there is
   * none), for a batch that is gone from the listing but may live on as noncurrent versions. 0 when unversioned.
   */
  deleteOtherVersions(key: string): Promise<number>;
}

export class ObjectNotFoundError extends Error {
  override readonly name = "ObjectNotFoundError";
  constructor(readonly key: string) {
    super(`no stored object at key ${key}`);
  }
}

/** Storage itself failed (disk full, S3 unavailable): the caller answers 5xx so the sender retries. */
export class ObjectStoreError extends Error {
  override readonly name = "ObjectStoreError";
}

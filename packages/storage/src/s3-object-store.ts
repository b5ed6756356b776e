import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { assertValidObjectKey, assertValidPrefix } from "./object-keys.ts";
import {
  type ErasableObjectStore,
  type ListOptions,
  ObjectNotFoundError,
  ObjectStoreError,
  type StoredObject,
} from "./object-store.ts";

export interface S3ObjectStoreOptions {
  client: S3Client;
  bucket: string;
  /**
   * The bucket keeps object versions (versioning enabled or suspended): an erasure then also deletes the noncurrent
   * versions of what it rewrites, which needs s3:ListBucketVersions and s3:DeleteObjectVersion. Default false.
   */
  versioned?: boolean;
}

/** S3 allows at most 1000 keys per ListObjectsV2 page. */
const MAX_PAGE_SIZE = 1000;

/** An ObjectStore in an S3 bucket. S3 PUTs are atomic and durable once acknowledged, so put is a single PutObject. */
export class S3ObjectStore implements ErasableObjectStore {
  private readonly client: S3Client;
  readonly bucket: string;
  readonly versioned: boolean;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.versioned = options.versioned ?? false;
  }

  async replace(key: string, body: Uint8Array): Promise<{ versionsDeleted: number }> {
    assertValidObjectKey(key);
    let versionId: string | undefined;
    try {
      const written = await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
      // A bucket with versioning suspended gives the new object the version id "null".
      versionId = written.VersionId ?? "null";
    } catch (error) {
      throw storeError(`could not store ${key}`, error);
    }
    return { versionsDeleted: this.versioned ? await this.deleteVersionsBut(key, versionId) : 0 };
  }

  async deleteOtherVersions(key: string): Promise<number> {
    assertValidObjectKey(key);
    return this.versioned ? this.deleteVersionsBut(key, undefined) : 0;
  }

  /** Deletes every version and delete marker of key except `keep` (the current object version when undefined). */
  private async deleteVersionsBut(key: string, keep: string | undefined): Promise<number> {
    const doomed: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: key,
            KeyMarker: keyMarker,
            VersionIdMarker: versionIdMarker,
          }),
        )
        .catch((error: unknown) => {
          throw storeError(`could not list the versions of ${key}`, error);
        });
      for (const version of page.Versions ?? []) {
        if (version.Key !== key || version.VersionId === undefined) continue;
        const current = keep === undefined && version.IsLatest === true;
        if (version.VersionId !== keep && !current) doomed.push(version.VersionId);
      }
      for (const marker of page.DeleteMarkers ?? []) {
        if (marker.Key === key && marker.VersionId !== undefined) doomed.push(marker.VersionId);
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      versionIdMarker = more ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    for (const versionId of doomed) {
      await this.client
        .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }))
        .catch((error: unknown) => {
          throw storeError(`could not delete version ${versionId} of ${key}`, error);
        });
    }
    return doomed.length;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    assertValidObjectKey(key);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
    } catch (error) {
      throw storeError(`could not store ${key}`, error);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    assertValidObjectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!response.Body) throw new Error("S3 returned no body");
      return await response.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey) throw new ObjectNotFoundError(key);
      throw storeError(`could not read ${key}`, error);
    }
  }

  async exists(key: string): Promise<boolean> {
    assertValidObjectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      // HEAD responses have no body, so a missing bucket also reads as NotFound; the next put reports it.
      if (error instanceof NotFound || error instanceof NoSuchKey) return false;
      throw storeError(`could not check ${key}`, error);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<StoredObject> {
    assertValidPrefix(prefix);
    const pageSize = Math.min(Math.max(1, options.limit ?? MAX_PAGE_SIZE), MAX_PAGE_SIZE);
    let continuationToken: string | undefined;
    do {
      const command = new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix === "" ? undefined : prefix,
        StartAfter: options.startAfter,
        ContinuationToken: continuationToken,
        MaxKeys: pageSize,
      });
      const page = await this.client.send(command).catch((error: unknown) => {
        throw storeError(`could not list ${prefix || "the bucket"}`, error);
      });
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }
}

function storeError(message: string, cause: unknown): ObjectStoreError {
  const detail = cause instanceof Error ? `: ${cause.name}: ${cause.message}` : "";
  return new ObjectStoreError(`${message} in S3${detail}`, { cause });
}

import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { S3ClientConfig } from "@aws-sdk/client-s3";

export interface ObjectVersion {
  versionId: string;
  /** undefined for a delete marker. */
  body: Buffer | undefined;
  lastModified: Date;
}

export interface TestVersionedS3 {
  endpoint: string;
  bucket: string;
  /** For `new S3Client(...)`: path-style, dummy credentials, checksums only where S3 requires them. */
  clientConfig: S3ClientConfig;
  /** Every version of key, oldest first, delete markers included: what the test inspects directly. */
  versions(key: string): readonly ObjectVersion[];
  /** The keys with any version, sorted. */
  keys(): string[];
  close(): Promise<void>;
}

/**
 * An S3 bucket with versioning enabled, for tests of what an erasure leaves in noncurrent versions. Neither s3rver
 * nor fauxqs implements versioning, and no npm package emulates it; this serves, path-style and in S3's REST/XML
 * protocol so the real `@aws-sdk/client-s3` talks to it unchanged, exactly the calls msgevents makes: PutObject,
 * GetObject and HeadObject (optionally by versionId), DeleteObject (a delete marker, or one version by versionId),
 * ListObjectsV2 and ListObjectVersions (one page: tests hold few keys). Anything else is answered NotImplemented.
 */
export async function startVersionedS3(options: { bucket?: string } = {}): Promise<TestVersionedS3> {
  const bucket = options.bucket ?? "msgevents-versioned";
  const objects = new Map<string, ObjectVersion[]>();
  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => answer(request, body, response))
      .catch((error: Error) => sendError(response, 500, "InternalError", error.message));
  });

  function answer(request: IncomingMessage, body: Buffer, response: ServerResponse): undefined {
    const url = new URL(request.url ?? "/", "http://localhost");
    const [, bucketName, ...keyParts] = url.pathname.split("/");
    if (bucketName !== bucket) return sendError(response, 404, "NoSuchBucket", "The specified bucket does not exist");
    const key = decodeURIComponent(keyParts.join("/"));
    const versionId = url.searchParams.get("versionId") ?? undefined;
    const method = request.method ?? "GET";
    if (key === "") {
      if (method === "GET" && url.searchParams.has("versions")) return listVersions(url, response);
      if (method === "GET" && url.searchParams.get("list-type") === "2") return listObjects(url, response);
      if (method === "HEAD") return send(response, 200, "");
      return sendError(response, 501, "NotImplemented", `${method} ${url.search} is not served`);
    }
    const versions = objects.get(key) ?? [];
    if (method === "PUT") {
      const version = { versionId: newVersionId(), body, lastModified: new Date() };
      objects.set(key, [...versions, version]);
      return send(response, 200, "", { etag: etagOf(body), "x-amz-version-id": version.versionId });
    }
    if (method === "GET" || method === "HEAD") {
      const version = versionId ? versions.find((v) => v.versionId === versionId) : versions.at(-1);
      if (!version?.body) return sendError(response, 404, "NoSuchKey", "The specified key does not exist.", method);
      return send(response, 200, method === "HEAD" ? "" : version.body, {
        etag: etagOf(version.body),
        "content-length": String(version.body.byteLength),
        "last-modified": version.lastModified.toUTCString(),
        "x-amz-version-id": version.versionId,
      });
    }
    if (method === "DELETE") {
      if (versionId) {
        objects.set(
          key,
          versions.filter((v) => v.versionId !== versionId),
        );
        if ((objects.get(key) ?? []).length === 0) objects.delete(key);
        return send(response, 204, "", { "x-amz-version-id": versionId });
      }
      const marker = { versionId: newVersionId(), body: undefined, lastModified: new Date() };
      objects.set(key, [...versions, marker]);
      return send(response, 204, "", { "x-amz-version-id": marker.versionId, "x-amz-delete-marker": "true" });
    }
    return sendError(response, 501, "NotImplemented", `${method} is not served`);
  }

  function listVersions(url: URL, response: ServerResponse): undefined {
    const prefix = url.searchParams.get("prefix") ?? "";
    const entries: string[] = [];
    for (const key of [...objects.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      const versions = objects.get(key) ?? [];
      // S3 lists a key's versions newest first.
      versions.forEach((version, index) => {
        const fields = [
          tag("Key", key),
          tag("VersionId", version.versionId),
          tag("IsLatest", String(index === versions.length - 1)),
          tag("LastModified", version.lastModified.toISOString()),
        ];
        entries.unshift(
          version.body
            ? `<Version>${fields.join("")}${tag("ETag", etagOf(version.body))}${tag("Size", String(version.body.byteLength))}</Version>`
            : `<DeleteMarker>${fields.join("")}</DeleteMarker>`,
        );
      });
    }
    return send(
      response,
      200,
      `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult>${tag("Name", bucket)}${tag("Prefix", prefix)}${tag("IsTruncated", "false")}${entries.join("")}</ListVersionsResult>`,
      { "content-type": "application/xml" },
    );
  }

  function listObjects(url: URL, response: ServerResponse): undefined {
    const prefix = url.searchParams.get("prefix") ?? "";
    const startAfter = url.searchParams.get("start-after") ?? "";
    const contents: string[] = [];
    for (const key of [...objects.keys()].sort()) {
      const current = objects.get(key)?.at(-1);
      if (!key.startsWith(prefix) || key <= startAfter || !current?.body) continue;
      contents.push(
        `<Contents>${tag("Key", key)}${tag("LastModified", current.lastModified.toISOString())}${tag("ETag", etagOf(current.body))}${tag("Size", String(current.body.byteLength))}</Contents>`,
      );
    }
    return send(
      response,
      200,
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>${tag("Name", bucket)}${tag("Prefix", prefix)}${tag("KeyCount", String(contents.length))}${tag("IsTruncated", "false")}${contents.join("")}</ListBucketResult>`,
      { "content-type": "application/xml" },
    );
  }

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    clientConfig: {
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    },
    versions: (key) => [...(objects.get(key) ?? [])],
    keys: () => [...objects.keys()].sort(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

const newVersionId = () => randomBytes(12).toString("base64url");
const etagOf = (body: Buffer) => `"${createHash("md5").update(body).digest("hex")}"`;

function tag(name: string, value: string): string {
  const escaped = value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  return `<${name}>${escaped}</${name}>`;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Returns undefined so that handlers can `return send(...)`. */
function send(
  response: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): undefined {
  response.writeHead(status, headers);
  response.end(body);
  return undefined;
}

function sendError(response: ServerResponse, status: number, code: string, message: string, method = "GET"): undefined {
  const body =
    method === "HEAD"
      ? ""
      : `<?xml version="1.0" encoding="UTF-8"?><Error>${tag("Code", code)}${tag("Message", message)}</Error>`;
  return send(response, status, body, { "content-type": "application/xml" });
}

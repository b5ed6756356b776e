import type { IncomingMessage, ServerResponse } from "node:http";
import { normalizeHeaders } from "./headers.ts";
import { errorResponse } from "./responses.ts";
import type { HttpRequest, HttpResponse } from "./types.ts";

export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

export function bodyTooLargeResponse(limit: number): HttpResponse {
  return errorResponse(413, {
    message: "request body too large",
    description: `the body must be at most ${limit} bytes`,
  });
}

/** Reads a node:http request into an HttpRequest, refusing bodies above maxBodyBytes before buffering them. */
export async function readNodeRequest(req: IncomingMessage, maxBodyBytes: number): Promise<HttpRequest> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBodyBytes) throw new BodyTooLargeError(maxBodyBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new BodyTooLargeError(maxBodyBytes);
    chunks.push(chunk);
  }
  return { ...nodeRequestHead(req), body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) };
}

/** A node:http request without its body (empty): method, path, query, headers and peer. */
export function nodeRequestHead(req: IncomingMessage): HttpRequest {
  const url = req.url ?? "/";
  const queryAt = url.indexOf("?");
  return {
    method: (req.method ?? "GET").toUpperCase(),
    path: queryAt === -1 ? url : url.slice(0, queryAt),
    rawQuery: queryAt === -1 ? "" : url.slice(queryAt + 1),
    headers: normalizeHeaders(req.headers),
    body: new Uint8Array(),
    sourceIp: req.socket.remoteAddress,
  };
}

export function writeNodeResponse(res: ServerResponse, response: HttpResponse): void {
  res.writeHead(response.status, {
    ...response.headers,
    "content-length": String(Buffer.byteLength(response.body)),
  });
  res.end(response.body);
}

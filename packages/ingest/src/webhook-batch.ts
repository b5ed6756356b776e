import { createHash } from "node:crypto";
import { HttpError, type HttpRequest, type HttpResponse, jsonResponse } from "@msgevents/http";
import { batchKey, findStoredBatch, isValidBatchId } from "@msgevents/storage";
import { authenticateWebhook } from "./auth/authenticate-webhook.ts";
import { BATCH_ID_HEADER } from "./batch-id-header.ts";
import { inspectBatch } from "./batch-shape.ts";
import type { IngestDeps } from "./deps.ts";
import { mediaType, mediaTypeParameter } from "./media-type.ts";
import { refuseOversizedBatch } from "./oversized-batch.ts";

export { BATCH_ID_HEADER };

export interface BatchReceipt {
  batch_id: string;
  /** Event records in the batch (0 for a ping). */
  events: number;
  /** The batch was stored before (a SparkPost retry); nothing was written this time. */
  duplicate: boolean;
  /** This request wrote the batch. */
  stored: boolean;
}

/**
 * POST /webhooks/sparkpost: authenticate, validate cheaply, store the raw bytes exactly as received, answer 200.
 * Loading happens later from storage (SparkPost: store first, process asynchronously). Client mistakes get 4xx and
 * are never stored; a storage failure throws ObjectStoreError, which the router turns into 503 so SparkPost retries.
 */
export async function receiveWebhookBatch(request: HttpRequest, deps: IngestDeps): Promise<HttpResponse> {
  const receivedAt = deps.clock();
  const denied = await authenticateWebhook(request, deps.auth, receivedAt);
  if (denied) return denied;
  if (request.body.byteLength > deps.maxBodyBytes) return refuseOversizedBatch(request, request.body.byteLength, deps);
  assertJsonContentType(request.headers["content-type"]);
  const batchId = batchIdOf(request);
  const events = countEvents(request.body);
  const log = { batchId, bytes: request.body.byteLength, events };

  if (events === 0) {
    deps.logger.info("webhook ping acknowledged without storing", log);
    return receipt({ batch_id: batchId, events, duplicate: false, stored: false });
  }
  const existing = await findStoredBatch(deps.store, batchId, receivedAt);
  if (existing !== null) {
    deps.logger.info("duplicate webhook batch acknowledged", { ...log, key: existing });
    return receipt({ batch_id: batchId, events, duplicate: true, stored: false });
  }
  const key = batchKey(batchId, receivedAt);
  await deps.store.put(key, request.body);
  deps.logger.info("webhook batch stored", { ...log, key });
  return receipt({ batch_id: batchId, events, duplicate: false, stored: true });
}

function receipt(results: BatchReceipt): HttpResponse {
  return jsonResponse(200, { results });
}

/**
 * Only JSON is accepted; a missing Content-Type is tolerated because the body is parsed as JSON regardless and
 * refusing it would make SparkPost retry a good batch for 8 hours and then drop it.
 */
function assertJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  if (mediaType(contentType) !== "application/json") {
    throw new HttpError(415, {
      message: "unsupported content type",
      description: "send the batch as application/json",
    });
  }
  const charset = mediaTypeParameter(contentType, "charset");
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    throw new HttpError(415, { message: "unsupported content type", description: "JSON batches must be UTF-8" });
  }
}

/** The sender's batch id, or `sha256-<hex>` of the body when there is none, so identical retries dedupe too. */
function batchIdOf(request: HttpRequest): string {
  const header = request.headers[BATCH_ID_HEADER];
  if (header === undefined) return `sha256-${createHash("sha256").update(request.body).digest("hex")}`;
  if (!isValidBatchId(header)) {
    throw new HttpError(400, {
      message: "invalid batch id",
      description:
        "X-MessageSystems-Batch-ID must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit",
      param: "X-MessageSystems-Batch-ID",
    });
  }
  return header;
}

/**
 * Checks the body is a JSON array of objects and counts the records that carry an event. SparkPost's test ping
 * `[{"msys":{}}]` (and `[]`) carries none. Records are not validated further: the loader interprets them, and
 * SparkPost may add fields and event types at any time.
 */
function countEvents(body: Uint8Array): number {
  if (body.byteLength === 0) throw invalidBatch("the request body is empty; send a JSON array of event records");
  const shape = inspectBatch(body);
  switch (shape.kind) {
    case "not-utf8":
      throw invalidBatch("the request body is not valid UTF-8");
    case "not-json":
      throw invalidBatch("the request body is not valid JSON");
    case "not-array":
      throw invalidBatch("the request body must be a JSON array of event records");
    case "element-not-object":
      throw invalidBatch(`element ${shape.index} of the batch is not a JSON object`);
    case "batch":
      return shape.records - shape.pings;
  }
}

function invalidBatch(description: string): HttpError {
  return new HttpError(400, { message: "invalid batch", description });
}

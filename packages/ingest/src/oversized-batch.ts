import { bodyTooLargeResponse, type HttpRequest, type HttpResponse } from "@msgevents/http";
import { isValidBatchId } from "@msgevents/storage";
import { BATCH_ID_HEADER } from "./batch-id-header.ts";
import type { IngestDeps } from "./deps.ts";

/** A webhook batch refused for its size: SparkPost retries it for 8 hours and then discards it. */
export interface OversizedBatch {
  /** The `X-MessageSystems-Batch-ID` header, when present and well-formed. */
  batchId: string | undefined;
  /** The body's size, or its declared Content-Length when the server stopped reading early; undefined if neither. */
  bytes: number | undefined;
  limit: number;
}

/**
 * The 413 for an authenticated webhook post whose body is over the limit. A 413 loses the batch once SparkPost gives
 * up retrying, so it is logged as an error naming the batch and its size, and reported through
 * `deps.onOversizedBatch` (the local stack's counter, the Lambda's metric). `request` needs only its headers.
 */
export function refuseOversizedBatch(request: HttpRequest, bytes: number | undefined, deps: IngestDeps): HttpResponse {
  const header = request.headers[BATCH_ID_HEADER];
  const batch: OversizedBatch = {
    batchId: header !== undefined && isValidBatchId(header) ? header : undefined,
    bytes,
    limit: deps.maxBodyBytes,
  };
  deps.logger.error("webhook batch refused as too large: raise MSGEVENTS_MAX_BODY_BYTES", { ...batch });
  deps.onOversizedBatch?.(batch);
  return bodyTooLargeResponse(deps.maxBodyBytes);
}

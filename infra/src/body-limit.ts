// A body limit set in the stack configuration must be one the platform always delivers, or a batch ingest is
// configured to accept could instead die in API Gateway or Lambda with an error of theirs. (Left unset, ingest uses
// its own Lambda default: whatever reaches it, up to Lambda's payload limit.)

/** API Gateway HTTP API request payload quota (hard). */
export const HTTP_API_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Lambda synchronous invocation request payload quota: the whole event JSON, body included. */
export const LAMBDA_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
/** Room for the rest of the API Gateway v2 event: headers (≤ 10,240 bytes by quota), request context, JSON framing. */
export const EVENT_ENVELOPE_BYTES = 64 * 1024;

/** Bytes a body of `bodyBytes` takes inside the Lambda event in the worst case: API Gateway base64-encodes it. */
export function lambdaEventBytes(bodyBytes: number): number {
  return Math.ceil(bodyBytes / 3) * 4 + EVENT_ENVELOPE_BYTES;
}

/** The largest ingest limit the platform can always deliver. */
export function largestDeliverableBody(): number {
  return Math.floor((LAMBDA_MAX_REQUEST_BYTES - EVENT_ENVELOPE_BYTES) / 4) * 3;
}

export function assertBodyLimitDeliverable(maxBodyBytes: number): void {
  if (lambdaEventBytes(maxBodyBytes) > LAMBDA_MAX_REQUEST_BYTES || maxBodyBytes > HTTP_API_MAX_PAYLOAD_BYTES) {
    throw new Error(
      `msgevents:maxBodyBytes ${maxBodyBytes} is more than API Gateway and Lambda can deliver (a base64-encoded body ` +
        `must fit Lambda's ${LAMBDA_MAX_REQUEST_BYTES}-byte event): set it to at most ${largestDeliverableBody()}.`,
    );
  }
}

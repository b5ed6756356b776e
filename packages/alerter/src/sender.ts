import type { S3Client } from "@aws-sdk/client-s3";
import { attemptDelivery, type DeliveryReceipt, type OutboundDelivery, type SenderConfig } from "@msgevents/alerts";
import { OUTBOX_PREFIX, readJsonObject, writeReceipt } from "./outbox-bucket.ts";

export interface SenderDeps {
  s3: S3Client;
  bucket: string;
  config: SenderConfig;
}

/**
 * The sender function's job for the outbox objects S3 announced: one attempt per delivery, and a receipt for each
 * in the bucket for the evaluator. Keys outside `outbox/` are ignored. A receipt is written whatever the attempt's
 * outcome; only a failure to read the object or write the receipt throws (then the evaluator's deadline for the
 * receipt counts the attempt as failed and it is retried).
 */
export async function sendFromOutbox(keys: readonly string[], deps: SenderDeps): Promise<DeliveryReceipt[]> {
  const receipts: DeliveryReceipt[] = [];
  for (const key of keys) {
    if (!key.startsWith(OUTBOX_PREFIX)) continue;
    const delivery = (await readJsonObject(deps.s3, deps.bucket, key)) as OutboundDelivery;
    const outcome = await attemptDelivery(delivery.message, deps.config);
    const receipt: DeliveryReceipt = {
      deliveryId: delivery.id,
      attempt: delivery.attempt,
      ok: outcome.ok,
      ...(outcome.error ? { error: outcome.error } : {}),
      at: deps.config.now().toISOString(),
    };
    await writeReceipt(deps.s3, deps.bucket, receipt);
    receipts.push(receipt);
  }
  return receipts;
}

/** The object keys of an S3 event notification, decoded (S3 sends them URL-encoded, spaces as `+`). */
export function keysOfS3Event(event: { Records?: { s3?: { object?: { key?: string } } }[] }): string[] {
  return (event.Records ?? []).flatMap((record) => {
    const key = record.s3?.object?.key;
    return key ? [decodeURIComponent(key.replaceAll("+", " "))] : [];
  });
}

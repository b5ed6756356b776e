import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { DeliveryReceipt, DeliveryTransport, OutboundDelivery } from "@msgevents/alerts";

/**
 * The bucket between the evaluator (in the VPC, no internet: it reaches S3 through the free gateway endpoint) and
 * the sender (outside the VPC). The evaluator writes one object per attempt under `outbox/`, whose creation invokes
 * the sender; the sender writes how it went under `receipts/`, which the evaluator reads at its next cycle and
 * deletes once recorded. Lifecycle rules expire anything left behind.
 */
export const OUTBOX_PREFIX = "outbox/";
export const RECEIPTS_PREFIX = "receipts/";

export const outboxKey = (delivery: Pick<OutboundDelivery, "id" | "attempt">) =>
  `${OUTBOX_PREFIX}${delivery.id}-${delivery.attempt}.json`;
export const receiptKey = (receipt: Pick<DeliveryReceipt, "deliveryId" | "attempt">) =>
  `${RECEIPTS_PREFIX}${receipt.deliveryId}-${receipt.attempt}.json`;

const json = (value: unknown) => ({ Body: JSON.stringify(value), ContentType: "application/json" });

export async function readJsonObject(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await object.Body?.transformToString("utf8")) ?? "");
}

export function writeReceipt(s3: S3Client, bucket: string, receipt: DeliveryReceipt) {
  return s3.send(new PutObjectCommand({ Bucket: bucket, Key: receiptKey(receipt), ...json(receipt) }));
}

/** Receipts recorded per cycle at most; the rest wait for the next. */
const RECEIPTS_PER_CYCLE = 1000;

/** The evaluator's side: hand deliveries over as objects, collect the receipts the sender left. */
export function outboxTransport(s3: S3Client, bucket: string): DeliveryTransport {
  return {
    async send(deliveries) {
      for (const delivery of deliveries) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: outboxKey(delivery), ...json(delivery) }));
      }
      return [];
    },
    async collect(record) {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: RECEIPTS_PREFIX, MaxKeys: RECEIPTS_PER_CYCLE }),
      );
      const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
      const receipts = await Promise.all(
        keys.map(async (key) => (await readJsonObject(s3, bucket, key)) as DeliveryReceipt),
      );
      if (receipts.length === 0) return 0;
      await record(receipts);
      for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      return receipts.length;
    },
  };
}

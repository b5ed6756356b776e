import * as z from "zod/mini";

/** An object that S3 reported as created. */
export interface CreatedObject {
  bucket: string;
  /** The key, URL-decoded. */
  key: string;
  /** When S3 created the object, i.e. when the batch was received. */
  eventTime: Date | undefined;
}

export type S3Notification =
  /** Sent once when the bucket notification is configured; there is nothing to load. */
  { kind: "test" } | { kind: "objects"; created: CreatedObject[]; ignored: number };

/** The SQS message body is not an S3 event notification; retrying will not change that. */
export class MalformedNotificationError extends Error {
  override readonly name = "MalformedNotificationError";
}

const testEventSchema = z.object({ Event: z.literal("s3:TestEvent") });
const recordsSchema = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      eventTime: z.optional(z.string()),
      s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string() }) }),
    }),
  ),
});

/**
 * Reads the S3 event notification an SQS message carries: the `s3:TestEvent` message, or one or more records, of
 * which only ObjectCreated events are kept (`ignored` counts the others). S3 URL-encodes keys in notifications the
 * way HTML forms do, with `+` for a space.
 */
export function parseS3Notification(body: string): S3Notification {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedNotificationError("the message body is not JSON");
  }
  if (testEventSchema.safeParse(json).success) return { kind: "test" };
  const parsed = recordsSchema.safeParse(json);
  if (!parsed.success) throw new MalformedNotificationError("the message body is not an S3 event notification");
  const created: CreatedObject[] = [];
  for (const record of parsed.data.Records) {
    if (!record.eventName.startsWith("ObjectCreated:")) continue;
    created.push({
      bucket: record.s3.bucket.name,
      key: decodeS3Key(record.s3.object.key),
      eventTime: parseTime(record.eventTime),
    });
  }
  return { kind: "objects", created, ignored: parsed.data.Records.length - created.length };
}

/**
 * The body S3 sends to SQS for a created object (event notification structure 2.1): what the local stack's queue and
 * a replay send so that the loader takes a stored batch exactly as it takes one S3 reported.
 */
export function objectCreatedNotification(bucket: string, key: string, eventTime: Date, size: number): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        eventTime: eventTime.toISOString(),
        eventName: "ObjectCreated:Put",
        s3: {
          s3SchemaVersion: "1.0",
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          // S3 URL-encodes keys in notifications the way HTML forms do, with `+` for spaces.
          object: { key: encodeURIComponent(key).replaceAll("%2F", "/").replaceAll("%20", "+"), size },
        },
      },
    ],
  });
}

export function decodeS3Key(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replaceAll("+", " "));
  } catch {
    throw new MalformedNotificationError(`object key ${JSON.stringify(encoded)} is not URL-encoded`);
  }
}

function parseTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

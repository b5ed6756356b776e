/** The body S3 sends to SQS for a created object (event notification structure, version 2.1). */
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
          // S3 URL-encodes keys in notifications, with `+` for spaces.
          object: { key: encodeURIComponent(key).replaceAll("%2F", "/").replaceAll("%20", "+"), size },
        },
      },
    ],
  });
}

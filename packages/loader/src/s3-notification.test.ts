import { describe, expect, test } from "vitest";
import { decodeS3Key, MalformedNotificationError, parseS3Notification } from "./s3-notification.ts";

const record = (key: string, eventName = "ObjectCreated:Put") => ({
  eventName,
  eventTime: "2024-06-01T10:00:00.123Z",
  s3: { bucket: { name: "raw" }, object: { key, size: 10 } },
});

describe("parseS3Notification", () => {
  test("reads every ObjectCreated record of a message, with its bucket, decoded key and event time", () => {
    const body = JSON.stringify({
      Records: [record("batches/2024/06/01/a.json"), record("batches/2024/06/01/b%2Dc.json")],
    });

    expect(parseS3Notification(body)).toEqual({
      kind: "objects",
      created: [
        { bucket: "raw", key: "batches/2024/06/01/a.json", eventTime: new Date("2024-06-01T10:00:00.123Z") },
        { bucket: "raw", key: "batches/2024/06/01/b-c.json", eventTime: new Date("2024-06-01T10:00:00.123Z") },
      ],
      ignored: 0,
    });
  });

  test("recognises the s3:TestEvent message S3 sends when the notification is configured", () => {
    const body = JSON.stringify({
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Time: "2024-06-01T10:00:00Z",
      Bucket: "raw",
    });

    expect(parseS3Notification(body)).toEqual({ kind: "test" });
  });

  test("counts records of other event types as ignored", () => {
    const body = JSON.stringify({ Records: [record("batches/x.json", "ObjectRemoved:Delete")] });

    expect(parseS3Notification(body)).toEqual({ kind: "objects", created: [], ignored: 1 });
  });

  test("refuses a body that is not JSON", () => {
    expect(() => parseS3Notification("hello")).toThrow(new MalformedNotificationError("the message body is not JSON"));
  });

  test("refuses JSON that is not an S3 event notification", () => {
    expect(() => parseS3Notification('{"Records":[{"eventName":"ObjectCreated:Put"}]}')).toThrow(
      new MalformedNotificationError("the message body is not an S3 event notification"),
    );
  });
});

describe("decodeS3Key", () => {
  test("decodes percent-escapes and + as a space, as S3 encodes keys in notifications", () => {
    expect(decodeS3Key("batches/2024/06/01/my+batch%2B1%3D.json")).toBe("batches/2024/06/01/my batch+1=.json");
  });

  test("refuses a broken percent-escape", () => {
    expect(() => decodeS3Key("batches/%E0%A4%A.json")).toThrow(
      new MalformedNotificationError('object key "batches/%E0%A4%A.json" is not URL-encoded'),
    );
  });
});

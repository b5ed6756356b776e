import { createHmac, timingSafeEqual } from "node:crypto";
import { invalidParameter } from "./request/errors.ts";

/** Where a page ended, in the result order (event_time, event_id, type), all descending. */
export interface CursorPosition {
  eventTime: Date;
  eventId: string;
  type: string;
}

const SIGNATURE_BYTES = 16;

function sign(body: string, key: Buffer): Buffer {
  return createHmac("sha256", key).update(body).digest().subarray(0, SIGNATURE_BYTES);
}

/** An opaque, tamper-evident cursor over a list of JSON values: base64url(JSON) "." base64url(truncated HMAC-SHA256). */
export function sealCursor(values: readonly unknown[], key: Buffer): string {
  const body = Buffer.from(JSON.stringify(values)).toString("base64url");
  return `${body}.${sign(body, key).toString("base64url")}`;
}

/** The values a cursor holds, or undefined when it is malformed or was not signed with this key. */
export function openCursor(cursor: string, key: Buffer): unknown[] | undefined {
  const match = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (!match?.[1] || !match[2]) return undefined;
  const [, body, signature] = match;
  const given = Buffer.from(signature, "base64url");
  if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, sign(body, key))) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A time a cursor holds as ISO text, or undefined. */
export function cursorTime(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/**
 * The position the `cursor` parameter stands for: undefined for none or `initial`, else what `decode` makes of it;
 * a cursor that does not decode is the Events API's 400.
 */
export function parseCursorParameter<T>(
  value: string | undefined,
  decode: (cursor: string) => T | undefined,
): T | undefined {
  if (value === undefined || value === "initial") return undefined;
  const position = decode(value);
  if (!position) {
    throw invalidParameter(
      "cursor",
      "invalid cursor",
      "the cursor is malformed or was altered; use 'initial' or the cursor from links.next",
    );
  }
  return position;
}

export function encodeCursor(position: CursorPosition, key: Buffer): string {
  return sealCursor([position.eventTime.toISOString(), position.eventId, position.type], key);
}

export function decodeCursor(cursor: string, key: Buffer): CursorPosition | undefined {
  const values = openCursor(cursor, key);
  if (values?.length !== 3) return undefined;
  const [time, eventId, type] = values;
  const eventTime = cursorTime(time);
  if (!eventTime || typeof eventId !== "string" || typeof type !== "string") return undefined;
  return { eventTime, eventId, type };
}

import { createHmac, timingSafeEqual } from "node:crypto";

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

/** An opaque, tamper-evident cursor: base64url(JSON position) "." base64url(truncated HMAC-SHA256). */
export function encodeCursor(position: CursorPosition, key: Buffer): string {
  const body = Buffer.from(
    JSON.stringify([position.eventTime.toISOString(), position.eventId, position.type]),
  ).toString("base64url");
  return `${body}.${sign(body, key).toString("base64url")}`;
}

/** The position a cursor stands for, or undefined when it is malformed or was not signed with this key. */
export function decodeCursor(cursor: string, key: Buffer): CursorPosition | undefined {
  const match = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (!match?.[1] || !match[2]) return undefined;
  const [, body, signature] = match;
  const given = Buffer.from(signature, "base64url");
  if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, sign(body, key))) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [time, eventId, type] = parsed as unknown[];
  if (typeof time !== "string" || typeof eventId !== "string" || typeof type !== "string") return undefined;
  const eventTime = new Date(time);
  if (Number.isNaN(eventTime.getTime())) return undefined;
  return { eventTime, eventId, type };
}

import { createHmac, timingSafeEqual } from "node:crypto";

/** The header every webhook channel POST carries: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = "x-msgevents-signature";

export function signatureOf(body: string, key: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const digest = createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${digest}`;
}

/**
 * What a receiver does with the header: recompute the HMAC over the timestamp and the raw body with the shared key,
 * compare in constant time, and refuse a timestamp further than `toleranceSeconds` from its clock (a replayed
 * request). Exported for receivers written in TypeScript; README shows the same in a few lines of any language.
 */
export function verifySignature(
  body: string,
  header: string | undefined,
  key: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(
    (header ?? "").split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    }),
  );
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? "")) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = createHmac("sha256", key).update(`${timestamp}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1 ?? "", "hex"));
}

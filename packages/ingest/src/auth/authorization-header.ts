import type { BasicCredentials } from "./auth-config.ts";

export interface AuthorizationHeader {
  /** Lower-cased, e.g. `basic`, `bearer`. */
  scheme: string;
  credentials: string;
}

/** Splits `Authorization: <scheme> <credentials>`; null when the header is absent or has no credentials part. */
export function parseAuthorization(header: string | undefined): AuthorizationHeader | null {
  if (header === undefined) return null;
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S+) *$/.exec(header);
  if (!match) return null;
  return { scheme: (match[1] as string).toLowerCase(), credentials: match[2] as string };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes Basic credentials (RFC 7617): strict base64 of UTF-8 `user-id ":" password`. Null when malformed, since
 * Buffer.from(..., "base64") would silently skip bad characters.
 */
export function decodeBasicCredentials(token: string): BasicCredentials | null {
  if (!BASE64.test(token)) return null;
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(token, "base64"));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon === -1) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

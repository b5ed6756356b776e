import { createHash, timingSafeEqual } from "node:crypto";
import { errorResponse, type HttpResponse } from "@msgevents/http";

/** The key a SparkPost client sends: the raw `Authorization` value, or the user part of Basic credentials. */
export function presentedApiKey(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const value = authorization.trim();
  const basic = /^basic\s+(\S+)$/i.exec(value);
  if (!basic?.[1]) return value;
  const decoded = Buffer.from(basic[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/** Compares digests so the time taken reveals neither the key nor its length. */
export function isAuthorized(authorization: string | undefined, apiKey: string): boolean {
  const presented = presentedApiKey(authorization) ?? "";
  const expected = createHash("sha256").update(apiKey).digest();
  const actual = createHash("sha256").update(presented).digest();
  return timingSafeEqual(expected, actual) && presented.length > 0;
}

export const unauthorizedResponse = (): HttpResponse =>
  errorResponse(401, { message: "Unauthorized." }, { "www-authenticate": 'Basic realm="msgevents"' });

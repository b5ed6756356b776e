import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares a presented secret with the expected one in time that depends on neither: both are hashed to equal-length
 * digests first, because timingSafeEqual itself needs equal lengths and a length check would leak the secret's length.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  const presentedDigest = createHash("sha256").update(presented, "utf8").digest();
  const expectedDigest = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(presentedDigest, expectedDigest);
}

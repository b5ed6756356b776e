import { createHash, createHmac } from "node:crypto";

/**
 * The form an address is compared and hashed in: trimmed and lower-cased, since SparkPost compares addresses
 * case-insensitively (its rcpt_to is the lower-cased raw_rcpt_to).
 */
export function canonicalAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** The shortest secret the hasher accepts: deployments generate 32 random bytes. */
export const MIN_RECIPIENT_SECRET_LENGTH = 16;

/**
 * Keyed hashes of recipients (HMAC-SHA256 of the canonical address), the only form in which msgevents keeps an erased
 * address. The key is derived from the deployment's recipient-hash secret (the local stack's credentials file, a
 * Secrets Manager secret in AWS), which never enters the database: without it, a copy of the database cannot be
 * checked against a list of addresses.
 */
export class RecipientHasher {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < MIN_RECIPIENT_SECRET_LENGTH) {
      throw new Error(`the recipient-hash secret must be at least ${MIN_RECIPIENT_SECRET_LENGTH} characters`);
    }
    this.key = createHmac("sha256", secret).update("msgevents/recipient-hash/v1").digest();
  }

  hash(address: string): Buffer {
    return createHmac("sha256", this.key).update(canonicalAddress(address), "utf8").digest();
  }
}

/** How a hash is shown in the audit (API, CLI): `hmac-sha256:<hex>`. */
export function showHash(hash: Buffer): string {
  return `hmac-sha256:${hash.toString("hex")}`;
}

/**
 * Who made a request, for the audit: an identifier of the API key it presented (`api-key:` and the first 16 hex
 * digits of its SHA-256), from which the key cannot be recovered but which tells two keys apart.
 */
export function credentialId(apiKey: string): string {
  return `api-key:sha256:${createHash("sha256").update(apiKey, "utf8").digest("hex").slice(0, 16)}`;
}

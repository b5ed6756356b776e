import { readSecretJson } from "@msgevents/runtime-config/secrets";
import { RecipientHasher } from "./recipient-hash.ts";

type Env = Record<string, string | undefined>;

/** The local stack's (and any non-AWS deployment's) variable holding the recipient-hash secret itself. */
export const RECIPIENT_HASH_SECRET_ENV = "MSGEVENTS_RECIPIENT_HASH_SECRET";
/** In AWS: the Secrets Manager secret (JSON `{"recipientHashSecret": …}`) the loader, query and eraser read. */
export const RECIPIENT_SECRET_ARN_ENV = "MSGEVENTS_RECIPIENT_SECRET_ARN";

/**
 * The deployment's recipient hasher, from MSGEVENTS_RECIPIENT_SECRET_ARN (read once, at cold start) or
 * MSGEVENTS_RECIPIENT_HASH_SECRET. Throws naming the variable when neither is set: a deployable that suppresses
 * nothing must never start by mistake.
 */
export async function readRecipientHasher(
  env: Env,
  readSecret: (arn: string) => Promise<Record<string, string>> = readSecretJson,
): Promise<RecipientHasher> {
  const arn = env[RECIPIENT_SECRET_ARN_ENV];
  if (arn) {
    const secret = (await readSecret(arn)).recipientHashSecret;
    if (!secret) throw new Error(`the secret in ${RECIPIENT_SECRET_ARN_ENV} has no recipientHashSecret`);
    return new RecipientHasher(secret);
  }
  const secret = env[RECIPIENT_HASH_SECRET_ENV];
  if (!secret) throw new Error(`${RECIPIENT_SECRET_ARN_ENV} or ${RECIPIENT_HASH_SECRET_ENV} is required`);
  return new RecipientHasher(secret);
}

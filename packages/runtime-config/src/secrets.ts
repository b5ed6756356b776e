import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export class SecretError extends Error {
  override readonly name = "SecretError";
}

/**
 * Reads a JSON secret from Secrets Manager and returns its string fields. Lambdas call it once per cold start, at
 * module scope. Errors name the secret and the problem, never the secret's content.
 */
export async function readSecretJson(
  secretId: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<Record<string, string>> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (SecretString === undefined) throw new SecretError(`secret ${secretId} has no SecretString`);
  let value: unknown;
  try {
    value = JSON.parse(SecretString);
  } catch {
    throw new SecretError(`secret ${secretId} is not JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SecretError(`secret ${secretId} is not a JSON object`);
  }
  const fields: Record<string, string> = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === "string") fields[key] = field;
  }
  return fields;
}

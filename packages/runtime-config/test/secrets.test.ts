import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { startSecretsManager, type TestSecretsManager } from "@msgevents/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readSecretJson } from "../src/secrets.ts";

let secrets: TestSecretsManager;
let client: SecretsManagerClient;

beforeAll(async () => {
  secrets = await startSecretsManager();
  client = new SecretsManagerClient({
    endpoint: secrets.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterAll(async () => {
  client?.destroy();
  await secrets?.close();
});

test("reads a JSON secret's string fields by ARN", async () => {
  const arn = secrets.put("api", { apiKey: "k".repeat(20), cursorSecret: "c".repeat(20), rotations: 3 });
  expect(await readSecretJson(arn, client)).toEqual({ apiKey: "k".repeat(20), cursorSecret: "c".repeat(20) });
  expect(secrets.reads.at(-1)).toBe(arn);
});

test("a secret that is not a JSON object is refused without showing its content", async () => {
  const arn = secrets.put("plain", "hunter2-the-password");
  const error = await readSecretJson(arn, client).catch((caught: Error) => caught);
  expect(error).toMatchObject({ name: "SecretError", message: `secret ${arn} is not JSON` });
  expect(String(error)).not.toContain("hunter2");
  const list = secrets.put("list", ["a"]);
  await expect(readSecretJson(list, client)).rejects.toThrow(`secret ${list} is not a JSON object`);
});

test("a missing secret fails with Secrets Manager's own error", async () => {
  await expect(
    readSecretJson("arn:aws:secretsmanager:us-east-1:000000000000:secret:none", client),
  ).rejects.toMatchObject({
    name: "ResourceNotFoundException",
  });
});

import { expect, test } from "vitest";
import { readEvaluatorEnv, readSenderEnv, senderSecrets } from "./env.ts";

const database = {
  MSGEVENTS_DB_HOST: "db.example.internal",
  MSGEVENTS_DB_NAME: "msgevents",
  MSGEVENTS_DB_USER: "msgevents_alerts",
  MSGEVENTS_DB_IAM_AUTH: "true",
  AWS_REGION: "eu-west-1",
};

test("the evaluator needs the database, the outbox bucket and the public URL", () => {
  const config = readEvaluatorEnv({
    ...database,
    MSGEVENTS_OUTBOX_BUCKET: "outbox-bucket",
    MSGEVENTS_PUBLIC_URL: "https://events.example.com",
  });
  expect(config).toMatchObject({ bucket: "outbox-bucket", publicUrl: "https://events.example.com", poolMax: 2 });
  expect(() => readEvaluatorEnv({ ...database, MSGEVENTS_PUBLIC_URL: "events.example.com" })).toThrow(
    /^invalid alert evaluator configuration: MSGEVENTS_OUTBOX_BUCKET: .*; MSGEVENTS_PUBLIC_URL: /,
  );
  expect(() => readEvaluatorEnv({ MSGEVENTS_OUTBOX_BUCKET: "b", MSGEVENTS_PUBLIC_URL: "https://x.example" })).toThrow(
    /set DATABASE_URL, or MSGEVENTS_DB_HOST/,
  );
});

test("the sender sends e-mail only with both the SparkPost key (secret) and the From address (environment)", () => {
  const env = { MSGEVENTS_OUTBOX_BUCKET: "outbox-bucket", MSGEVENTS_ALERT_SECRET_ARN: "arn:secret" };
  const withoutFrom = readSenderEnv(env);
  expect(withoutFrom.apiUrl).toBe("https://api.sparkpost.com");
  expect(
    senderSecrets(withoutFrom, { signingKey: "k".repeat(32), sparkPostApiKey: "sp" }).transmissions,
  ).toBeUndefined();
  const withFrom = readSenderEnv({ ...env, MSGEVENTS_ALERT_EMAIL_FROM: "alerts@example.com" });
  expect(senderSecrets(withFrom, { signingKey: "k".repeat(32), sparkPostApiKey: "sp" }).transmissions).toEqual({
    apiKey: "sp",
    apiUrl: "https://api.sparkpost.com",
    from: "alerts@example.com",
  });
  expect(() => senderSecrets(withFrom, {})).toThrow("the alert secret needs a signingKey of at least 16 characters");
  expect(() => readSenderEnv({ ...env, MSGEVENTS_ALERT_SPARKPOST_API_URL: "http://api.sparkpost.com" })).toThrow(
    /MSGEVENTS_ALERT_SPARKPOST_API_URL/,
  );
});

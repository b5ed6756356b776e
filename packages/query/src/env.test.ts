import { expect, test } from "vitest";
import { apiSecretArn, deriveCursorKey, loadQueryConfig, withApiSecret } from "./env.ts";

const base = { DATABASE_URL: "postgres://localhost/msgevents", MSGEVENTS_API_KEY: "key-0123456789" };

test("the cursor key derives from the API key unless a cursor secret is set", () => {
  expect(loadQueryConfig(base).cursorKey).toEqual(deriveCursorKey("key-0123456789"));
  const secret = "cursor-secret-0123456789";
  expect(loadQueryConfig({ ...base, MSGEVENTS_CURSOR_SECRET: secret }).cursorKey).toEqual(deriveCursorKey(secret));
});

test("defaults keep the pool small", () => {
  expect(loadQueryConfig(base)).toMatchObject({ poolMax: 2, statementTimeoutMs: 15_000 });
});

test("a missing API key is a configuration error", () => {
  expect(() => loadQueryConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(/MSGEVENTS_API_KEY/);
});

test("the database can be given as host, name and user with IAM authentication and TLS instead of DATABASE_URL", () => {
  const config = loadQueryConfig({
    MSGEVENTS_API_KEY: base.MSGEVENTS_API_KEY,
    MSGEVENTS_DB_HOST: "db.internal",
    MSGEVENTS_DB_NAME: "msgevents",
    MSGEVENTS_DB_USER: "msgevents_query",
    MSGEVENTS_DB_SSL: "true",
    MSGEVENTS_DB_IAM_AUTH: "true",
    AWS_REGION: "eu-west-1",
  });
  expect(config.database).toEqual({
    host: "db.internal",
    port: 5432,
    database: "msgevents",
    user: "msgevents_query",
    password: undefined,
    ssl: true,
    iamAuthRegion: "eu-west-1",
  });
});

test("a configuration without a database names what to set", () => {
  expect(() => loadQueryConfig({ MSGEVENTS_API_KEY: base.MSGEVENTS_API_KEY })).toThrow(
    "invalid query configuration: invalid database configuration: environment: set DATABASE_URL, or MSGEVENTS_DB_HOST with MSGEVENTS_DB_NAME and MSGEVENTS_DB_USER",
  );
});

test("the API secret's apiKey and cursorSecret stand in for the variables", () => {
  const env = withApiSecret(
    { DATABASE_URL: base.DATABASE_URL },
    { apiKey: "secret-key-0123", cursorSecret: "c".repeat(16) },
  );
  const config = loadQueryConfig(env);
  expect(config.apiKey).toBe("secret-key-0123");
  expect(config.cursorKey).toEqual(deriveCursorKey("c".repeat(16)));
  expect(apiSecretArn({ MSGEVENTS_API_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:api" })).toBe(
    "arn:aws:secretsmanager:eu-west-1:1:secret:api",
  );
  expect(apiSecretArn({ MSGEVENTS_API_SECRET_ARN: "" })).toBeUndefined();
});

test("an API secret without apiKey is refused", () => {
  expect(() => withApiSecret({}, { cursorSecret: "c".repeat(16) })).toThrow("the API secret has no apiKey");
});

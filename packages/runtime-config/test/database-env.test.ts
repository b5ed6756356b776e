import { describe, expect, test } from "vitest";
import { pgConnectionOptions, readDatabaseEnv } from "../src/database.ts";

const host = { MSGEVENTS_DB_HOST: "db.internal", MSGEVENTS_DB_NAME: "msgevents", MSGEVENTS_DB_USER: "msgevents_query" };

describe("readDatabaseEnv", () => {
  test("DATABASE_URL wins over the host variables", () => {
    expect(readDatabaseEnv({ ...host, DATABASE_URL: "postgres://u:p@localhost/db" })).toEqual({
      connectionString: "postgres://u:p@localhost/db",
      ssl: false,
    });
  });

  test("host, port, name, user and password, with the port defaulting to 5432", () => {
    expect(readDatabaseEnv({ ...host, MSGEVENTS_DB_PASSWORD: "pw", MSGEVENTS_DB_SSL: "true" })).toEqual({
      host: "db.internal",
      port: 5432,
      database: "msgevents",
      user: "msgevents_query",
      password: "pw",
      ssl: true,
      iamAuthRegion: undefined,
    });
  });

  test("IAM authentication signs for AWS_REGION", () => {
    expect(
      readDatabaseEnv({ ...host, MSGEVENTS_DB_PORT: "5433", MSGEVENTS_DB_IAM_AUTH: "true", AWS_REGION: "eu-west-1" }),
    ).toMatchObject({ port: 5433, iamAuthRegion: "eu-west-1", password: undefined });
  });

  test.each([
    [{}, "environment: set DATABASE_URL, or MSGEVENTS_DB_HOST with MSGEVENTS_DB_NAME and MSGEVENTS_DB_USER"],
    [{ MSGEVENTS_DB_HOST: "db" }, "MSGEVENTS_DB_HOST needs MSGEVENTS_DB_NAME and MSGEVENTS_DB_USER"],
    [{ ...host, MSGEVENTS_DB_IAM_AUTH: "true" }, "MSGEVENTS_DB_IAM_AUTH=true needs AWS_REGION"],
    [
      { ...host, MSGEVENTS_DB_IAM_AUTH: "true", AWS_REGION: "eu-west-1", MSGEVENTS_DB_PASSWORD: "pw" },
      "MSGEVENTS_DB_IAM_AUTH=true and MSGEVENTS_DB_PASSWORD contradict each other; set one",
    ],
    [{ ...host, MSGEVENTS_DB_SSL: "yes" }, "MSGEVENTS_DB_SSL: "],
    [{ ...host, MSGEVENTS_DB_PORT: "70000" }, "MSGEVENTS_DB_PORT: "],
  ])("refuses %j", (env, message) => {
    expect(() => readDatabaseEnv(env)).toThrow(message);
  });

  test("empty variables count as unset", () => {
    expect(readDatabaseEnv({ ...host, MSGEVENTS_DB_PORT: "", MSGEVENTS_DB_SSL: "", DATABASE_URL: "" })).toMatchObject({
      port: 5432,
      ssl: false,
    });
  });
});

describe("pgConnectionOptions", () => {
  test("TLS verifies the server against Node's trusted CAs: rejectUnauthorized and no ca of its own", () => {
    const options = pgConnectionOptions(
      readDatabaseEnv({ ...host, MSGEVENTS_DB_PASSWORD: "pw", MSGEVENTS_DB_SSL: "true" }),
    );
    expect(options.ssl).toEqual({ rejectUnauthorized: true });
    expect(options.password).toBe("pw");
  });

  test("without MSGEVENTS_DB_SSL there is no TLS", () => {
    expect(pgConnectionOptions(readDatabaseEnv({ DATABASE_URL: "postgres://localhost/db" })).ssl).toBeUndefined();
  });

  test("with IAM authentication the password is a function asking the signer for a fresh token each time", async () => {
    let issued = 0;
    const signer = { getAuthToken: async () => `token-${++issued}` };
    const settings = readDatabaseEnv({ ...host, MSGEVENTS_DB_IAM_AUTH: "true", AWS_REGION: "eu-west-1" });
    const { password } = pgConnectionOptions(settings, { signer });
    if (typeof password !== "function") throw new Error("expected a password function");
    expect([await password(), await password()]).toEqual(["token-1", "token-2"]);
  });
});

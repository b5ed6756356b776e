import { describe, expect, test } from "vitest";
import { readLoaderEnv } from "./env.ts";

describe("readLoaderEnv", () => {
  test("uses DATABASE_URL and defaults the pool to two connections", () => {
    expect(readLoaderEnv({ DATABASE_URL: "postgres://u:p@db/msgevents", MSGEVENTS_S3_BUCKET: "raw" })).toEqual({
      database: { connectionString: "postgres://u:p@db/msgevents", ssl: false },
      bucket: "raw",
      s3Endpoint: undefined,
      poolMax: 2,
    });
  });

  test("builds the connection from host, port, name, user, IAM authentication and TLS", () => {
    const config = readLoaderEnv({
      MSGEVENTS_DB_HOST: "db.internal",
      MSGEVENTS_DB_PORT: "6432",
      MSGEVENTS_DB_NAME: "msgevents",
      MSGEVENTS_DB_USER: "msgevents_loader",
      MSGEVENTS_DB_IAM_AUTH: "true",
      MSGEVENTS_DB_SSL: "true",
      AWS_REGION: "eu-west-1",
      MSGEVENTS_S3_BUCKET: "raw",
      MSGEVENTS_S3_ENDPOINT: "http://127.0.0.1:4566",
      MSGEVENTS_LOADER_POOL_MAX: "4",
    });

    expect(config).toEqual({
      database: {
        host: "db.internal",
        port: 6432,
        database: "msgevents",
        user: "msgevents_loader",
        password: undefined,
        ssl: true,
        iamAuthRegion: "eu-west-1",
      },
      bucket: "raw",
      s3Endpoint: "http://127.0.0.1:4566",
      poolMax: 4,
    });
  });

  test("treats empty variables as unset", () => {
    expect(
      readLoaderEnv({ DATABASE_URL: "postgres://db/x", MSGEVENTS_S3_BUCKET: "raw", MSGEVENTS_LOADER_POOL_MAX: "" })
        .poolMax,
    ).toBe(2);
  });

  test("refuses a configuration without a database", () => {
    expect(() => readLoaderEnv({ MSGEVENTS_S3_BUCKET: "raw" })).toThrow(
      "invalid loader configuration: invalid database configuration: environment: set DATABASE_URL, or MSGEVENTS_DB_HOST with MSGEVENTS_DB_NAME and MSGEVENTS_DB_USER",
    );
  });

  test("names every invalid variable", () => {
    expect(() =>
      readLoaderEnv({ DATABASE_URL: "postgres://db/x", MSGEVENTS_LOADER_POOL_MAX: "50", MSGEVENTS_DB_SSL: "yes" }),
    ).toThrow(
      /^invalid loader configuration: invalid database configuration: MSGEVENTS_DB_SSL: .+; MSGEVENTS_S3_BUCKET: .+; MSGEVENTS_LOADER_POOL_MAX: .+$/,
    );
  });
});

import { describe, expect, test } from "vitest";
import {
  MigratorConfigError,
  masterSecretArn,
  migratorDatabase,
  readMaintenanceEnv,
  readMigrationLimits,
} from "./env.ts";

const database = { MSGEVENTS_DB_HOST: "db.internal", MSGEVENTS_DB_NAME: "msgevents", MSGEVENTS_DB_SSL: "true" };

describe("migrator configuration", () => {
  test("connects as the master secret's user with its password, over verified TLS", () => {
    expect(migratorDatabase(database, { username: "postgres_master", password: "pw" })).toEqual({
      host: "db.internal",
      port: 5432,
      database: "msgevents",
      user: "postgres_master",
      password: "pw",
      ssl: true,
      iamAuthRegion: undefined,
    });
  });

  test("needs the master secret's ARN, and a secret with username and password", () => {
    expect(() => masterSecretArn({})).toThrow(new MigratorConfigError("MSGEVENTS_DB_MASTER_SECRET_ARN is required"));
    expect(() => migratorDatabase(database, { username: "postgres_master" })).toThrow(
      "the master secret needs username and password",
    );
  });
});

describe("migration limits", () => {
  test("default to a 10 s lock wait and 5 minute statements, well under the function's 15 minutes", () => {
    expect(readMigrationLimits({})).toEqual({ lockTimeoutMs: 10_000, statementTimeoutMs: 300_000 });
    expect(readMigrationLimits({ MSGEVENTS_MIGRATION_STATEMENT_TIMEOUT_MS: "" }).statementTimeoutMs).toBe(300_000);
  });

  test("can be set, within bounds that keep a statement inside the function's time", () => {
    expect(
      readMigrationLimits({
        MSGEVENTS_MIGRATION_LOCK_TIMEOUT_MS: "2000",
        MSGEVENTS_MIGRATION_STATEMENT_TIMEOUT_MS: "60000",
      }),
    ).toEqual({ lockTimeoutMs: 2_000, statementTimeoutMs: 60_000 });
    expect(() => readMigrationLimits({ MSGEVENTS_MIGRATION_STATEMENT_TIMEOUT_MS: "900000" })).toThrow(
      /^invalid migrator configuration: MSGEVENTS_MIGRATION_STATEMENT_TIMEOUT_MS: /,
    );
    expect(() => readMigrationLimits({ MSGEVENTS_MIGRATION_LOCK_TIMEOUT_MS: "soon" })).toThrow(MigratorConfigError);
  });
});

describe("maintenance configuration", () => {
  const env = {
    ...database,
    MSGEVENTS_DB_USER: "msgevents_maintenance",
    MSGEVENTS_DB_IAM_AUTH: "true",
    AWS_REGION: "eu-west-1",
  };

  test("retention is whole days; unset, empty or 0 keeps everything", () => {
    expect(readMaintenanceEnv({ ...env, MSGEVENTS_RETENTION_DAYS: "400" }).retentionDays).toBe(400);
    expect(readMaintenanceEnv(env).retentionDays).toBeUndefined();
    expect(readMaintenanceEnv({ ...env, MSGEVENTS_RETENTION_DAYS: "" }).retentionDays).toBeUndefined();
    expect(readMaintenanceEnv({ ...env, MSGEVENTS_RETENTION_DAYS: "0" }).retentionDays).toBeUndefined();
  });

  test("a retention that is not a whole number of days is refused", () => {
    expect(() => readMaintenanceEnv({ ...env, MSGEVENTS_RETENTION_DAYS: "1.5" })).toThrow(
      /^invalid maintenance configuration: MSGEVENTS_RETENTION_DAYS: /,
    );
    expect(() => readMaintenanceEnv({ ...env, MSGEVENTS_RETENTION_DAYS: "-3" })).toThrow(MigratorConfigError);
  });
});

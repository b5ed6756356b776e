import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { BatchArchive } from "../src/components/batch-archive.ts";
import { Database } from "../src/components/database.ts";
import { fixtureSourceRoot, type ProgramRun, type RecordedResource, runMocked, runProgram } from "./harness.ts";

/**
 * The URN each stateful resource had at its first deploy. A resource whose URN changes without an alias to this one
 * is replaced: a new, empty database or bucket, or new credentials SparkPost does not know. Renaming or moving one (or
 * its component) must add an alias; this list never changes.
 */
const FIRST_DEPLOYED = {
  database: "msgevents:aws:Database$aws:rds/instance:Instance::database-postgres",
  bucket: "msgevents:aws:BatchArchive$aws:s3/bucket:Bucket::archive-batches",
  webhookPassword: "msgevents:aws:AppSecrets$random:index/randomPassword:RandomPassword::secrets-webhook-password",
  oauthClientSecret: "msgevents:aws:AppSecrets$random:index/randomPassword:RandomPassword::secrets-oauth-client-secret",
  apiKey: "msgevents:aws:AppSecrets$random:index/randomPassword:RandomPassword::secrets-api-key",
} as const;
const urn = (key: keyof typeof FIRST_DEPLOYED, stack = "dev") =>
  `urn:pulumi:${stack}::msgevents::${FIRST_DEPLOYED[key]}`;

/** The resource the engine would match against `first`: by its own URN or an alias. */
const holderOf = (resources: RecordedResource[], first: string) =>
  resources.find((r) => r.urn === first || r.aliasUrns.includes(first));

describe("the stateful resources of the default stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ sourceRoot: fixtureSourceRoot() });
  });

  it("keep the URNs of their first deploy, or an alias to them", () => {
    for (const key of Object.keys(FIRST_DEPLOYED) as (keyof typeof FIRST_DEPLOYED)[]) {
      expect(holderOf(run.resources, urn(key)), key).toBeDefined();
    }
  });

  it("protect the database and the raw-batch bucket: no destroy and no replacement can delete them", () => {
    expect(run.named("database-postgres").protect).toBe(true);
    expect(run.named("archive-batches").protect).toBe(true);
    expect(run.named("database-postgres").inputs.deletionProtection).toBe(true);
  });
});

/** The Database and BatchArchive components alone, as a program renaming or moving them would declare them. */
const declareStorage =
  (names: { database: string; archive: string }, opts: (old: string) => pulumi.ComponentResourceOptions) =>
  async () => {
    const database = new Database(
      names.database,
      { subnetIds: ["subnet-a", "subnet-b"], securityGroupId: "sg-1" },
      opts("database"),
    );
    new BatchArchive(names.archive, { accountId: "123456789012", loaderTimeoutSeconds: 120 }, opts("archive"));
    return { address: database.address };
  };

describe("renaming or moving a stateful component", () => {
  it("keeps the database and the bucket when the component carries an alias to its old name", async () => {
    const { run, error } = await runMocked(
      {},
      {},
      declareStorage({ database: "postgres", archive: "raw-batches" }, (old) => ({ aliases: [{ name: old }] })),
    );
    expect(error).toBeUndefined();
    expect(holderOf(run.resources, urn("database"))?.name).toBe("postgres-postgres");
    expect(holderOf(run.resources, urn("bucket"))?.name).toBe("raw-batches-batches");
  });

  it("keeps them when the component moves under another one with an alias to its old place", async () => {
    const { run, error } = await runMocked({}, {}, async () => {
      const storage = new pulumi.ComponentResource("msgevents:aws:Storage", "storage");
      return declareStorage({ database: "database", archive: "archive" }, () => ({
        parent: storage,
        aliases: [{ parent: pulumi.rootStackResource }],
      }))();
    });
    expect(error).toBeUndefined();
    const database = holderOf(run.resources, urn("database"));
    expect(database?.urn).toBe(
      "urn:pulumi:dev::msgevents::msgevents:aws:Storage$msgevents:aws:Database$aws:rds/instance:Instance::database-postgres",
    );
    expect(holderOf(run.resources, urn("bucket"))).toBeDefined();
  });

  it("would replace them without the alias: the check above can fail", async () => {
    const { run } = await runMocked(
      {},
      {},
      declareStorage({ database: "postgres", archive: "raw-batches" }, () => ({})),
    );
    expect(holderOf(run.resources, urn("database"))).toBeUndefined();
    expect(holderOf(run.resources, urn("bucket"))).toBeUndefined();
  });
});

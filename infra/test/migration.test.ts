import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_DIRECTORIES, MIGRATIONS_DIRECTORY } from "../src/bundles.ts";
import { fixtureSourceRoot, type ProgramRun, runProgram } from "./harness.ts";

const TRAFFIC_ALIASES = [
  ...["ingest", "loader", "query", "maintenance"].map((fn) => `functions-${fn}-live`),
  "alerts-evaluator-live",
  "alerts-sender-live",
];

describe("the schema migration", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({ sourceRoot: fixtureSourceRoot() });
  });

  it("invokes the migrator's newly published version once the database and network exist", () => {
    const invocation = run.named("functions-migrate");
    const migrator = run.named("functions-migrator-function");
    expect(migrator.inputs.publish).toBe(true);
    expect(invocation.inputs).toMatchObject({ functionName: migrator.state.name, qualifier: migrator.state.version });
    expect(invocation.dependsOn).toContain("database-postgres");
    expect(invocation.dependsOn).toContain("network-secretsmanager");
    expect(invocation.dependsOn).toContain("network-database-from-migrator");
  });

  it("comes before every alias that takes traffic, and aliases are all that takes traffic", () => {
    for (const alias of TRAFFIC_ALIASES) {
      const recorded = run.named(alias);
      expect(recorded.dependsOn, alias).toContain("functions-migrate");
      const fn = run.named(alias.replace(/-live$/, "-function"));
      expect(fn.inputs.publish, alias).toBe(true);
      expect(recorded.inputs).toMatchObject({
        name: "live",
        functionName: fn.state.name,
        functionVersion: fn.state.version,
      });
    }
    const mapping = run.named("loader-trigger-sqs");
    expect(mapping.dependsOn).toContain("functions-migrate");
    expect(mapping.inputs.functionName).toBe(run.named("functions-loader-live").state.arn);
    const liveInvokeArns = TRAFFIC_ALIASES.map((alias) => run.named(alias).state.invokeArn);
    for (const integration of run.ofType("aws:apigatewayv2/integration:Integration")) {
      expect(liveInvokeArns).toContain(integration.inputs.integrationUri);
    }
    for (const permission of run.ofType("aws:lambda/permission:Permission")) {
      expect(permission.inputs.qualifier, permission.name).toBe("live");
    }
    expect(run.named("schedules-maintenance").type).toBe("aws:cloudwatch/eventRule:EventRule");
    const target = run.ofType("aws:cloudwatch/eventTarget:EventTarget")[0];
    expect(target?.inputs.arn).toBe(run.named("functions-maintenance-live").state.arn);
  });
});

describe("a migration that hangs", () => {
  it("gets Lambda's whole 15 minutes, and the database rolls it back within 10 s of the function being killed", async () => {
    const run = await runProgram({ sourceRoot: fixtureSourceRoot() });
    expect(run.named("functions-migrator-function").inputs.timeout).toBe(900);
    expect(run.named("database-parameters").inputs.parameters).toContainEqual({
      name: "client_connection_check_interval",
      value: "10000",
    });
  });
});

describe("re-running the migration", () => {
  const invocationOf = async (sourceRoot: string) =>
    (await runProgram({ sourceRoot })).named("functions-migrate").inputs;

  it("happens when a migration file changes, and not when nothing changed", async () => {
    const root = fixtureSourceRoot();
    const before = await invocationOf(root);
    expect(await invocationOf(root)).toEqual(before);

    appendFileSync(path.join(root, MIGRATIONS_DIRECTORY, "0006_value_catalog.sql"), "\n-- a reviewed change\n");
    const after = await invocationOf(root);
    expect(after.input).not.toEqual(before.input);
    expect(after.triggers.migrations).not.toEqual(before.triggers.migrations);
    expect(after.triggers.migrator).toEqual(before.triggers.migrator);
  });

  it("happens when a new migration is added or the migrator bundle changes, not when another bundle changes", async () => {
    const root = fixtureSourceRoot();
    const before = await invocationOf(root);

    writeFileSync(path.join(root, BUNDLE_DIRECTORIES.ingest, "index.mjs"), "export const handler = async () => 2;\n");
    expect(await invocationOf(root)).toEqual(before);

    writeFileSync(path.join(root, MIGRATIONS_DIRECTORY, "0007_next.sql"), "SELECT 1;\n");
    const withNewMigration = await invocationOf(root);
    expect(withNewMigration.triggers.migrations).not.toEqual(before.triggers.migrations);

    writeFileSync(path.join(root, BUNDLE_DIRECTORIES.migrator, "index.mjs"), "export const handler = async () => 3;\n");
    const withNewMigrator = await invocationOf(root);
    expect(withNewMigrator.triggers.migrator).not.toEqual(withNewMigration.triggers.migrator);
    expect(JSON.parse(withNewMigrator.input)).toEqual({ source: "pulumi", ...withNewMigrator.triggers });
  });
});

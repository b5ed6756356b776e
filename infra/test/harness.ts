// Runs index.ts under pulumi.runtime.setMocks (no CLI, no account) and records every resource it registers: type,
// logical name, resolved inputs, parent and explicit dependencies.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { BUNDLE_DIRECTORIES, MIGRATIONS_DIRECTORY } from "../src/bundles.ts";

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface RecordedResource {
  type: string;
  name: string;
  // Resolved inputs as the engine would receive them: plain JSON, shape depends on the resource type.
  // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary provider input shapes
  inputs: Record<string, any>;
  state: Record<string, unknown>;
  parentName: string | undefined;
  parentType: string | undefined;
  dependsOn: string[];
}

export interface ProgramRun {
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  /** Stack outputs that are secret (their values are in `outputs`, resolved). */
  secretOutputs: string[];
  ofType(type: string): RecordedResource[];
  named(name: string): RecordedResource;
}

/**
 * A source tree for the program to read: stub bundles (an index.mjs per deployable, archive content only) and a copy
 * of the real schema migrations, so the suite needs no build and a test may edit a migration.
 */
export function fixtureSourceRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), "msgevents-infra-"));
  for (const [name, relative] of Object.entries(BUNDLE_DIRECTORIES)) {
    mkdirSync(path.join(root, relative), { recursive: true });
    writeFileSync(
      path.join(root, relative, "index.mjs"),
      `export const handler = async () => ${JSON.stringify(name)};\n`,
    );
  }
  cpSync(path.join(repositoryRoot, MIGRATIONS_DIRECTORY), path.join(root, MIGRATIONS_DIRECTORY), { recursive: true });
  return root;
}

const arnFor = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${resource}`;

/** What the provider would report after creating the resource: the inputs plus the computed attributes we read. */
function computedState(type: string, name: string, physical: string, inputs: Record<string, unknown>) {
  switch (type) {
    case "aws:s3/bucket:Bucket":
      return { bucket: physical, arn: `arn:aws:s3:::${physical}` };
    case "aws:sqs/queue:Queue":
      return {
        name: physical,
        arn: arnFor("sqs", physical),
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/${physical}`,
      };
    case "aws:lambda/function:Function":
      return {
        name: physical,
        arn: arnFor("lambda", `function:${physical}`),
        version: "7",
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arnFor("lambda", `function:${physical}`)}/invocations`,
      };
    case "aws:lambda/alias:Alias": {
      const arn = arnFor("lambda", `function:${inputs.functionName}:${inputs.name}`);
      return {
        arn,
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
      };
    }
    case "aws:rds/instance:Instance":
      return {
        identifier: physical,
        address: `${physical}.abc.${REGION}.rds.amazonaws.com`,
        port: 5432,
        resourceId: "db-ABCDEFGHIJKLMNOP",
        masterUserSecrets: [
          { secretArn: arnFor("secretsmanager", `secret:rds!db-${physical}`), secretStatus: "active" },
        ],
      };
    case "aws:apigatewayv2/api:Api":
      return {
        apiEndpoint: `https://${physical}.execute-api.${REGION}.amazonaws.com`,
        executionArn: arnFor("execute-api", physical),
      };
    case "aws:apigatewayv2/domainName:DomainName":
      return {
        domainNameConfiguration: {
          ...(inputs.domainNameConfiguration as object),
          targetDomainName: "d-x.execute-api.aws",
        },
      };
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return { prefixListId: "pl-63a5400a" };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { name: physical, arn: arnFor("logs", `log-group:${physical}`) };
    case "aws:lambda/invocation:Invocation":
      return { result: '{"applied":[],"roles":["msgevents_loader","msgevents_query","msgevents_maintenance"]}' };
    case "random:index/randomPassword:RandomPassword":
      return { result: `generated-${name}-${physical}` };
    case "random:index/randomId:RandomId":
      return { hex: createHash("sha256").update(physical).digest("hex").slice(0, 8) };
    default:
      return { name: physical, arn: arnFor(type.split(":")[1]?.split("/")[0] ?? "x", physical) };
  }
}

/** Runs the program for `stack` with `config` (keys without the `msgevents:` prefix) and records what it registers. */
export async function runProgram(config: Record<string, string>, stack = "dev"): Promise<ProgramRun> {
  vi.resetModules();
  const resources: RecordedResource[] = [];
  let serial = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        serial += 1;
        // Stands in for the provider's auto-naming: a physical name unique to this stack and resource.
        const physical = `${name}-${stack}-${serial.toString(16).padStart(7, "0")}`;
        const state = { ...inputs, ...computedState(type, name, physical, inputs) };
        const recorded = resources.find((r) => r.type === type && r.name === name);
        if (recorded) {
          recorded.inputs = inputs;
          recorded.state = state;
        }
        return { id: `${physical}-id`, state };
      },
      call: ({ token }) => {
        if (token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/deployer`, userId: "AIDEXAMPLE" };
        }
        if (token === "aws:index/getRegion:getRegion") return { region: REGION, name: REGION };
        if (token === "aws:index/getAvailabilityZones:getAvailabilityZones") {
          return { names: [`${REGION}a`, `${REGION}b`, `${REGION}c`], zoneIds: ["use1-az1", "use1-az2", "use1-az4"] };
        }
        throw new Error(`unexpected invoke ${token}`);
      },
    },
    "msgevents",
    stack,
    false,
  );
  const prefixed = Object.fromEntries(
    Object.entries({ build: "false", ...config }).map(([k, v]) => [`msgevents:${k}`, v]),
  );
  pulumi.runtime.setAllConfig(
    prefixed,
    Object.keys(prefixed).filter((key) => /Password|Secret|apiKey|Username|ClientId/.test(key)),
  );

  const names = new WeakMap<pulumi.Resource, { name: string; type: string }>();
  const secretOutputs: string[] = [];
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation(({ resource, type, name, props, opts }) => {
      names.set(resource, { name, type });
      const parent = opts.parent ? names.get(opts.parent) : undefined;
      const dependsOn = ([] as unknown[])
        .concat(opts.dependsOn ?? [])
        .map((dep) => names.get(dep as pulumi.Resource)?.name ?? "(unknown)");
      resources.push({
        type,
        name,
        inputs: {},
        state: {},
        parentName: parent?.name,
        parentType: parent?.type,
        dependsOn,
      });
      return { props, opts };
    });
    const program: Record<string, unknown> = await import("../index.ts");
    const exported: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) {
      if (pulumi.Output.isInstance(value)) {
        if (await pulumi.isSecret(value)) secretOutputs.push(key);
        exported[key] = await new Promise((resolve) => value.apply(resolve));
      } else {
        exported[key] = value;
      }
    }
    return exported;
  });
  await pulumi.runtime.disconnect();
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  return {
    resources,
    outputs: outputs ?? {},
    secretOutputs,
    ofType,
    named: (name: string) => {
      const found = resources.find((r) => r.name === name);
      if (!found) throw new Error(`no resource named ${name}; have ${resources.map((r) => r.name).join(", ")}`);
      return found;
    },
  };
}

/** Whether a recorded input arrived as a Pulumi secret (encrypted in the state, masked in the CLI). */
export function isSecretValue(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

/** A recorded input's value, unwrapped if it is a secret. */
export function plain(value: unknown): unknown {
  return isSecretValue(value) ? (value as { value: unknown }).value : value;
}

/** The recorded IAM document in a JSON-string input. */
export function policyOf(resource: RecordedResource, key = "policy") {
  const text = resource.inputs[key];
  if (typeof text !== "string") throw new Error(`${resource.name} has no ${key} document`);
  return JSON.parse(text) as { Statement: Record<string, unknown>[] };
}

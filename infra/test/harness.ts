// Runs index.ts under pulumi.runtime.setMocks (no CLI, no account) and records every resource it registers: type,
// logical name, resolved inputs, parent, explicit dependencies, the resource options that keep state safe (protect,
// aliases, ignoreChanges), the provider it was registered with, and the URN the engine would give it.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { BUNDLE_DIRECTORIES, MIGRATIONS_DIRECTORY } from "../src/bundles.ts";
import {
  ACCOUNT_ID,
  defaultAccount,
  type MockAccount,
  mockInvokes,
  REGION,
  type RecordedCall,
} from "./mock-account.ts";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface RecordedResource {
  type: string;
  name: string;
  /** The id the mock provider gave it. */
  id: string;
  // Resolved inputs as the engine would receive them: plain JSON, shape depends on the resource type.
  // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary provider input shapes
  inputs: Record<string, any>;
  state: Record<string, unknown>;
  parentName: string | undefined;
  parentType: string | undefined;
  dependsOn: string[];
  /** The `protect` option as the program set it on this resource. */
  protect: boolean | undefined;
  /** The URNs of earlier names the engine would match this resource against (its aliases, and its parent's). */
  aliasUrns: string[];
  ignoreChanges: string[];
  /** The provider reference the engine received (`<provider urn>::<id>`), for custom resources. */
  provider: string | undefined;
  /** The URN the engine gives it: every ancestor's type, then its own, and its name. */
  urn: string;
}

export interface ProgramRun {
  resources: RecordedResource[];
  /** Every invoke (data source) the program made, with its inputs and provider. */
  calls: RecordedCall[];
  /** Every message the program and the SDK warned with (`pulumi.log.warn`). */
  warnings: string[];
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
    case "aws:apigatewayv2/stage:Stage":
      // A stage is named by its input (`$default`), not auto-named.
      return { name: inputs.name, arn: arnFor("apigateway", `stage/${physical}`) };
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

export interface RunOptions {
  stack?: string;
  /** Changes to the default mock account (src/preflight.ts reads it through invokes). */
  account?: Partial<MockAccount>;
}

/**
 * Runs the program with `config` (keys without the `msgevents:` prefix) for the stack and account of `options`, and
 * records what it registers.
 */
export async function runProgram(config: Record<string, string>, options: RunOptions = {}): Promise<ProgramRun> {
  const { run, error } = await runMocked(config, options, () => import("../index.ts"));
  if (error !== undefined) throw error;
  return run;
}

/** Runs the program expecting it to refuse: the error, and what it had registered by then. */
export async function programFailure(config: Record<string, string>, options: RunOptions = {}) {
  const { run, error } = await runMocked(config, options, () => import("../index.ts"));
  if (error === undefined) throw new Error("the program deployed; a refusal was expected");
  return { error, run };
}

/** Runs `program` (which declares resources and returns the stack's exports) under mocks, recording everything. */
export async function runMocked(
  config: Record<string, string>,
  options: RunOptions,
  program: () => Promise<Record<string, unknown>>,
): Promise<{ run: ProgramRun; error: Error | undefined }> {
  const stack = options.stack ?? "dev";
  vi.resetModules();
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  let serial = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs, provider }) => {
        serial += 1;
        // Stands in for the provider's auto-naming: a physical name unique to this stack and resource.
        const physical = `${name}-${stack}-${serial.toString(16).padStart(7, "0")}`;
        const state = { ...inputs, ...computedState(type, name, physical, inputs) };
        const recorded = resources.find((r) => r.type === type && r.name === name);
        if (recorded) {
          recorded.id = `${physical}-id`;
          recorded.inputs = inputs;
          recorded.state = state;
          recorded.provider = provider;
        }
        return { id: `${physical}-id`, state };
      },
      call: mockInvokes({ ...defaultAccount, ...options.account }, calls),
    },
    "msgevents",
    stack,
    false,
  );
  // Keys without a namespace are the program's own (`msgevents:`); `aws:region` and the like are passed as they are.
  const prefixed = Object.fromEntries(
    Object.entries({ build: "false", ...config }).map(([k, v]) => [k.includes(":") ? k : `msgevents:${k}`, v]),
  );
  pulumi.runtime.setAllConfig(
    prefixed,
    Object.keys(prefixed).filter((key) => /Password|Secret|apiKey|Username|ClientId/.test(key)),
  );

  const recordedOf = new WeakMap<pulumi.Resource, RecordedResource>();
  const aliasesOf = new Map<RecordedResource, pulumi.Output<string>[]>();
  const secretOutputs: string[] = [];
  const warnings: string[] = [];
  const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(async (message) => {
    warnings.push(message);
  });
  let outputs: Record<string, unknown> | undefined;
  let error: Error | undefined;
  try {
    outputs = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation(({ resource, type, name, props, opts }) => {
        const parent = opts.parent ? recordedOf.get(opts.parent) : undefined;
        const dependsOn = ([] as unknown[])
          .concat(opts.dependsOn ?? [])
          .map((dep) => recordedOf.get(dep as pulumi.Resource)?.name ?? "(unknown)");
        const recorded: RecordedResource = {
          type,
          name,
          id: "",
          inputs: {},
          state: {},
          parentName: parent?.name,
          parentType: parent?.type,
          dependsOn,
          protect: opts.protect,
          aliasUrns: [],
          ignoreChanges: opts.ignoreChanges ?? [],
          provider: undefined,
          urn: urnFor(stack, parent, type, name),
        };
        recordedOf.set(resource, recorded);
        aliasesOf.set(recorded, aliasUrnsOf(opts, type, name));
        resources.push(recorded);
        return { props, opts };
      });
      let exports: Record<string, unknown>;
      try {
        exports = await program();
      } catch (thrown) {
        // Caught here, not outside: a rejected stack would leave promises nobody awaits.
        error = thrown instanceof Error ? thrown : new Error(String(thrown));
        return {};
      }
      const exported: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(exports)) {
        if (pulumi.Output.isInstance(value)) {
          if (await pulumi.isSecret(value)) secretOutputs.push(key);
          exported[key] = await new Promise((resolve) => value.apply(resolve));
        } else {
          exported[key] = value;
        }
      }
      return exported;
    });
    for (const [recorded, aliases] of aliasesOf) {
      recorded.aliasUrns = await Promise.all(aliases.map((alias) => new Promise<string>((ok) => alias.apply(ok))));
    }
  } catch (thrown) {
    error = thrown instanceof Error ? thrown : new Error(String(thrown));
  } finally {
    warn.mockRestore();
    await pulumi.runtime.disconnect();
  }
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const run: ProgramRun = {
    resources,
    calls,
    warnings,
    outputs: outputs ?? {},
    secretOutputs,
    ofType,
    named: (name: string) => {
      const found = resources.find((r) => r.name === name);
      if (!found) throw new Error(`no resource named ${name}; have ${resources.map((r) => r.name).join(", ")}`);
      return found;
    },
  };
  return { run, error };
}

/**
 * The URNs the engine matches this resource against besides its own: its aliases, and those it inherits from its
 * parent's (a renamed component's child named `<component>-…` keeps its old name under the old one). Computed with
 * the SDK's own rule (pulumi.allAliases). Mocks give a top-level component a URN that still carries the stack's
 * type, which the engine omits; it is taken out.
 */
function aliasUrnsOf(opts: pulumi.ResourceOptions, type: string, name: string): pulumi.Output<string>[] {
  const parent = opts.parent ?? pulumi.runtime.getStackResource();
  if (parent === undefined) return [];
  const parentName = (parent as unknown as { __name: string }).__name;
  return pulumi
    .allAliases(opts.aliases ?? [], name, type, parent, parentName)
    .map((urn) => urn.apply((text) => text.replace("::pulumi:pulumi:Stack$", "::")));
}

/** The engine's URN: the qualified type lists every ancestor's type except the stack's. */
function urnFor(stack: string, parent: RecordedResource | undefined, type: string, name: string): string {
  const qualifiedType = parent ? `${parent.urn.split("::")[2]}$${type}` : type;
  return `urn:pulumi:${stack}::msgevents::${qualifiedType}::${name}`;
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

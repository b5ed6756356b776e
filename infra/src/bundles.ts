import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { hashDirectory, listFiles } from "./source-hash.ts";

/** The deployables and where `pnpm build` leaves each (CONTRACTS.md): a directory whose index.mjs exports handler. */
export const BUNDLE_DIRECTORIES = {
  ingest: "packages/ingest/dist/ingest",
  loader: "packages/loader/dist/loader",
  query: "packages/query/dist/query",
  migrator: "packages/migrator/dist/migrator",
  maintenance: "packages/migrator/dist/maintenance",
  eraser: "packages/erasure/dist/eraser",
  "alert-evaluator": "packages/alerter/dist/alert-evaluator",
  "alert-sender": "packages/alerter/dist/alert-sender",
} as const;

export type FunctionName = keyof typeof BUNDLE_DIRECTORIES;

export const MIGRATIONS_DIRECTORY = "packages/schema/migrations";

export interface Bundle {
  directory: string;
  /** hashDirectory of the bundle: what the function runs. */
  hash: string;
}

/** The build the program runs: the repository's turbo pipeline, which rebuilds nothing that is unchanged. */
export const BUILD_COMMAND = ["exec", "turbo", "run", "build"] as const;

/**
 * Builds every bundle with the repository's own pipeline (`pnpm exec turbo run build`; turbo caches, so an unchanged
 * tree rebuilds nothing), so `pulumi up` never deploys a stale bundle. It never installs anything: dependencies must
 * already be installed (the program itself runs from them), and a missing tool fails with its name.
 */
export function buildBundles(sourceRoot: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(path.join(sourceRoot, "node_modules", ".bin", "turbo"))) {
    throw new Error(
      `turbo is not installed in ${sourceRoot}: the repository's dependencies are missing. Run \`pnpm install --frozen-lockfile\` ` +
        "there first (pulumi preview/up never installs packages), or build the bundles yourself and set msgevents:build false.",
    );
  }
  const pnpm = findPnpm(sourceRoot, env);
  // Not `npm run build`: that goes through scripts/pnpm.sh, which installs dependencies first.
  const buildEnv = { ...env, TURBO_TELEMETRY_DISABLED: "1" };
  try {
    // Output captured: Pulumi would print every line of turbo's log as a diagnostic.
    execFileSync(pnpm.command, [...pnpm.args, ...BUILD_COMMAND], {
      cwd: sourceRoot,
      env: buildEnv,
      stdio: "pipe",
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: Buffer; stderr?: Buffer; message: string };
    const output = `${stdout ?? ""}${stderr ?? ""}`.trim().split("\n").slice(-40).join("\n") || message;
    throw new Error(`building the Lambda bundles (pnpm exec turbo run build in ${sourceRoot}) failed:\n${output}`);
  }
}

/**
 * pnpm as the repository pins it: on the PATH, else the copy npx cached when `npm test` or `npm start` ran
 * (`npx --no`: never downloaded here). Neither: an error naming pnpm and how to get it.
 */
export function findPnpm(
  sourceRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): { command: string; args: string[] } {
  const pinned = pinnedPnpmVersion(sourceRoot);
  const candidates = [
    { command: "pnpm", args: [] as string[] },
    { command: "npx", args: ["--no", `pnpm@${pinned}`] },
  ];
  for (const candidate of candidates) {
    try {
      execFileSync(candidate.command, [...candidate.args, "--version"], { cwd: sourceRoot, env, stdio: "pipe" });
      return candidate;
    } catch {
      // Not installed (ENOENT) or not cached: try the next.
    }
  }
  throw new Error(
    `pnpm ${pinned} is not on the PATH (nor cached by npx): the Lambda bundles are built with it. Install it with ` +
      `\`npm install -g pnpm@${pinned}\` (or run \`npm test\` once, which fetches it), or build the bundles yourself and ` +
      "set msgevents:build false.",
  );
}

function pinnedPnpmVersion(sourceRoot: string): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(sourceRoot, "package.json"), "utf8")) as {
      packageManager?: string;
    };
    const [name, version] = (manifest.packageManager ?? "").split("@");
    if (name === "pnpm" && version) return version;
  } catch {
    // No manifest: reported below.
  }
  throw new Error(
    `${sourceRoot}/package.json names no pnpm version (packageManager): is msgevents:sourceRoot the repository?`,
  );
}

export function locateBundles(sourceRoot: string): Record<FunctionName, Bundle> {
  const entries = Object.entries(BUNDLE_DIRECTORIES).map(([name, relative]) => {
    const directory = path.join(sourceRoot, relative);
    if (!existsSync(path.join(directory, "index.mjs"))) {
      throw new Error(
        `${relative}/index.mjs is missing: run \`npm run build\` at the repository root (or leave msgevents:build at true).`,
      );
    }
    return [name, { directory, hash: hashDirectory(directory) }] as const;
  });
  return Object.fromEntries(entries) as Record<FunctionName, Bundle>;
}

/**
 * The bundle as a Lambda code archive: one FileAsset per file, so the archive's identity is the files' contents and
 * an unchanged bundle shows no diff (Pulumi hashes asset contents, not modification times).
 */
export function bundleArchive(bundle: Bundle): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive(
    Object.fromEntries(
      listFiles(bundle.directory).map((file) => [file, new pulumi.asset.FileAsset(path.join(bundle.directory, file))]),
    ),
  );
}

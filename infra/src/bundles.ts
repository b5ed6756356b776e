import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
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

/**
 * Builds every bundle with the repository's own build script (`pnpm build` through scripts/pnpm.sh, which finds or
 * fetches the pinned pnpm; turbo caches, so an unchanged tree rebuilds nothing), so `pulumi up` never deploys a stale
 * bundle.
 */
export function buildBundles(sourceRoot: string): void {
  try {
    // Output captured: Pulumi would print every line of turbo's log as a diagnostic.
    execFileSync("npm", ["run", "--silent", "build"], { cwd: sourceRoot, stdio: "pipe", maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    const output = `${stdout ?? ""}${stderr ?? ""}`.trim().split("\n").slice(-40).join("\n");
    throw new Error(`building the Lambda bundles (npm run build in ${sourceRoot}) failed:\n${output}`);
  }
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

import { cp } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleLambda } from "@msgevents/lambda-bundle";
import { migrationsFolder } from "@msgevents/schema";

const packageDir = fileURLToPath(new URL(".", import.meta.url));
// `tsx build.ts <dir>` writes the bundles under <dir> instead of dist/ (tests build their own copies).
const outDir = process.argv[2];

const migrator = await bundleLambda({
  packageDir,
  name: "migrator",
  entry: "src/lambda/migrator.ts",
  requireShim: true,
  outDir,
});
// drizzle's migrator reads the journal and the SQL files at run time; the snapshots are for drizzle-kit only.
await cp(migrationsFolder, path.join(path.dirname(migrator), "migrations"), {
  recursive: true,
  filter: (source) => !source.endsWith("_snapshot.json"),
});
await bundleLambda({ packageDir, name: "maintenance", entry: "src/lambda/maintenance.ts", requireShim: true, outDir });

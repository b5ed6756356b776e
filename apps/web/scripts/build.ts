import { createHash } from "node:crypto";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The web app's build: `dist/` is rebuilt only when it holds no build of the current sources, so `npm start` (which
 * runs this first) builds a fresh clone or an edited source and costs a few file reads otherwise. Several stacks may
 * start at once (the test suites do): each builds into its own folder and renames it into place, so a reader never
 * sees a half-written `dist/`.
 */
const appDir = fileURLToPath(new URL("..", import.meta.url));
const distDir = path.join(appDir, "dist");
const STAMP = "build-inputs.sha256";
const INPUTS = ["index.html", "vite.config.ts", "package.json", "src"];

async function inputsDigest(): Promise<string> {
  const hash = createHash("sha256");
  const visit = async (relative: string): Promise<void> => {
    const absolute = path.join(appDir, relative);
    const entries = await readdir(absolute, { withFileTypes: true }).catch(() => undefined);
    if (!entries) {
      hash
        .update(`${relative}\0`)
        .update(await readFile(absolute))
        .update("\0");
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      await visit(path.join(relative, entry.name));
    }
  };
  for (const input of INPUTS) await visit(input);
  return hash.digest("hex");
}

async function builtDigest(): Promise<string | undefined> {
  return readFile(path.join(distDir, STAMP), "utf8").catch(() => undefined);
}

/**
 * Builds the app into `dist/` when it holds no build of the current sources, and returns `dist/`'s path. The local
 * stack's start and the query Lambda's bundle (which copies it) both call this.
 */
export async function buildWebApp(): Promise<string> {
  const digest = await inputsDigest();
  if ((await builtDigest()) === digest) return distDir;
  process.stdout.write("building the web app (apps/web)\n");
  const staging = path.join(appDir, `.dist-${process.pid}-${Date.now()}`);
  try {
    // Loaded only to build: an up-to-date start does not pay for loading Vite.
    const { build } = await import("vite");
    await build({ root: appDir, logLevel: "warn", build: { outDir: staging, emptyOutDir: true } });
    await writeFile(path.join(staging, STAMP), digest);
    // Another process may have put a build of the same sources in place meanwhile: then keep that one.
    if ((await builtDigest()) !== digest) {
      const previous = `${distDir}-old-${process.pid}`;
      await rename(distDir, previous).catch(() => {});
      await rename(staging, distDir).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      });
      await rm(previous, { recursive: true, force: true });
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return distDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildWebApp();

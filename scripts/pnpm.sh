#!/bin/sh
# Runs pnpm (the pinned version) after making sure dependencies are installed, so that `npm start` and `npm test`
# work on a fresh machine that has only Node.js and npm. Corepack cannot fetch pnpm here (stale signing keys).
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
exec $pnpm_cmd "$@"

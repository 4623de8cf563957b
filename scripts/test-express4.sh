#!/usr/bin/env bash
# Runs the whole jest suite on Express 4.21 without touching the main install: express@4.21.x goes into
# .express4/node_modules (git-ignored), jest maps every require('express') there (AUTH_KIT_EXPRESS=4, read by
# jest.config.js), and a preload does the same for the example servers the integration tests spawn.
# Arguments go to jest (e.g. a test path). Ends with "Express 4 tests: N passed, N failed, N skipped".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch="$root/.express4"
cd "$root"

installed_version() { node -p 'require(process.argv[1]).version' "$scratch/node_modules/express/package.json" 2>/dev/null || true; }
if [[ "$(installed_version)" != 4.21.* ]]; then
  mkdir -p "$scratch"
  printf '{ "private": true, "description": "Express 4.21 for scripts/test-express4.sh", "dependencies": { "express": "4.21.x" } }\n' > "$scratch/package.json"
  (cd "$scratch" && npm install --no-audit --no-fund --no-package-lock --prefer-offline --loglevel=error >/dev/null)
fi
version=$(installed_version)
[[ "$version" == 4.21.* ]] || { echo "expected express 4.21.x in $scratch, found '${version:-nothing}'" >&2; exit 1; }

# Processes the tests spawn (npx tsx examples/production.ts, node --import tsx examples/utmstack.ts) do not go
# through jest's resolver: this preload sends their require('express') to the same copy.
hook="$scratch/node_modules/.express4-resolve.cjs"
cat > "$hook" <<'JS'
const Module = require('node:module');
const path = require('node:path');
const scratch = path.join(__dirname, 'express');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'express' || request.startsWith('express/')) request = scratch + request.slice('express'.length);
  return resolve.call(this, request, ...rest);
};
JS

echo "running the jest suite on express $version (from $scratch)"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
AUTH_KIT_EXPRESS=4 NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require $hook" \
  npx jest --json --outputFile="$results" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`Express 4 tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  if (r.numTotalTests === 0) process.exit(1);
' "$results" || status=1
exit "$status"

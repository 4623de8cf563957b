#!/usr/bin/env bash
# Packs the library as npm would publish it and imports the tarball from a plain CommonJS and a plain ES module
# consumer: the exports map, both builds, the type declarations' presence, and the bcrypt workers from dist/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --prefer-offline "./$tarball" express@5 >/dev/null

test -f node_modules/express-auth-kit/dist/index.d.ts
test -f node_modules/express-auth-kit/dist/index.d.mts

cat > consumer.cjs <<'JS'
const { createAuthRouter, requireAuth, hashPassword, MemoryUserStore, AuthError } = require('express-auth-kit');
(async () => {
  const passwordHash = await hashPassword('smoke-test-password', { cost: 4 });
  const users = new MemoryUserStore([{ login: 'a', email: 'a@example.com', passwordHash, authorities: ['ROLE_USER'] }]);
  const router = createAuthRouter({ secret: 'x'.repeat(32), users, bcryptCost: 4, logger: { warn() {}, error() {} } });
  if (typeof router !== 'function' || typeof requireAuth() !== 'function' || !(new AuthError('forbidden') instanceof Error)) {
    throw new Error('CommonJS exports are wrong');
  }
  console.log('commonjs ok');
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
JS

cat > consumer.mjs <<'JS'
import { createAuth, hashPassword, MemoryUserStore, presets } from 'express-auth-kit';
const passwordHash = await hashPassword('smoke-test-password', { cost: 4 });
const users = new MemoryUserStore([{ login: 'a', email: 'a@example.com', passwordHash, authorities: ['ROLE_USER'] }]);
const auth = createAuth({ secret: 'x'.repeat(64), preset: 'utmstack', users, bcryptCost: 4, logger: { warn() {}, error() {} } });
if (typeof auth.router !== 'function' || presets.utmstack.mountPath !== '/api') throw new Error('ES module exports are wrong');
console.log('esm ok');
process.exit(0);
JS

node consumer.cjs
node consumer.mjs

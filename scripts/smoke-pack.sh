#!/usr/bin/env bash
# Packs the library as npm would publish it and imports the tarball from a plain CommonJS and a plain ES module
# consumer: the exports map, both builds, the type declarations' presence, and the bcrypt workers from dist/. Twice:
# in an app on Express 5 and in one on Express 4.21, each installed with a plain `npm install` (the peer range must
# take both majors without --legacy-peer-deps). The Express 4.21 app also type-checks a consumer against the
# declarations with @types/express 4. Neither app installs the optional peers (nodemailer, rate-limit-redis): both
# builds must load without them and run a login, and constructing a NodemailerMailer must say what to install.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)

cat > "$work/consumer.cjs" <<'JS'
const { createAuthRouter, requireAuth, hashPassword, MemoryUserStore, AuthError } = require('express-auth-kit');
(async () => {
  const passwordHash = await hashPassword('smoke-test-password', { cost: 4 });
  const users = new MemoryUserStore([{ login: 'a', email: 'a@example.com', passwordHash, authorities: ['ROLE_USER'] }]);
  const router = createAuthRouter({ secret: 'x'.repeat(32), users, passwords: { bcryptCost: 4 }, logger: { warn() {}, error() {} } });
  if (typeof router !== 'function' || typeof requireAuth() !== 'function' || !(new AuthError('forbidden') instanceof Error)) {
    throw new Error('CommonJS exports are wrong');
  }
  console.log('commonjs ok');
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
JS

cat > "$work/consumer.mjs" <<'JS'
import { createAuth, hashPassword, MemoryUserStore, presets } from 'express-auth-kit';
const passwordHash = await hashPassword('smoke-test-password', { cost: 4 });
const users = new MemoryUserStore([{ login: 'a', email: 'a@example.com', passwordHash, authorities: ['ROLE_USER'] }]);
const auth = createAuth({ secret: 'x'.repeat(64), preset: 'utmstack', users, passwords: { bcryptCost: 4 }, logger: { warn() {}, error() {} } });
if (typeof auth.router !== 'function' || presets.utmstack.mountPath !== '/api') throw new Error('ES module exports are wrong');
console.log('esm ok');
process.exit(0);
JS

# auth.metrics() from each build: prom-client is not loaded before the call; installed, it registers and counts;
# absent (the optional peer left out), the call says to install it. The argument says which.
cat > "$work/metrics.cjs" <<'JS'
const { createAuth, MemoryUserStore } = require('express-auth-kit');
const installed = process.argv[2] === 'installed';
(async () => {
  const auth = createAuth({ secret: 'x'.repeat(32), users: new MemoryUserStore([]), logger: { warn() {}, error() {} } });
  if (Object.keys(require.cache).some((file) => file.includes('/prom-client/'))) throw new Error('prom-client was loaded before metrics()');
  if (installed) {
    const { Registry } = require('prom-client');
    const registry = new Registry();
    auth.metrics(registry);
    if (!(await registry.metrics()).includes('express_auth_logins_total{outcome="succeeded"} 0')) throw new Error('no metrics registered');
  } else {
    let message = 'no error';
    try { auth.metrics({ registerMetric() {}, getSingleMetric() {} }); } catch (error) { message = error.message; }
    if (!message.includes('npm install prom-client')) throw new Error(`metrics() without prom-client: ${message}`);
  }
  console.log(`commonjs metrics ok (prom-client ${installed ? 'installed' : 'absent'})`);
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
JS

cat > "$work/metrics.mjs" <<'JS'
import { createRequire } from 'node:module';
import { createAuth, MemoryUserStore } from 'express-auth-kit';
const installed = process.argv[2] === 'installed';
const auth = createAuth({ secret: 'x'.repeat(32), users: new MemoryUserStore([]), logger: { warn() {}, error() {} } });
if (Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('/prom-client/'))) throw new Error('prom-client was loaded before metrics()');
if (installed) {
  const { Registry } = await import('prom-client');
  const registry = new Registry();
  auth.metrics(registry);
  if (!(await registry.metrics()).includes('express_auth_logins_total{outcome="succeeded"} 0')) throw new Error('no metrics registered');
} else {
  let message = 'no error';
  try { auth.metrics({ registerMetric() {}, getSingleMetric() {} }); } catch (error) { message = error.message; }
  if (!message.includes('npm install prom-client')) throw new Error(`metrics() without prom-client: ${message}`);
}
console.log(`esm metrics ok (prom-client ${installed ? 'installed' : 'absent'})`);
process.exit(0);
JS

# A host without the optional peers: login → guarded route over HTTP, then the clear errors naming the packages.
cat > "$work/consumer-peers.js" <<'JS'
module.exports = async function run({ express, createAuth, hashPassword, MemoryUserStore, NodemailerMailer, RedisStateStore }, kind) {
  for (const peer of ['nodemailer', 'rate-limit-redis']) {
    try { require.resolve(peer, { paths: [process.cwd()] }); throw new Error(`${peer} is installed: the check is void`); } catch (error) { if (error.code !== 'MODULE_NOT_FOUND') throw error; }
  }
  const passwordHash = await hashPassword('smoke-test-password', { cost: 4 });
  const users = new MemoryUserStore([{ login: 'a', email: 'a@example.com', passwordHash, authorities: ['ROLE_USER'] }]);
  const auth = createAuth({ secret: 'x'.repeat(32), users, passwords: { bcryptCost: 4 }, logger: { warn() {}, error() {} } });
  const app = express();
  app.use(express.json());
  app.use('/auth', auth.router);
  app.get('/api/protected', auth.requireAuth(), (req, res) => res.json({ user: req.auth.userId }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'a', password: 'smoke-test-password' }) });
  const { accessToken } = await login.json();
  const guarded = await fetch(`${base}/api/protected`, { headers: { authorization: `Bearer ${accessToken}` } });
  if (login.status !== 200 || guarded.status !== 200) throw new Error(`login ${login.status}, guarded ${guarded.status}`);
  server.close();
  auth.shutdown?.();
  const expectMissing = (construct, peer) => {
    try { construct(); } catch (error) {
      if (error instanceof TypeError && error.message.includes(`npm install ${peer}`)) return;
      throw error;
    }
    throw new Error(`no error without ${peer}`);
  };
  expectMissing(() => new NodemailerMailer({ transport: 'smtp://127.0.0.1:2525', from: 'no-reply@example.com' }), 'nodemailer');
  expectMissing(() => new RedisStateStore({ sendCommand: async () => null }).createRateLimitStore('login'), 'rate-limit-redis');
  console.log(`${kind} without the optional peers ok`);
};
JS
cat > "$work/consumer-peers.cjs" <<'JS'
const express = require('express');
require('./consumer-peers.js')({ express, ...require('express-auth-kit') }, 'commonjs')
  .then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
JS
cat > "$work/consumer-peers.mjs" <<'JS'
import express from 'express';
import * as kit from 'express-auth-kit';
import { createRequire } from 'node:module';
await createRequire(import.meta.url)('./consumer-peers.js')({ express, ...kit }, 'esm')
  .then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
JS

# A TypeScript host on Express 4: mounts the router, guards a route and reads the typed req.auth.
cat > "$work/consumer.ts" <<'TS'
import express from 'express';
import { createAuth, MemoryUserStore, requireAuth, type AuthInfo } from 'express-auth-kit';
const auth = createAuth({ secret: 'x'.repeat(32), users: new MemoryUserStore([]) });
const app = express();
app.use('/auth', auth.router);
app.get('/things', auth.requireAuth({ roles: ['ROLE_ADMIN'] }), requireAuth(), (req, res) => {
  const info: AuthInfo | undefined = req.auth;
  res.json({ user: info?.userId });
});
app.listen(0);
TS

# consumer_app <folder> <packages...>: a fresh app with the tarball and the packages, running both consumers.
consumer_app() {
  local dir="$work/$1"
  shift
  mkdir -p "$dir"
  cd "$dir"
  npm init -y >/dev/null
  npm install --silent --no-audit --no-fund --prefer-offline "$work/$tarball" "$@" >/dev/null
  test -f node_modules/express-auth-kit/dist/index.d.ts
  test -f node_modules/express-auth-kit/dist/index.d.mts
  cp "$work/consumer.cjs" "$work/consumer.mjs" "$work/consumer.ts" "$work"/consumer-peers.* "$work/metrics.cjs" "$work/metrics.mjs" .
  echo "consumer on express $(node -p 'require("express/package.json").version')"
  node consumer.cjs
  node consumer.mjs
  node consumer-peers.cjs
  node consumer-peers.mjs
  local prom=absent
  [[ -d node_modules/prom-client ]] && prom=installed
  node metrics.cjs "$prom"
  node metrics.mjs "$prom"
}

# prom-client (an optional peer) in the Express 5 app only: the Express 4 app checks the package without it.
consumer_app express5 express@5 prom-client@15
consumer_app express4 express@4.21 @types/express@4 @types/node@20
"$root/node_modules/.bin/tsc" --noEmit --strict --esModuleInterop --skipLibCheck false --types node \
  --target ES2022 --module commonjs --moduleResolution node10 consumer.ts
echo "typescript consumer on @types/express $(node -p 'require("@types/express/package.json").version') ok"

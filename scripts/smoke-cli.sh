#!/usr/bin/env bash
# Packs the library as npm would publish it, installs the tarball in a scratch folder and runs its `express-auth-kit`
# command through npx: --help, generate-secret, hash-password (stdin), generate-keys, migrate refusing a password on argv. Needs `npm run build` first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "smoke-cli: $*" >&2; exit 1; }

cd "$root"
test -x dist/cli.js || fail "dist/cli.js is missing or not executable: run npm run build first"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --prefer-offline "./$tarball" express@5 >/dev/null
test -L node_modules/.bin/express-auth-kit || fail "npm did not link the express-auth-kit bin"

npx --no-install express-auth-kit --help | grep -q '^  hash-password ' || fail "--help does not list hash-password"

secret=$(npx --no-install express-auth-kit generate-secret)
[[ "$secret" =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "generate-secret printed '$secret', not 32 bytes of base64url"

hash=$(printf 'smoke test password\n' | npx --no-install express-auth-kit hash-password --cost 4 2>/dev/null)
[[ "$hash" =~ ^\$2b\$04\$.{53}$ ]] || fail "hash-password printed '$hash', not a cost-4 bcrypt hash"
node -e 'process.exit(require("bcryptjs").compareSync("smoke test password", process.argv[1]) ? 0 : 1)' "$hash" ||
  fail "the hash does not verify"

npx --no-install express-auth-kit generate-keys --algorithm EdDSA --out keys >/dev/null
for file in private.pem public.pem jwks.json; do test -s "keys/$file" || fail "generate-keys did not write keys/$file"; done
[ "$(stat -c %a keys/private.pem)" = 600 ] || fail "keys/private.pem is not mode 0600"
node -e 'const k = require("./keys/jwks.json").keys; if (k.length !== 1 || k[0].alg !== "EdDSA" || !k[0].kid) process.exit(1)' ||
  fail "keys/jwks.json is not one EdDSA key with a kid"

# A usage error must exit 2, not 0 or 1.
set +e
npx --no-install express-auth-kit no-such-command 2>/dev/null
code=$?
set -e
[ "$code" = 2 ] || fail "an unknown command exited $code, not 2"

# migrate refuses a password on the command line (exit 2) before loading pg, and repeats no part of it.
set +e
npx --no-install express-auth-kit migrate --database-url 'postgres://app:smoke-Secret@127.0.0.1:1/none' 2>migrate.err
code=$?
set -e
[ "$code" = 2 ] || fail "migrate with a password in --database-url exited $code, not 2"
grep -q 'carries a password' migrate.err || fail "migrate did not say why it refused the URL"
! grep -q 'smoke-Secret' migrate.err || fail "migrate repeated the password"

echo "cli ok"

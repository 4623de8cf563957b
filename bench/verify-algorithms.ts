// Verification cost per algorithm on the guard's hot path: TokenService.verifyAccess ops/s on fresh tokens (each
// verified for the first time: a signature check) and on cached ones, as ratios to HS256. Then, for the choice of
// verifier, the same signature checks through jsonwebtoken (no EdDSA) and jose (async only).
// Run: npx tsx bench/verify-algorithms.ts [secondsPerMeasurement=1]
import jwt from 'jsonwebtoken';
import { jwtVerify } from 'jose';
import { KeySet } from '../lib/tokens/key-set';
import type { KeySpec } from '../lib/tokens/key-material';
import { generateKeyPair } from '../lib/tokens/key-material';
import type { SigningAlgorithm } from '../lib/tokens/keys';
import { systemClock } from '../lib/primitives/clock';
import { TokenService } from '../lib/tokens/token-service';

const SECONDS = Number(process.argv[2] ?? 1);
const ROUNDS = 3;
const ALGORITHMS: SigningAlgorithm[] = ['HS256', 'EdDSA', 'ES256', 'RS256'];

function spec(algorithm: SigningAlgorithm): KeySpec {
  if (algorithm === 'HS256') return { algorithm, kid: 'hs', secret: 'bench-secret-0123456789-0123456789-0123456789' };
  if (algorithm === 'HS384' || algorithm === 'HS512') throw new Error('not benchmarked');
  const pair = generateKeyPair(algorithm);
  return { algorithm, kid: pair.kid, privateKey: pair.privateKeyPem, publicKey: pair.publicKeyPem };
}

function service(keys: KeySet): TokenService {
  return new TokenService({
    keys,
    issuer: undefined,
    audience: undefined,
    clockSkewSeconds: 30,
    clock: systemClock,
    verifiedCacheSize: 10_000,
  });
}

/** Calls `fn(i)` for `SECONDS`, returning ops/s. */
function measure(fn: (i: number) => unknown): number {
  const end = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e9));
  let i = 0;
  const start = process.hrtime.bigint();
  while ((i & 63) !== 0 || process.hrtime.bigint() < end) fn(i++);
  return i / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function measureAsync(fn: (i: number) => Promise<unknown>): Promise<number> {
  const end = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e9));
  let i = 0;
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() < end) await fn(i++);
  return i / (Number(process.hrtime.bigint() - start) / 1e9);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const rows: {
    algorithm: SigningAlgorithm;
    fresh: number;
    cached: number;
    jsonwebtoken: number | undefined;
    jose: number;
  }[] = [];
  for (const algorithm of ALGORITHMS) {
    const keySpec = spec(algorithm);
    const keys = new KeySet({ keys: [keySpec] });
    const signer = service(keys);
    // Enough distinct tokens that a round never repeats one: each is a first-time verification.
    const pool = Array.from(
      { length: algorithm === 'HS256' ? 400_000 : 60_000 },
      (_, i) => signer.sign('access', { sub: String(i), auth: 'ROLE_USER' }, 900).token,
    );
    const fresh: number[] = [];
    const cached: number[] = [];
    const viaJsonwebtoken: number[] = [];
    const viaJose: number[] = [];
    const key = keys.verificationKey(keys.kid);
    if (key === undefined) throw new Error('no key');
    for (let round = 0; round < ROUNDS; round += 1) {
      const verifier = service(keys);
      fresh.push(measure((i) => verifier.verifyAccess(pool[i % pool.length] as string)));
      const hot = pool[0] as string;
      verifier.verifyAccess(hot);
      cached.push(measure(() => verifier.verifyAccess(hot)));
      if (algorithm !== 'EdDSA') {
        viaJsonwebtoken.push(
          measure((i) =>
            jwt.verify(pool[i % pool.length] as string, key.verificationKey, {
              algorithms: [algorithm as jwt.Algorithm],
            }),
          ),
        );
      }
      viaJose.push(
        await measureAsync((i) =>
          jwtVerify(pool[i % pool.length] as string, key.verificationKey, { algorithms: [algorithm] }),
        ),
      );
    }
    keys.close();
    rows.push({
      algorithm,
      fresh: median(fresh),
      cached: median(cached),
      jsonwebtoken: viaJsonwebtoken.length > 0 ? median(viaJsonwebtoken) : undefined,
      jose: median(viaJose),
    });
  }
  const base = rows[0] as (typeof rows)[number];
  console.log(`TokenService.verifyAccess, median of ${ROUNDS} x ${SECONDS}s, node ${process.version}`);
  console.log(
    '| alg | fresh ops/s | vs HS256 | cached ops/s | vs HS256 | jsonwebtoken.verify ops/s | jose jwtVerify (async) ops/s |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.algorithm} | ${fmt(row.fresh)} | ${(row.fresh / base.fresh).toFixed(3)} | ${fmt(row.cached)} | ${(row.cached / base.cached).toFixed(2)} | ${row.jsonwebtoken === undefined ? 'unsupported' : fmt(row.jsonwebtoken)} | ${fmt(row.jose)} |`,
    );
  }
}

void main();

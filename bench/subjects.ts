// What gets benchmarked. The harness (run.ts, server.ts, guard.ts, login-storm.ts) only reads the two lists
// at the bottom; each entry says how its server is built. The server-side contract for every entry:
//   guard subjects:  an express app answering `GET /ping` with 200 `{ ok: true }` when the request carries
//                    `Authorization: Bearer <shared HS256 token>`, and 401 without / with a wrong-key token;
//   login subjects:  an express app answering `POST <login.path>` (JSON body) with 2xx for the bench user's
//                    right password and 4xx for a wrong one. server.ts mounts `GET /cheap` in front of it.
// The fixtures (secret, user, password, bcrypt cost 10) are in ./fixtures.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import express, { type Express } from 'express';
import { SignJWT } from 'jose';
import {
  AuthError,
  createAuth,
  hashPassword,
  MemoryStateStore,
  MemoryUserStore,
  silentLogger,
  type Auth,
  type AuthOptions,
} from '../lib';
import { contextOf } from '../lib/auth';
import { loginWithPassword } from '../lib/core/login';
import {
  buildBareApp,
  buildBcryptLoginApp,
  buildExpressJwtApp,
  buildFastJwtApp,
  buildNoopMiddlewareApp,
  buildPassportJwtApp,
  pong,
} from './baselines';
import {
  BCRYPT_COST,
  BENCH_EMAIL,
  BENCH_LOGIN,
  BENCH_PASSWORD,
  BENCH_SECRET,
  BENCH_USER_ID,
  DEFAULT_LOGIN_REQUEST,
  benchSecretKey,
  signBenchToken,
  WRONG_SECRET,
  type LoginRequest,
} from './fixtures';
import type { SprayTarget } from './spray';

export interface GuardSubject {
  /** Stable id, passed to server.ts on its command line. */
  id: string;
  /** Label in the tables. */
  name: string;
  build(): Express | Promise<Express>;
  /** A reference without a guard (bare, the no-op middleware): the preflight checks only its 200. */
  unguarded?: boolean;
  /**
   * The request headers that carry a valid credential (and an invalid one, for the preflight), when the subject needs
   * other than `Authorization: Bearer <the HS256 bench token>`: another key, or the token in a cookie.
   */
  credential?: () => Promise<{ valid: Record<string, string>; invalid: Record<string, string> }>;
}

// A fixed Ed25519 key for the EdDSA subject: the bench's parent signs with it, the server child verifies with it.
const BENCH_ED25519_PRIVATE =
  '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIIILogzS+o6gSCaQhaN3xoTEMQ10TUy01GhcAXHP+8XU\n-----END PRIVATE KEY-----\n';
const BENCH_ED25519_PUBLIC =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA4NOUNbY82g/mOYA6FT+GhNs87rlPd9t/727RwF3pElw=\n-----END PUBLIC KEY-----\n';
const BENCH_ED25519_KID = 'bench-ed25519';
const ACCESS_COOKIE = '__Host-eak-access';

/**
 * Our auth instance as the guard subjects run it: the bench user, and the token's refresh family open, as right after
 * a login (the guard checks that the user still exists and is enabled, and the family, through its short caches).
 */
async function benchAuth(options: Partial<AuthOptions> = {}): Promise<Auth> {
  const stateStore = new MemoryStateStore();
  await stateStore.set(
    'rt:family:bench-family',
    JSON.stringify({ userId: BENCH_USER_ID, expiresAt: 4_000_000_000 }),
    86_400_000,
  );
  return createAuth({
    secret: BENCH_SECRET,
    tokens: { algorithm: 'HS256' },
    users: await benchUsers(4),
    stateStore,
    logger: silentLogger,
    ...options,
  });
}

/** GET /ping behind `auth`'s guard. */
function guardedPing(auth: Auth): Express {
  const app = express();
  app.get('/ping', auth.requireAuth(), pong);
  return app;
}

async function guardApp(options: Partial<AuthOptions>): Promise<Express> {
  return guardedPing(await benchAuth(options));
}

/** Our HS256 guard with `auth.metrics()` registered: every request also observes the guard-latency histogram. */
export async function buildOursMetricsGuardApp(): Promise<Express> {
  const { Registry } = await import('prom-client');
  const auth = await benchAuth();
  auth.metrics(new Registry());
  return guardedPing(auth);
}

/** Our guard verifying EdDSA (Ed25519) tokens by kid. */
export function buildOursEdDsaGuardApp(): Promise<Express> {
  return guardApp({
    tokens: { algorithm: undefined },
    secret: {
      algorithm: 'EdDSA',
      privateKey: BENCH_ED25519_PRIVATE,
      publicKey: BENCH_ED25519_PUBLIC,
      kid: BENCH_ED25519_KID,
    },
  });
}

/** Our guard reading the HS256 access token from the `__Host-eak-access` cookie (cookie transport). */
export function buildOursCookieGuardApp(): Promise<Express> {
  return guardApp({ cookies: { trustedOrigins: ['http://127.0.0.1'], accessTokenCookie: true } });
}

async function edDsaCredential(): Promise<{ valid: Record<string, string>; invalid: Record<string, string> }> {
  const key = createPrivateKey(BENCH_ED25519_PRIVATE);
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: BENCH_ED25519_KID, typ: 'at+jwt' })
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(key);
  const valid = await sign({ ...benchTokenClaims, exi: 7200 });
  const other = await new SignJWT({ ...benchTokenClaims, exi: 7200 })
    .setProtectedHeader({ alg: 'EdDSA', kid: BENCH_ED25519_KID })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(generateKeyPairSync('ed25519').privateKey);
  return { valid: { authorization: `Bearer ${valid}` }, invalid: { authorization: `Bearer ${other}` } };
}

async function cookieCredential(): Promise<{ valid: Record<string, string>; invalid: Record<string, string> }> {
  // A browser-like Cookie header: the access token among a few other cookies.
  const jar = (token: string) => `_ga=GA1.1.123456789.1700000000; theme=dark; ${ACCESS_COOKIE}=${token}; lang=en`;
  return {
    valid: { cookie: jar(signBenchToken(benchTokenClaims)) },
    invalid: { cookie: jar(signBenchToken(benchTokenClaims, WRONG_SECRET)) },
  };
}

export interface LoginSubject {
  id: string;
  name: string;
  build(): Promise<Express>;
  /** How to log in; defaults to POST /login { username, password }. */
  login?: LoginRequest;
  /** The single-threaded baseline that logins/s ratios are computed against (exactly one). */
  ratioBase?: boolean;
  /** The subject the storm target (cheap p99 < 20 ms, logins/s >= 1.6x base) is checked for. */
  target?: boolean;
}

// ============================================================================================
// The library's side: our guard, our login route, and our lockout under a spray.
// ============================================================================================
export const OURS_IS_PLACEHOLDER = false;

/**
 * Claims of the one token every guard subject is hit with (signed HS256 with BENCH_SECRET, 2 h expiry).
 * Our guard also needs `usefor: "access"` and a `jti`; the peers ignore them.
 */
export const benchTokenClaims: Record<string, unknown> = {
  sub: BENCH_USER_ID,
  auth: 'ROLE_USER',
  usefor: 'access',
  jti: 'bench-token-1',
  // As a real login's token: a session version and a refresh family, both checked by our guard on every request.
  sv: '0',
  fam: 'bench-family',
};

async function benchUsers(cost: number): Promise<MemoryUserStore> {
  const passwordHash = await hashPassword(BENCH_PASSWORD, { cost });
  return new MemoryUserStore([
    { id: BENCH_USER_ID, login: BENCH_LOGIN, email: BENCH_EMAIL, passwordHash, authorities: ['ROLE_USER'] },
  ]);
}

export async function buildOursGuardApp(): Promise<Express> {
  return guardedPing(await benchAuth());
}

export async function buildOursLoginApp(): Promise<Express> {
  // The storm measures bcrypt throughput, so the limits that would answer 429/403 to one IP hammering one account are off.
  const auth = createAuth({
    secret: BENCH_SECRET,
    users: await benchUsers(BCRYPT_COST),
    passwords: { bcryptCost: BCRYPT_COST },
    rateLimit: false,
    lockout: false,
    logger: silentLogger,
  });
  const app = express();
  app.use(auth.router); // the default preset's POST /login
  return app;
}

export const oursLoginRequest: LoginRequest = DEFAULT_LOGIN_REQUEST;

/**
 * Our login flow over the default memory stores with the default lockout, driven in-process. bcrypt runs at cost 4:
 * the spray measures memory, and 100,000 comparisons at cost 10 would take over an hour on two cores.
 */
export async function buildOursSprayTarget(): Promise<SprayTarget | null> {
  const auth = createAuth({
    secret: BENCH_SECRET,
    users: await benchUsers(4),
    passwords: { bcryptCost: 4 },
    rateLimit: false,
    logger: silentLogger,
  });
  const context = contextOf(auth);
  const attempt = async (username: string, password: string): Promise<string> => {
    try {
      await loginWithPassword(context, { username, password, rememberMe: false });
      return 'ok';
    } catch (error) {
      return error instanceof AuthError ? error.code : 'error';
    }
  };
  return {
    failLogin: async (login) => {
      await attempt(login, 'wrong password');
    },
    isLocked: async (login) => (await attempt(login, BENCH_PASSWORD)) === 'login_blocked',
    realLogin: BENCH_LOGIN,
    lockAfterFailures: 10, // the default lockout: 10 failures in 10 minutes
    close: () => auth.shutdown(),
  };
}
// ====================================== end of TODO(lead) ===================================

const oursLabel = OURS_IS_PLACEHOLDER ? 'ours (PLACEHOLDER)' : 'ours';

/** Run in this order every round; 'bare' must stay first (ratios are against it). */
export const guardSubjects: readonly GuardSubject[] = [
  { id: 'bare', name: 'bare express', build: buildBareApp, unguarded: true },
  {
    id: 'noop',
    name: 'bare express + a no-op middleware (the floor for any guard)',
    build: buildNoopMiddlewareApp,
    unguarded: true,
  },
  { id: 'ours', name: `${oursLabel} requireAuth`, build: buildOursGuardApp },
  { id: 'ours-metrics', name: `${oursLabel} requireAuth with auth.metrics()`, build: buildOursMetricsGuardApp },
  {
    id: 'ours-eddsa',
    name: `${oursLabel} requireAuth (EdDSA token)`,
    build: buildOursEdDsaGuardApp,
    credential: edDsaCredential,
  },
  {
    id: 'ours-cookie',
    name: `${oursLabel} requireAuth (HS256 token in a cookie)`,
    build: buildOursCookieGuardApp,
    credential: cookieCredential,
  },
  { id: 'fast-jwt-cache', name: 'fast-jwt (cache: true)', build: () => buildFastJwtApp(true) },
  { id: 'fast-jwt', name: 'fast-jwt (no cache)', build: () => buildFastJwtApp(false) },
  { id: 'express-jwt-string', name: 'express-jwt (string secret)', build: () => buildExpressJwtApp(BENCH_SECRET) },
  { id: 'express-jwt-key', name: 'express-jwt (KeyObject)', build: () => buildExpressJwtApp(benchSecretKey()) },
  {
    id: 'passport-jwt-string',
    name: 'passport-jwt (string secretOrKey)',
    build: () => buildPassportJwtApp(BENCH_SECRET),
  },
  {
    id: 'passport-jwt-key',
    name: 'passport-jwt (KeyObject secretOrKey)',
    build: () => buildPassportJwtApp(benchSecretKey()),
  },
];

export const loginSubjects: readonly LoginSubject[] = [
  {
    id: 'A-sync',
    name: 'A: bcryptjs.compareSync (main thread)',
    build: () => buildBcryptLoginApp('sync'),
    ratioBase: true,
  },
  { id: 'B-async', name: 'B: await bcryptjs.compare (main thread)', build: () => buildBcryptLoginApp('async') },
  {
    id: 'C-ours',
    name: `C: ${oursLabel} login (worker pool)`,
    build: buildOursLoginApp,
    login: oursLoginRequest,
    target: true,
  },
];

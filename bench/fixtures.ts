// Shared bench fixtures: the HS256 secret, the one bench user and its password, and the token signer.
// Harness-owned; subjects.ts (lead-owned) and the baselines both read from here.
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';

/** HS256 secret shared by every guard subject (44 bytes, above the 32-byte minimum). */
export const BENCH_SECRET = 'bench-hs256-secret-0123456789abcdef0123456789';

/** A secret no subject trusts: preflight checks that a token signed with it is rejected. */
export const WRONG_SECRET = 'not-the-bench-secret-9876543210fedcba98765432';

/** The secret as a prepared KeyObject (what the "KeyObject" variants are configured with). */
export function benchSecretKey(): crypto.KeyObject {
  return crypto.createSecretKey(Buffer.from(BENCH_SECRET));
}

/** The one account that exists on every login subject. */
export const BENCH_USER_ID = 'bench-user-1';
export const BENCH_LOGIN = 'bench';
export const BENCH_EMAIL = 'bench@example.test';
export const BENCH_PASSWORD = 'correct horse battery staple';
/** bcrypt cost used for the bench user's hash on every login subject. */
export const BCRYPT_COST = 10;

/** How the load generator logs in: method is always POST with a JSON body. */
export interface LoginRequest {
  path: string;
  body: Record<string, unknown>;
}

export const DEFAULT_LOGIN_REQUEST: LoginRequest = {
  path: '/login',
  body: { username: BENCH_LOGIN, password: BENCH_PASSWORD },
};

/** Signs the shared bench token (HS256, 2 h expiry, typed `at+jwt` as our access tokens are) with the given claims. */
export function signBenchToken(claims: Record<string, unknown>, secret: string = BENCH_SECRET): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: '2h', header: { alg: 'HS256', typ: 'at+jwt' } });
}

/** The login flood's real accounts (bench/login-flood*.ts): `flood-user-<k>` with password `flood password <k>`. */
export const FLOOD_USERS = 50;
export const floodLogin = (k: number): string => `flood-user-${k}`;
export const floodPassword = (k: number): string => `flood password ${k}`;
/** bounded: the library's default passwords.maxQueueWaitMs; unbounded: `passwords.maxQueueWaitMs: false`. */
export type FloodMode = 'bounded' | 'unbounded';

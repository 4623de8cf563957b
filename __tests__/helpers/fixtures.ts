// Fixtures shared by the Express helper (create-app.ts) and the core helper (test-core.ts): the test secret, the demo
// users and their passwords, a clock tests move by hand, a logger that records. Nothing here imports Express.
import type { Logger } from '../../lib/logger';
import type { AuthOptions } from '../../lib/options';
import { hashPassword } from '../../lib/passwords/hasher';
import type { User, UserStore } from '../../lib/stores/types';

export { createFakeClock, type FakeClock } from './clock';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs512-test-secret-0123456789';
export const TEST_COST = 4;

export const PASSWORDS = {
  admin: 'admin-password',
  user: 'user-password',
  guest: 'guest-password',
  expired: 'expired-password',
  disabled: 'disabled-password',
} as const;

/** A logger that keeps what it is told, so tests can assert warnings and that no secret was logged. */
export function createRecordingLogger(): Logger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return { warnings, errors, warn: (m) => warnings.push(m), error: (m) => errors.push(m) };
}

let hashes: Promise<Record<keyof typeof PASSWORDS, string>> | undefined;

/** bcrypt hashes of PASSWORDS at cost 4, made once per test file. */
export function passwordHashes(): Promise<Record<keyof typeof PASSWORDS, string>> {
  hashes ??= (async () => {
    const entries = await Promise.all(
      Object.entries(PASSWORDS).map(
        async ([name, password]) => [name, await hashPassword(password, { cost: TEST_COST })] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<keyof typeof PASSWORDS, string>;
  })();
  return hashes;
}

/** The demo users (ids 1-5): admin, user (email second factor), guest, expired (password expired), disabled. */
export async function demoUsers(clock: () => number): Promise<User[]> {
  const h = await passwordHashes();
  return [
    {
      id: '1',
      login: 'admin',
      email: 'admin@example.com',
      passwordHash: h.admin,
      authorities: ['ROLE_ADMIN', 'ROLE_USER'],
      firstName: 'Admin',
      lastName: 'User',
      createdAt: new Date(clock()),
    },
    {
      id: '2',
      login: 'user',
      email: 'user@example.com',
      passwordHash: h.user,
      authorities: ['ROLE_USER'],
      secondFactor: 'EMAIL',
      createdAt: new Date(clock()),
    },
    {
      id: '3',
      login: 'guest',
      email: 'guest@example.com',
      passwordHash: h.guest,
      authorities: ['ROLE_USER'],
      createdAt: new Date(clock()),
    },
    {
      id: '4',
      login: 'expired',
      email: 'expired@example.com',
      passwordHash: h.expired,
      authorities: ['ROLE_USER'],
      passwordExpiresAt: new Date(clock() - 1000),
      createdAt: new Date(clock()),
    },
    {
      id: '5',
      login: 'disabled',
      email: 'disabled@example.com',
      passwordHash: h.disabled,
      authorities: ['ROLE_USER'],
      disabled: true,
      createdAt: new Date(clock()),
    },
  ];
}

/**
 * What every instance a test builds by hand with createAuth (several instances on shared stores, a store of its own)
 * starts from: the test secret, `users`, `clock`, a recording logger (a fresh one unless given) and the test's bcrypt
 * cost. The test adds its state store, mailer and options after it.
 */
export function testAuthOptions(
  users: UserStore,
  clock: () => number,
  logger: Logger = createRecordingLogger(),
): Pick<AuthOptions, 'secret' | 'users' | 'clock' | 'logger' | 'passwords'> {
  return { secret: TEST_SECRET, users, clock, logger, passwords: { bcryptCost: TEST_COST } };
}

/** The demo admin alone (id 1, admin-password, ROLE_ADMIN only): the user a guide's code under test seeds. */
export async function soleAdmin(): Promise<User> {
  const { admin } = await passwordHashes();
  return { id: '1', login: 'admin', email: 'admin@example.com', passwordHash: admin, authorities: ['ROLE_ADMIN'] };
}

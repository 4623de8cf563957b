// Builds a real Express app around one auth instance for supertest: memory stores, a fake clock, bcrypt cost 4.
import express, { type Express } from 'express';
import {
  createAuth,
  hashPassword,
  MemoryMailer,
  MemoryStateStore,
  MemoryUserStore,
  type Auth,
  type AuthOptions,
  type Logger,
  type User,
} from '../../lib';
import { checkResponsesAgainstDocument } from './openapi-conformance';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs512-test-secret-0123456789';
export const TEST_COST = 4;

export const PASSWORDS = {
  admin: 'admin-password',
  user: 'user-password',
  guest: 'guest-password',
  expired: 'expired-password',
  disabled: 'disabled-password',
} as const;

/** A clock tests move by hand. Starts at a fixed instant so results are reproducible. */
export interface FakeClock {
  (): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function createFakeClock(start = Date.UTC(2026, 0, 1, 12, 0, 0)): FakeClock {
  let now = start;
  const clock = (() => now) as FakeClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}

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
      Object.entries(PASSWORDS).map(async ([name, password]) => [name, await hashPassword(password, { cost: TEST_COST })] as const),
    );
    return Object.fromEntries(entries) as Record<keyof typeof PASSWORDS, string>;
  })();
  return hashes;
}

/** The demo users (ids 1-5): admin, user (email second factor), guest, expired (password expired), disabled. */
export async function demoUsers(clock: () => number): Promise<User[]> {
  const h = await passwordHashes();
  return [
    { id: '1', login: 'admin', email: 'admin@example.com', passwordHash: h.admin, authorities: ['ROLE_ADMIN', 'ROLE_USER'], firstName: 'Admin', lastName: 'User', createdAt: new Date(clock()) },
    { id: '2', login: 'user', email: 'user@example.com', passwordHash: h.user, authorities: ['ROLE_USER'], secondFactor: 'EMAIL', createdAt: new Date(clock()) },
    { id: '3', login: 'guest', email: 'guest@example.com', passwordHash: h.guest, authorities: ['ROLE_USER'], createdAt: new Date(clock()) },
    { id: '4', login: 'expired', email: 'expired@example.com', passwordHash: h.expired, authorities: ['ROLE_USER'], passwordExpiresAt: new Date(clock() - 1000), createdAt: new Date(clock()) },
    { id: '5', login: 'disabled', email: 'disabled@example.com', passwordHash: h.disabled, authorities: ['ROLE_USER'], disabled: true, createdAt: new Date(clock()) },
  ];
}

export interface TestApp {
  app: Express;
  auth: Auth;
  users: MemoryUserStore;
  state: MemoryStateStore;
  mailer: MemoryMailer;
  clock: FakeClock;
  logger: ReturnType<typeof createRecordingLogger>;
  /** Where the preset's routes are mounted (e.g. '/api' for utmstack). */
  base: string;
  close(): Promise<void>;
}

export interface CreateTestAppOptions extends Partial<AuthOptions> {
  /** Mount path; defaults to the preset's own. */
  mountPath?: string;
  /** Replace the demo users. */
  seedUsers?: User[];
  /** Set before mounting, e.g. `(app) => app.set('trust proxy', 1)`. */
  configureApp?: (app: Express) => void;
}

/**
 * An Express app with the auth router mounted at the preset's path, and guarded routes:
 * GET /api/protected (any user), GET /api/admin (ROLE_ADMIN), GET /api/tokens-only (no API keys).
 */
export async function createTestApp(options: CreateTestAppOptions = {}): Promise<TestApp> {
  const { mountPath, seedUsers, configureApp, ...authOptions } = options;
  const clock = (authOptions.clock as FakeClock | undefined) ?? createFakeClock();
  const users = new MemoryUserStore(seedUsers ?? (await demoUsers(clock)));
  const state = new MemoryStateStore({ clock });
  const mailer = new MemoryMailer();
  const logger = createRecordingLogger();
  const auth = createAuth({
    secret: TEST_SECRET,
    users,
    stateStore: state,
    mailer,
    logger,
    clock,
    ...authOptions,
    // A test that sets other password options still hashes at the test cost, unless it names its own.
    passwords: { bcryptCost: TEST_COST, ...authOptions.passwords },
  });
  const app = express();
  app.disable('x-powered-by');
  configureApp?.(app);
  const base = mountPath ?? auth.preset.mountPath;
  // Every response of the auth router is checked against the instance's OpenAPI document; close() reports violations.
  const violations = checkResponsesAgainstDocument(app, auth, base);
  app.use(base, auth.router);
  app.get('/api/protected', auth.requireAuth(), (req, res) => {
    res.json({ userId: req.auth?.userId, authorities: req.auth?.authorities, method: req.auth?.method });
  });
  app.get('/api/admin', auth.requireAuth({ roles: ['ROLE_ADMIN'] }), (req, res) => {
    res.json({ userId: req.auth?.userId });
  });
  app.get('/api/tokens-only', auth.requireAuth({ allowApiKeys: false }), (req, res) => {
    res.json({ userId: req.auth?.userId });
  });
  return {
    app,
    auth,
    users,
    state,
    mailer,
    clock,
    logger,
    base: base === '/' ? '' : base,
    close: async () => {
      await auth.shutdown();
      await state.shutdown();
      if (violations.length > 0) throw new Error(`responses that disagree with the OpenAPI document:\n${violations.join('\n')}`);
    },
  };
}

// Builds a real Express app around one auth instance for supertest: memory stores, a fake clock, bcrypt cost 4.
import express, { type Express } from 'express';
import {
  createAuth,
  MemoryMailer,
  MemoryStateStore,
  MemoryUserStore,
  type Auth,
  type AuthEvent,
  type AuthOptions,
  type User,
} from '../../lib';
import {
  createFakeClock,
  createRecordingLogger,
  demoUsers,
  TEST_COST,
  testAuthOptions,
  type FakeClock,
} from './fixtures';
import { checkResponsesAgainstDocument } from './openapi-conformance';

// The fixtures moved to fixtures.ts (no Express there, for the core helper); re-exported for the tests importing them here.
export {
  createFakeClock,
  createRecordingLogger,
  demoUsers,
  passwordHashes,
  PASSWORDS,
  TEST_COST,
  TEST_SECRET,
  testAuthOptions,
  type FakeClock,
} from './fixtures';

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
    ...testAuthOptions(users, clock, logger),
    stateStore: state,
    mailer,
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
      if (violations.length > 0)
        throw new Error(`responses that disagree with the OpenAPI document:\n${violations.join('\n')}`);
    },
  };
}

/** An app under test and the events its instance emitted, in order. */
export interface RecordingTestApp {
  t: TestApp;
  events: AuthEvent[];
}

/** `createTestApp` with an `onEvent` that records every event; a test's own `onEvent` in `options` replaces it. */
export async function createRecordingApp(options: CreateTestAppOptions = {}): Promise<RecordingTestApp> {
  const events: AuthEvent[] = [];
  const t = await createTestApp({ onEvent: (event) => void events.push(event), ...options });
  return { t, events };
}

/** Closes, after each test, what `current` then returns (the app a suite keeps in a `let`; nothing before the first). */
export function closeAfterEach(current: () => { close(): Promise<void> } | undefined): void {
  afterEach(async () => {
    await current()?.close();
  });
}

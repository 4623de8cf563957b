// The core of one auth instance (lib/core/context.ts's AuthContext) without Express: built by lib/auth.ts's
// buildCore(), the same function createAuth() builds its edge on, on memory stores, a fake clock and bcrypt cost 4.
// Tests call core functions (password reset, recovery codes, step-up, lockout...) directly: a test costs
// milliseconds, not an HTTP round trip, which is what mutation testing at concurrency 1 needs.
import { buildCore } from '../../lib/auth';
import type { AuthContext } from '../../lib/core/context';
import type { AuthEvent } from '../../lib/core/events';
import { MemoryMailer } from '../../lib/mailers/memory-mailer';
import type { AuthOptions } from '../../lib/options';
import { MemoryStateStore, type MemoryStateStoreOptions } from '../../lib/stores/memory-state-store';
import { MemoryUserStore } from '../../lib/stores/memory-user-store';
import type { User } from '../../lib/stores/types';
import { KeySet } from '../../lib/tokens/key-set';
import {
  createFakeClock,
  createRecordingLogger,
  demoUsers,
  TEST_COST,
  testAuthOptions,
  type FakeClock,
} from './fixtures';

export interface CreateTestCoreOptions extends Partial<AuthOptions> {
  /** Replace the demo users (ids 1-5 of fixtures.ts). */
  seedUsers?: User[];
  /** Options of the MemoryStateStore (its clock is the test's), e.g. `{ sweepIntervalMs: 1 }` to count live keys by `state.size`. */
  stateStoreOptions?: Omit<MemoryStateStoreOptions, 'clock'>;
}

export interface TestCore {
  /** What the core's flows take as their first argument. Its stores are `users` and `state` behind the fail-closed wrappers, as in production. */
  context: AuthContext;
  /** The memory stores under the context, to seed and to inspect through their public methods. */
  users: MemoryUserStore;
  state: MemoryStateStore;
  /** The mailer given to the instance (unless `mailer` was overridden; then use your own). */
  mailer: MemoryMailer;
  clock: FakeClock;
  logger: ReturnType<typeof createRecordingLogger>;
  /** Every audit event emitted, in order (delivered after the current work: `await settle()` first). */
  events: AuthEvent[];
  /** The options the instance was resolved from: `createAuth(core.options)` builds the same instance with Express. */
  options: AuthOptions;
  /** The stored user with this id (throws when there is none). */
  user(id: string): Promise<User>;
  /** Lets what the core does off the request path land: mails (mailOffThePath) and audit events. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A core context with the demo users, a MemoryStateStore, a MemoryMailer, a fake clock and a recording logger. Every
 * AuthOptions field can be overridden (e.g. `passwordReset`, `lockout`, `deviceCookie`, `mailer: undefined`);
 * `onEvent` given here is called as well as the recorder.
 *
 * @example
 * const core = await createTestCore({ passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' } });
 * await requestPasswordReset(core.context, 'guest@example.com');
 * await core.settle();
 * expect(core.mailer.resetLinks).toHaveLength(1);
 */
export async function createTestCore(overrides: CreateTestCoreOptions = {}): Promise<TestCore> {
  const { seedUsers, stateStoreOptions, onEvent, ...authOptions } = overrides;
  const clock = (authOptions.clock as FakeClock | undefined) ?? createFakeClock();
  const users = new MemoryUserStore(seedUsers ?? (await demoUsers(clock)));
  const state = new MemoryStateStore({ ...stateStoreOptions, clock });
  const mailer = new MemoryMailer();
  const logger = createRecordingLogger();
  const events: AuthEvent[] = [];
  const options: AuthOptions = {
    ...testAuthOptions(users, clock, logger),
    stateStore: state,
    mailer,
    ...authOptions,
    // Cost 4 unless the test sets one, whatever else of `passwords` it sets.
    passwords: { bcryptCost: TEST_COST, ...authOptions.passwords },
    onEvent: (event) => {
      events.push(event);
      return onEvent?.(event);
    },
  };
  const { core: context, keys } = buildCore(options);
  return {
    context,
    users,
    state,
    mailer,
    clock,
    logger,
    events,
    options,
    user: async (id) => {
      const user = await users.findById(id);
      if (user === null) throw new Error(`no user with id ${id}`);
      return user;
    },
    // mailOffThePath and EventSink both deliver on setImmediate; a mail's promise settles a tick or two later.
    settle: async () => {
      for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
    },
    close: async () => {
      await state.shutdown();
      // As auth.shutdown(): a KeySet passed in is the test's to close.
      if (!(options.secret instanceof KeySet)) keys.close();
    },
  };
}

/** What `promise` came to: 'resolved', or the code of the error it rejected with (the error's text when it has none). */
export function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: { code?: string }) => error.code ?? String(error),
  );
}

/**
 * Registers a beforeEach that builds a core from `options` and hands it to `started` (the suite's `let`, and any
 * seeding it awaits), and an afterEach that closes it. Call at the suite's top level.
 */
export function corePerTest(options: CreateTestCoreOptions, started: (core: TestCore) => unknown): void {
  let core: TestCore | undefined;
  beforeEach(async () => {
    core = await createTestCore(options);
    await started(core);
  });
  afterEach(async () => {
    await core?.close();
  });
}

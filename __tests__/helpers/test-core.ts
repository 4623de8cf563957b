// The core of one auth instance (lib/core/context.ts's AuthContext) without Express: options resolved by the real
// resolver (lib/options.ts), services assembled as lib/auth.ts's buildEdge assembles them, on memory stores, a fake
// clock and bcrypt cost 4. Tests call core functions (password reset, recovery codes, step-up, lockout...) directly:
// a test costs milliseconds, not an HTTP round trip, which is what mutation testing at concurrency 1 needs.
// __tests__/core/test-core.test.ts checks that the settings built here equal those of createAuth() for the same options.
import type { AuthContext, CoreSettings } from '../../lib/core/context';
import { EventSink, type AuthEvent } from '../../lib/core/events';
import { ExternalIdentityVerifier } from '../../lib/core/external-identity';
import { describeIdentity, LoginThrottle } from '../../lib/core/lockout';
import { SessionVersions } from '../../lib/core/sessions';
import { MemoryMailer } from '../../lib/mailers/memory-mailer';
import { resolveOptions, type AuthOptions, type ResolvedConfig } from '../../lib/options';
import { PasswordHasher, sharedBcryptPool } from '../../lib/passwords/hasher';
import { failClosed } from '../../lib/stores/fail-closed-state-store';
import { failClosedUsers } from '../../lib/stores/fail-closed-user-store';
import { MemoryStateStore, type MemoryStateStoreOptions } from '../../lib/stores/memory-state-store';
import { MemoryUserStore } from '../../lib/stores/memory-user-store';
import type { User } from '../../lib/stores/types';
import { KeySet } from '../../lib/tokens/key-set';
import { TokenService } from '../../lib/tokens/token-service';
import { createFakeClock, createRecordingLogger, demoUsers, TEST_COST, TEST_SECRET, type FakeClock } from './fixtures';

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
    secret: TEST_SECRET,
    users,
    stateStore: state,
    mailer,
    logger,
    clock,
    bcryptCost: TEST_COST,
    ...authOptions,
    onEvent: (event) => {
      events.push(event);
      return onEvent?.(event);
    },
  };
  const { context, keys } = buildCore(options);
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

/** lib/auth.ts's buildEdge, core part: the same resolver, wrappers and services, nothing of HTTP. */
function buildCore(options: AuthOptions): { context: AuthContext; keys: ResolvedConfig['keys'] } {
  const resolved = resolveOptions(options);
  const { logger, clock } = resolved;
  const config: ResolvedConfig = { ...resolved, apiKeys: hasApiKeyMethods(resolved) ? resolved.apiKeys : false };
  const state = failClosed(config.stateStore ?? new MemoryStateStore({ clock }), logger);
  const users = failClosedUsers(config.users, logger);
  const events = new EventSink(config.onEvent, clock, logger);
  const tokenIssueSeconds = config.preset.routes.tokenIssue == null ? 0 : config.maxTokenLifetimeSeconds;
  const longestTokenSeconds = Math.max(config.accessTokenTtlSeconds, config.rememberMeTtlSeconds, config.refreshTokenTtlSeconds, tokenIssueSeconds) + config.clockSkewSeconds;
  const context: AuthContext = {
    config: coreSettings(config),
    users,
    state,
    tokens: new TokenService({
      keys: config.keys,
      issuer: config.issuer,
      audience: config.audience,
      clockSkewSeconds: config.clockSkewSeconds,
      clock,
      verifiedCacheSize: 10_000,
    }),
    passwords: new PasswordHasher(sharedBcryptPool(), config.bcryptCost, { maxQueueWaitMs: config.bcryptMaxQueueWaitMs }),
    throttle: new LoginThrottle(state, config.lockout, clock, (identity, until) =>
      events.emit('lockout.started', { ...describeIdentity(identity), until: new Date(until).toISOString() }),
    ),
    sessions: new SessionVersions(state, clock, longestTokenSeconds, config.sessionCacheMs, users),
    externalIdentity: config.externalIdentityProvider ? new ExternalIdentityVerifier(config.externalIdentityProvider, clock) : undefined,
    events,
  };
  return { context, keys: config.keys };
}

// lib/auth.ts keeps these two private; test-core.test.ts compares the result with createAuth()'s.
function coreSettings(config: ResolvedConfig): CoreSettings {
  return {
    clock: config.clock,
    logger: config.logger,
    mailer: config.mailer,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    rememberMeTtlSeconds: config.rememberMeTtlSeconds,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    subjectClaim: config.preset.defaults.subjectClaim ?? 'id',
    refresh: config.refresh,
    accessTokenSessions: config.preset.defaults.accessTokenSessions ?? false,
    maxTokenLifetimeSeconds: config.maxTokenLifetimeSeconds,
    secondFactor: config.secondFactor,
    passwordPolicy: config.passwordPolicy,
    passwordReset: config.passwordReset,
    registration: config.registration,
    passwordMaxAgeSeconds: config.passwordMaxAgeSeconds,
    deviceCookie: config.deviceCookie === false ? false : { ttlSeconds: config.deviceCookie.ttlSeconds },
    trustedDevices: config.trustedDevices === false ? false : { lifetimeSeconds: config.trustedDevices.lifetimeSeconds, maxPerUser: config.trustedDevices.maxPerUser },
    maxSessionsPerUser: config.maxSessionsPerUser,
    apiKeys:
      config.apiKeys === false
        ? false
        : {
            prefix: config.apiKeys.prefix,
            revokeOnReset: config.apiKeys.revokeOnReset,
            defaultLifetimeSeconds: config.apiKeys.defaultLifetimeSeconds,
            recentLoginSeconds: config.apiKeys.recentLoginSeconds,
          },
    passkeys: config.passkeys,
  };
}

function hasApiKeyMethods(config: ResolvedConfig): boolean {
  const { users } = config;
  return [users.createApiKey, users.listApiKeys, users.findApiKeyByHash, users.deleteApiKey, users.touchApiKey].every((method) => typeof method === 'function');
}

// createAuth(): one auth instance (options resolved once, services built once), its routers and its guard.
import { Router, type RequestHandler } from 'express';
import type { AuthContext } from './flows/context';
import { ExternalIdentityVerifier } from './flows/external-identity';
import { LoginThrottle } from './flows/lockout';
import { SessionVersions } from './flows/sessions';
import { endAllSessions } from './flows/session-tokens';
import { failClosedUsers } from './stores/fail-closed-user-store';
import { createGuard, type RequireAuthOptions } from './guard/require-auth';
import { warn } from './logger';
import { resolveOptions, type AuthOptions, type ResolvedConfig } from './options';
import { PasswordHasher, sharedBcryptPool } from './passwords/hasher';
import type { Preset } from './presets/types';
import { buildAccountRouter } from './routers/account-router';
import { buildAuthHeaderRouter } from './routers/auth-header-router';
import { buildAuthenticateRouter } from './routers/authenticate-router';
import { buildRefreshRouter } from './routers/refresh-router';
import { failClosed } from './stores/fail-closed-state-store';
import { MemoryStateStore } from './stores/memory-state-store';
import { TokenService } from './tokens/token-service';

const CONTEXT = Symbol('express-auth-kit.context');

/** One configured auth instance: its composed router, its guard, and session controls. */
export interface Auth {
  /** Every route of the preset: login and second factor, account, refresh and logout, API keys. */
  readonly router: Router;
  /** The bearer guard bound to this instance. */
  requireAuth(options?: RequireAuthOptions): RequestHandler;
  /**
   * Ends every session of a user at once. The guard also refuses a disabled or deleted user's tokens by itself, within
   * `sessionCacheMs`; call this when you disable or delete a user to make it immediate.
   */
  endAllSessions(userId: string): Promise<void>;
  /** The active wire format. */
  readonly preset: Preset;
  /** Releases timers and the default memory store. The password workers are shared and idle ones never hold the process. */
  shutdown(): Promise<void>;
  /** @internal */
  readonly [CONTEXT]: AuthContext;
}

function buildContext(options: AuthOptions): { context: AuthContext; ownedStore: MemoryStateStore | undefined } {
  const config = resolveOptions(options);
  const { logger, clock } = config;
  if (config.bcryptCost < 10) {
    warn(logger, 'WEAK_BCRYPT_COST', `"bcryptCost" is ${config.bcryptCost}; OWASP's floor is 10. Use a low cost in tests only.`);
  }
  if (!config.stateStore && process.env.NODE_ENV === 'production') {
    warn(logger, 'MEMORY_STORE_IN_PRODUCTION', 'no "stateStore" is set: lockouts, challenges and sessions live in this process only.');
  }
  const ownedStore = config.stateStore ? undefined : new MemoryStateStore({ clock });
  const state = failClosed(config.stateStore ?? (ownedStore as MemoryStateStore), logger);
  const users = failClosedUsers(config.users, logger);
  const longestTokenSeconds = Math.max(config.accessTokenTtl, config.rememberMeTtl, config.refreshTokenTtl) + config.clockSkewSeconds;
  const context: AuthContext = {
    // Keys need the store's API-key methods: without them, a key-shaped credential is an ordinary invalid token.
    config: { ...config, apiKeys: hasApiKeyMethods(config) ? config.apiKeys : false },
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
    throttle: new LoginThrottle(state, config.lockout, clock),
    sessions: new SessionVersions(state, clock, longestTokenSeconds, config.sessionCacheMs, users),
    externalIdentity: config.externalIdentityProvider ? new ExternalIdentityVerifier(config.externalIdentityProvider, clock) : undefined,
  };
  return { context, ownedStore };
}

/**
 * Creates an auth instance. Throws a TypeError naming the option when the options are wrong.
 *
 * @example
 * const auth = createAuth({ secret: process.env.JWT_SECRET!, users });
 * app.use('/auth', auth.router);
 * app.get('/api/things', auth.requireAuth({ roles: ['ROLE_ADMIN'] }), handler);
 */
export function createAuth(options: AuthOptions): Auth {
  const { context, ownedStore } = buildContext(options);
  const router = Router();
  router.use(buildAuthenticateRouter(context));
  router.use(buildAccountRouter(context));
  router.use(buildRefreshRouter(context));
  // With keys refused by the guard, minting them would only hand out credentials that never work.
  if (context.config.apiKeys !== false) router.use(buildAuthHeaderRouter(context));
  return {
    router,
    requireAuth: (guardOptions) => createGuard(context, guardOptions),
    endAllSessions: (userId) => endAllSessions(context, userId),
    preset: context.config.preset,
    shutdown: async () => {
      await ownedStore?.shutdown();
    },
    [CONTEXT]: context,
  };
}

function hasApiKeyMethods(config: ResolvedConfig): boolean {
  const { users } = config;
  const complete = [users.createApiKey, users.listApiKeys, users.findApiKeyByHash, users.deleteApiKey, users.touchApiKey].every(
    (method) => typeof method === 'function',
  );
  if (!complete && config.apiKeys !== false) {
    warn(config.logger, 'NO_API_KEY_STORE', 'the user store has no API-key methods: API keys are refused and their routes are not mounted. Set "apiKeys: false" to silence this.');
  }
  return complete;
}

export function contextOf(auth: Auth): AuthContext {
  const context = (auth as Partial<Auth>)[CONTEXT];
  if (!context) throw new TypeError('Expected an instance made by createAuth(options).');
  return context;
}

let defaultAuth: Auth | undefined;

/**
 * Creates an auth instance and returns its router, mounting every route of the preset. It also becomes the
 * instance that the standalone {@link requireAuth} uses.
 *
 * @example
 * app.use('/api', createAuthRouter({ secret: process.env.JWT_SECRET!, users, preset: 'utmstack' }));
 * app.get('/api/things', requireAuth({ roles: ['ROLE_ADMIN'] }), handler);
 */
export function createAuthRouter(options: AuthOptions): Router & { auth: Auth } {
  const auth = createAuth(options);
  defaultAuth = auth;
  return Object.assign(auth.router, { auth });
}

/**
 * The bearer guard of the auth instance made by the last {@link createAuthRouter} call. With several instances
 * in one process, use each instance's own `auth.requireAuth()`.
 */
export function requireAuth(options?: RequireAuthOptions): RequestHandler {
  if (!defaultAuth) {
    throw new TypeError(
      'requireAuth() needs an auth router: call createAuthRouter(options) before it (app.use("/api", createAuthRouter(options))), or use createAuth(options).requireAuth().',
    );
  }
  return defaultAuth.requireAuth(options);
}

/** The login, login-status and second-factor routes of `auth`'s preset, on their own. */
export function authenticateRouter(auth: Auth): Router {
  return buildAuthenticateRouter(contextOf(auth));
}

/** The account and change-password routes of `auth`'s preset, on their own. */
export function accountRouter(auth: Auth): Router {
  return buildAccountRouter(contextOf(auth));
}

/** The refresh and logout routes of `auth`'s preset, on their own. */
export function refreshRouter(auth: Auth): Router {
  return buildRefreshRouter(contextOf(auth));
}

/** The API-key routes of `auth`'s preset, on their own (the user store needs the API-key methods). */
export function authHeaderRouter(auth: Auth): Router {
  return buildAuthHeaderRouter(contextOf(auth));
}

// createAuth(): one auth instance (options resolved once, services built once), its routers, its guard, its document.
import type { Request, RequestHandler, Router } from 'express';
import type { AuthContext } from './core/context';
import { EventSink } from './core/events';
import { ExternalIdentityVerifier } from './core/external-identity';
import { describeIdentity, LoginThrottle } from './core/lockout';
import { endAllSessions } from './core/session-tokens';
import { SessionVersions } from './core/session-versions';
import type { EdgeContext } from './http/context';
import { createGuard, type RequireAuthOptions } from './http/guard';
import { registerMetrics, type MetricsOptions, type MetricsRegistry } from './http/metrics';
import { mountRoutes } from './http/mount';
import { buildOpenApiDocument, type OpenApiDocument, type OpenApiOptions } from './http/openapi';
import { replyContext } from './http/reply';
import { allRoutes, routeGroups } from './http/routes';
import { warn } from './logger';
import { resolveOptions, type AuthOptions, type ResolvedConfig } from './options';
import { PasswordHasher, sharedBcryptPool } from './passwords/hasher';
import type { Preset } from './presets/types';
import { failClosed } from './stores/fail-closed-state-store';
import { failClosedUsers } from './stores/fail-closed-user-store';
import { MemoryStateStore } from './stores/memory-state-store';
import { KeySet, type Jwks, type KeyRotation, type RotateKeysOptions } from './tokens/key-set';
import { TokenService } from './tokens/token-service';

/** One configured auth instance: its composed router, its guard, its OpenAPI document and session controls. */
export interface Auth {
  /** Every route of the preset: login and second factor, account, refresh and logout, API keys. */
  readonly router: Router;
  /** The bearer guard bound to this instance. */
  requireAuth(options?: RequireAuthOptions): RequestHandler;
  /**
   * Ends every session of a user at once. The guard also refuses a disabled or deleted user's tokens by itself, within
   * `sessions.cacheMs`; call this when you disable or delete a user to make it immediate.
   */
  endAllSessions(userId: string): Promise<void>;
  /**
   * The OpenAPI 3.1 document of exactly the routes this instance mounts, for the active preset and options.
   * @example app.get('/openapi.json', (_req, res) => res.json(auth.openapi()));
   */
  openapi(options?: OpenApiOptions): OpenApiDocument;
  /**
   * The public keys that verify this instance's tokens, as a JWKS (`{ keys: [...] }`; empty for HMAC secrets): the next
   * key is listed before it signs, and retired keys until every token they signed has expired.
   * @example app.get('/.well-known/jwks.json', (_req, res) => res.set('Cache-Control', auth.jwksCacheControl()).json(auth.jwks()));
   */
  jwks(): Jwks;
  /** The `Cache-Control` to serve the JWKS with: shorter than the time a new key is published before it signs. */
  jwksCacheControl(): string;
  /**
   * Publishes a new signing key (it signs once `publishAhead` has passed) and retires the current one, which keeps
   * verifying until its tokens have expired. Only for key sets with rotation, or a shared KeySet.
   */
  rotateKeys(options?: RotateKeysOptions): KeyRotation;
  /**
   * Registers this instance's Prometheus metrics in a prom-client registry (prom-client is an optional peer, loaded
   * only by this call) and starts counting: logins, second factors, lockouts, refreshes, resets, API keys, and the
   * latency of logins and of the guard. No label ever names a user or an address. See "Metrics" in docs/events.md.
   * @example auth.metrics(register); app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()));
   */
  metrics(registry: MetricsRegistry, options?: MetricsOptions): void;
  /** The active wire format. */
  readonly preset: Preset;
  /** Releases timers and the default memory store. The password workers are shared and idle ones never hold the process. */
  shutdown(): Promise<void>;
}

// The internals of each instance, kept out of the published type: only this module and the router factories see them.
const edges = new WeakMap<Auth, EdgeContext>();

// Settings that work but weaken the defaults: each one logged once, at start, so it is not left on by mistake.
function warnAboutRiskySettings(config: ResolvedConfig): void {
  const { logger } = config;
  if (config.passwords.bcryptCost < 10) {
    warn(
      logger,
      'WEAK_BCRYPT_COST',
      `"passwords.bcryptCost" is ${config.passwords.bcryptCost}; OWASP's floor is 10. Use a low cost in tests only.`,
    );
  }
  if (config.cookies !== false && !config.cookies.secure) {
    warn(
      logger,
      'INSECURE_DEVELOPMENT_COOKIES',
      '"cookies.insecureDevelopment" is on: cookies go without Secure and __Host-, over plain http. For development only.',
    );
  }
  if (!config.stateStore && process.env.NODE_ENV === 'production') {
    warn(
      logger,
      'MEMORY_STORE_IN_PRODUCTION',
      'no "stateStore" is set: lockouts, challenges and sessions live in this process only.',
    );
  }
}

/**
 * The core of one instance: the resolved options and the services its flows share. Internal (not in lib/index.ts);
 * createAuth() builds its edge on it, and the core tests (__tests__/helpers/test-core.ts) call the core through it.
 */
export function buildCore(options: AuthOptions): {
  core: AuthContext;
  config: ResolvedConfig;
  ownedStore: MemoryStateStore | undefined;
  keys: KeySet;
} {
  const config = resolveOptions(options);
  const { logger, clock } = config;
  warnAboutRiskySettings(config);
  const ownedStore = config.stateStore ? undefined : new MemoryStateStore({ clock });
  const state = failClosed(config.stateStore ?? (ownedStore as MemoryStateStore), logger);
  const users = failClosedUsers(config.users, logger);
  const events = new EventSink(config.onEvent, clock, logger);
  const core: AuthContext = {
    // The core and the edge read their slices of the one resolved shape (CoreSettings, EdgeSettings): no mapping.
    config,
    users,
    state,
    tokens: new TokenService({
      keys: config.keys,
      issuer: config.tokens.issuer,
      audience: config.tokens.audience,
      clockSkewSeconds: config.tokens.clockSkewSeconds,
      clock,
      verifiedCacheSize: 10_000,
      ...(config.tokens.leanAccessTokens ? { accessTokenClaims: [] } : {}),
    }),
    passwords: new PasswordHasher(sharedBcryptPool(), config.passwords.bcryptCost, {
      maxQueueWaitMs: config.passwords.maxQueueWaitMs,
    }),
    throttle: new LoginThrottle(state, config.lockout, clock, (identity, until) =>
      events.emit('lockout.started', { ...describeIdentity(identity), until: new Date(until).toISOString() }),
    ),
    sessions: new SessionVersions(state, clock, config.tokens.longestLifetimeSeconds, config.sessions.cacheMs, users),
    externalIdentity: config.externalIdentityProvider
      ? new ExternalIdentityVerifier(config.externalIdentityProvider, clock)
      : undefined,
    events,
  };
  return { core, config, ownedStore, keys: config.keys };
}

function buildEdge(options: AuthOptions): {
  edge: EdgeContext;
  ownedStore: MemoryStateStore | undefined;
  keys: KeySet;
} {
  const { core, config: settings, ownedStore, keys } = buildCore(options);
  // `metrics` from the start, so the guard's read of it always sees one object shape.
  const edge: EdgeContext = {
    core,
    preset: settings.preset,
    settings,
    replyContext: (req: Request) => replyContext(req, settings),
    metrics: undefined,
  };
  return { edge, ownedStore, keys };
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
  const { edge, ownedStore, keys } = buildEdge(options);
  const auth: Auth = {
    router: mountRoutes(edge, allRoutes),
    requireAuth: (guardOptions) => createGuard(edge, guardOptions),
    endAllSessions: (userId) => endAllSessions(edge.core, userId),
    openapi: (documentOptions) => buildOpenApiDocument(edge, allRoutes, documentOptions),
    jwks: () => keys.jwks(),
    jwksCacheControl: () => keys.jwksCacheControl(),
    rotateKeys: (rotation) => keys.rotateKeys(rotation),
    metrics: (registry, metricsOptions) => registerMetrics(edge, registry, metricsOptions),
    preset: edge.preset,
    shutdown: async () => {
      await ownedStore?.shutdown();
      // A KeySet the host passed in is the host's to close (other instances may share it).
      if (!(options.secret instanceof KeySet)) keys.close();
    },
  };
  edges.set(auth, edge);
  return auth;
}

function edgeOf(auth: Auth): EdgeContext {
  const edge = edges.get(auth);
  if (!edge) throw new TypeError('Expected an instance made by createAuth(options).');
  return edge;
}

/** The core of an instance, for the library's own benchmarks and tests; not exported from the package. */
export function contextOf(auth: Auth): AuthContext {
  return edgeOf(auth).core;
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
  return mountRoutes(edgeOf(auth), routeGroups.authenticate);
}

/** The account and change-password routes of `auth`'s preset, on their own. */
export function accountRouter(auth: Auth): Router {
  return mountRoutes(edgeOf(auth), routeGroups.account);
}

/** The refresh, logout and log-out-everywhere routes of `auth`'s preset, on their own. */
export function refreshRouter(auth: Auth): Router {
  return mountRoutes(edgeOf(auth), routeGroups.refresh);
}

/** The API-key routes of `auth`'s preset, on their own (the user store needs the API-key methods). */
export function authHeaderRouter(auth: Auth): Router {
  return mountRoutes(edgeOf(auth), routeGroups.authHeader);
}

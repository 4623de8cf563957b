// Prometheus metrics through the host's prom-client (an optional peer, loaded only when `auth.metrics()` is called):
// counters derived from the audit events, and what no event says (challenges, refreshes, accepted API keys, latencies)
// measured here at the edge. Every label comes from a small fixed set: never a user, a login, an address or anything
// a client chooses.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import type { AuthEventFields, AuthEventName } from '../core/events';
import type { LoginOutcome } from '../core/login';
import { AUTH_ERROR_CATALOGUE, isAuthError, type AuthErrorCode } from '../errors';
import { reportError } from '../logger';
import { loadOptionalPeer } from '../primitives/optional-peer';
import type { EdgeContext, EdgeMetrics } from './context';

/**
 * The part of a prom-client `Registry` that {@link registerMetrics} uses. Structural, so that this package's types do
 * not need prom-client installed; prom-client's default `register` and any `new Registry()` fit.
 */
export interface MetricsRegistry {
  registerMetric(metric: object): void;
  getSingleMetric(name: string): unknown;
}

/** Options of `auth.metrics()`. */
export interface MetricsOptions {
  /**
   * What every metric's name starts with. Two auth instances in one registry need a prefix each.
   * @default 'express_auth_'
   */
  prefix?: string;
}

type LoginOutcomeLabel = Parameters<EdgeMetrics['loginEnded']>[0];
type RefreshResultLabel = Parameters<EdgeMetrics['refreshEnded']>[0];

const LOGIN_OUTCOMES: readonly LoginOutcomeLabel[] = ['succeeded', 'challenged', 'failed', 'blocked', 'error'];
const REFRESH_RESULTS: readonly RefreshResultLabel[] = ['succeeded', 'refused', 'error'];
const SECOND_FACTOR_METHODS = ['email', 'totp', 'recovery_code', 'other'] as const;
// A login's first step: a bcrypt comparison at cost 10-12 takes 50-300 ms, plus the stores.
const LOGIN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// The guard: microseconds from its caches, milliseconds when it asks a store (an API key, a cold session cache).
const GUARD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
const PROMETHEUS_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const registered = new WeakMap<EdgeContext, { registry: MetricsRegistry; prefix: string }>();

type PromClient = typeof import('prom-client');

/** The host's prom-client, resolved from this package's place (where npm puts an optional peer), only when asked. */
function loadPromClient(): PromClient {
  return loadOptionalPeer<PromClient>('prom-client', 'auth.metrics()');
}

function checkArguments(registry: unknown, options: unknown): string {
  if (!isMetricsRegistry(registry)) {
    throw new TypeError(
      'auth.metrics(registry): "registry" must be a prom-client Registry (its default `register`, or `new Registry()`).',
    );
  }
  if (typeof options !== 'object' || options === null)
    throw new TypeError('auth.metrics(registry, options): "options" must be an object.');
  for (const key of Object.keys(options)) {
    if (key !== 'prefix') throw new TypeError(`auth.metrics(): unknown option "${key}".`);
  }
  const prefix = ('prefix' in options ? options.prefix : undefined) ?? 'express_auth_';
  if (typeof prefix !== 'string' || !PROMETHEUS_NAME.test(prefix)) {
    throw new TypeError(
      'auth.metrics(): "prefix" must start a Prometheus metric name: letters, digits, "_" and ":", not starting with a digit.',
    );
  }
  return prefix;
}

function isMetricsRegistry(value: unknown): value is MetricsRegistry {
  if (typeof value !== 'object' || value === null) return false;
  return (
    'registerMetric' in value &&
    typeof value.registerMetric === 'function' &&
    'getSingleMetric' in value &&
    typeof value.getSingleMetric === 'function'
  );
}

/**
 * Registers this instance's metrics in `registry` and starts counting. Calling it again with the same registry and
 * prefix does nothing; with another, or where the names are taken (another instance), it throws a TypeError.
 */
export function registerMetrics(edge: EdgeContext, registry: MetricsRegistry, options: MetricsOptions = {}): void {
  const prefix = checkArguments(registry, options);
  const earlier = registered.get(edge);
  if (earlier !== undefined) {
    if (earlier.registry === registry && earlier.prefix === prefix) return;
    throw new TypeError(
      "auth.metrics() was already called for this instance with another registry or prefix: register once (prom-client's Registry.merge() combines registries).",
    );
  }
  const names = metricNames(prefix);
  for (const name of Object.values(names)) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new TypeError(
        `auth.metrics(): the registry already has a metric named "${name}" (another auth instance?): give each instance its own "prefix".`,
      );
    }
  }
  const instruments = createInstruments(registry, names);
  zeroEverySeries(instruments);
  registered.set(edge, { registry, prefix });
  tapEvents(edge, eventCounter(instruments));
  edge.metrics = edgeMetrics(instruments);
}

function metricNames(prefix: string) {
  return {
    logins: `${prefix}logins_total`,
    secondFactor: `${prefix}second_factor_total`,
    lockouts: `${prefix}lockouts_total`,
    refreshes: `${prefix}refreshes_total`,
    reuse: `${prefix}refresh_reuse_detected_total`,
    resets: `${prefix}password_resets_total`,
    apiKeys: `${prefix}api_key_uses_total`,
    loginDuration: `${prefix}login_duration_seconds`,
    guardDuration: `${prefix}guard_duration_seconds`,
  };
}

type Instruments = ReturnType<typeof createInstruments>;

function createInstruments(registry: MetricsRegistry, names: ReturnType<typeof metricNames>) {
  const client = loadPromClient();
  // Made outside any registry (`registers: []`) and registered here: prom-client would do the same with
  // `registers: [registry]`, but that wants its own Registry type, of which `registry` has only the part we use.
  const register = <M extends object>(metric: M): M => {
    registry.registerMetric(metric);
    return metric;
  };
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    register(new client.Counter({ name, help, labelNames, registers: [] }));
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ): Histogram<L> => register(new client.Histogram({ name, help, labelNames, buckets, registers: [] }));
  return {
    logins: counter(
      names.logins,
      'Logins by outcome: succeeded (a session opened, with or without a second factor), challenged (a second factor asked), failed, blocked (lockout), error (an outage).',
      ['outcome'],
    ),
    secondFactor: counter(names.secondFactor, 'Second-factor proofs by result and method.', ['result', 'method']),
    lockouts: counter(names.lockouts, 'Lockouts started, of an account or of one device.', ['scope']),
    refreshes: counter(names.refreshes, 'Refresh-token exchanges by result.', ['result']),
    reuse: counter(names.reuse, 'Rotated refresh tokens presented again: each ended its session.', []),
    resets: counter(names.resets, 'Password resets requested (a link mailed) and completed.', ['stage']),
    apiKeys: counter(
      names.apiKeys,
      'API keys presented: accepted by a guard, or refused (unknown, expired, owner disabled).',
      ['result'],
    ),
    loginDuration: histogram(
      names.loginDuration,
      'Time to answer a password login, by outcome.',
      ['outcome'],
      LOGIN_BUCKETS,
    ),
    guardDuration: histogram(
      names.guardDuration,
      'Time the guard took to admit or refuse a request.',
      ['result'],
      GUARD_BUCKETS,
    ),
  };
}

// Every series exists from the start, at zero: a rate() over a counter that appears later misses its first step.
function zeroEverySeries({
  logins,
  loginDuration,
  secondFactor,
  lockouts,
  refreshes,
  reuse,
  resets,
  apiKeys,
  guardDuration,
}: Instruments): void {
  for (const outcome of LOGIN_OUTCOMES) {
    logins.inc({ outcome }, 0);
    loginDuration.zero({ outcome });
  }
  for (const result of ['succeeded', 'failed'] as const)
    for (const method of SECOND_FACTOR_METHODS) secondFactor.inc({ result, method }, 0);
  for (const scope of ['account', 'device'] as const) lockouts.inc({ scope }, 0);
  for (const result of REFRESH_RESULTS) refreshes.inc({ result }, 0);
  reuse.inc(0);
  for (const stage of ['requested', 'completed'] as const) resets.inc({ stage }, 0);
  for (const result of ['accepted', 'refused'] as const) apiKeys.inc({ result }, 0);
  guardDuration.zero({ result: 'admitted' });
  guardDuration.zero({ result: 'refused' });
}

/** The counting of the audit events: each event the metrics follow, to the series it adds one to; others count nothing. */
function eventCounter({ logins, lockouts, secondFactor, reuse, resets, apiKeys }: Instruments) {
  const counts: Partial<Record<AuthEventName, (fields: AuthEventFields) => void>> = {
    'login.succeeded': () => logins.inc({ outcome: 'succeeded' }),
    'login.failed': (fields) => logins.inc({ outcome: loginFailure(fields.reason) }),
    'lockout.started': (fields) => lockouts.inc({ scope: fields.device === true ? 'device' : 'account' }),
    'tfa.verified': (fields) => secondFactor.inc({ result: 'succeeded', method: methodLabel(fields.method) }),
    'tfa.failed': (fields) => secondFactor.inc({ result: 'failed', method: methodLabel(fields.method) }),
    'refresh.reuse_detected': () => reuse.inc(),
    'password.reset_requested': () => resets.inc({ stage: 'requested' }),
    'password.reset_completed': () => resets.inc({ stage: 'completed' }),
    'api_key.used_failed': () => apiKeys.inc({ result: 'refused' }),
  };
  return (event: AuthEventName, fields: AuthEventFields): void => counts[event]?.(fields);
}

// Counting runs inside the flows: whatever it does, it never fails one (reported once).
function tapEvents(edge: EdgeContext, countEvent: (event: AuthEventName, fields: AuthEventFields) => void): void {
  let tapFailed = false;
  edge.core.events.tap = (event, fields) => {
    try {
      countEvent(event, fields);
    } catch (error) {
      if (tapFailed) return;
      tapFailed = true;
      reportError(edge.settings.logger, `counting the "${event}" event failed (reported once)`, error);
    }
  };
}

/** What the edge reports where no audit event says it. */
function edgeMetrics({ loginDuration, logins, refreshes, guardDuration, apiKeys }: Instruments): EdgeMetrics {
  // Bound once: the guard observes on every request.
  const guardAdmitted = guardDuration.labels('admitted');
  const guardRefused = guardDuration.labels('refused');
  return {
    loginEnded(outcome, startedAt) {
      loginDuration.observe({ outcome }, secondsSince(startedAt));
      // The other outcomes come from the audit events, which every way of logging in emits.
      if (outcome === 'challenged') logins.inc({ outcome });
    },
    refreshEnded(result) {
      refreshes.inc({ result });
    },
    guardEnded(admitted, apiKey, startedAt) {
      (admitted ? guardAdmitted : guardRefused).observe(secondsSince(startedAt));
      if (admitted && apiKey) apiKeys.inc({ result: 'accepted' });
    },
  };
}

function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

function loginFailure(reason: AuthErrorCode | undefined): 'failed' | 'blocked' | 'error' {
  if (reason === 'login_blocked') return 'blocked';
  return reason !== undefined && AUTH_ERROR_CATALOGUE[reason].status >= 500 ? 'error' : 'failed';
}

function failureOf(error: unknown): 'refused' | 'error' {
  return isAuthError(error) && error.status < 500 ? 'refused' : 'error';
}

function methodLabel(method: AuthEventFields['method']): (typeof SECOND_FACTOR_METHODS)[number] {
  if (method === 'EMAIL') return 'email';
  if (method === 'TOTP') return 'totp';
  return method === 'recovery_code' ? 'recovery_code' : 'other';
}

/** Runs a password login's first step, timing it and noting a challenge when metrics are registered. */
export function measureLogin(edge: EdgeContext, login: () => Promise<LoginOutcome>): Promise<LoginOutcome> {
  const metrics = edge.metrics;
  if (metrics === undefined) return login();
  const startedAt = performance.now();
  return login().then(
    (outcome) => {
      metrics.loginEnded(outcome.kind === 'challenge' ? 'challenged' : 'succeeded', startedAt);
      return outcome;
    },
    (error: unknown) => {
      const failure = failureOf(error);
      metrics.loginEnded(
        failure === 'error' ? 'error' : isAuthError(error) && error.code === 'login_blocked' ? 'blocked' : 'failed',
        startedAt,
      );
      throw error;
    },
  );
}

/** Runs a refresh-token exchange, counting its result when metrics are registered. */
export function measureRefresh<T>(edge: EdgeContext, refresh: () => Promise<T>): Promise<T> {
  const metrics = edge.metrics;
  if (metrics === undefined) return refresh();
  return refresh().then(
    (success) => {
      metrics.refreshEnded('succeeded');
      return success;
    },
    (error: unknown) => {
      metrics.refreshEnded(failureOf(error));
      throw error;
    },
  );
}

/**
 * The guard as mounted: without metrics, one property read more than `guard` itself; with them, its time from entry
 * to admitting (before the host's handler runs) or refusing.
 */
export function measuredGuard(edge: EdgeContext, guard: RequestHandler): RequestHandler {
  // It answers what `guard` answers: Express 5 watches a returned promise for a rejection.
  return function requireAuth(req: Request, res: Response, next: NextFunction): unknown {
    const metrics = edge.metrics;
    if (metrics === undefined) return guard(req, res, next);
    timeGuard(metrics, guard, req, res, next);
    return undefined;
  };
}

function timeGuard(metrics: EdgeMetrics, guard: RequestHandler, req: Request, res: Response, next: NextFunction): void {
  const startedAt = performance.now();
  let ended = false;
  const admitted: NextFunction = (error?: unknown) => {
    if (!ended) {
      ended = true;
      metrics.guardEnded(error === undefined, req.auth?.method === 'apiKey', startedAt);
    }
    next(error);
  };
  void guard(req, res, admitted);
  if (ended) return;
  const refused = (): void => {
    if (ended) return;
    ended = true;
    metrics.guardEnded(false, false, startedAt);
  };
  // Refused at once (an answer sent), or later, once an asynchronous check (an API key, a session read) answers.
  if (res.headersSent) refused();
  else res.once('close', refused);
}

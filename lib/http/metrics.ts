// Prometheus metrics through the host's prom-client (an optional peer, loaded only when `auth.metrics()` is called):
// counters derived from the audit events, and what no event says (challenges, refreshes, accepted API keys, latencies)
// measured here at the edge. Every label comes from a small fixed set: never a user, a login, an address or anything
// a client chooses.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthEventFields, AuthEventName } from '../core/events';
import type { LoginOutcome } from '../core/login';
import { AUTH_ERROR_CATALOGUE, isAuthError, type AuthErrorCode } from '../errors';
import { reportError } from '../logger';
import type { EdgeContext, EdgeMetrics } from './context';
import {
  createInstruments,
  metricNames,
  SECOND_FACTOR_METHODS,
  zeroEverySeries,
  type Instruments,
  type MetricsRegistry,
} from './metrics-instruments';

export type { MetricsRegistry };

/** Options of `auth.metrics()`. */
export interface MetricsOptions {
  /**
   * What every metric's name starts with. Two auth instances in one registry need a prefix each.
   * @default 'express_auth_'
   */
  prefix?: string;
}

const PROMETHEUS_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const registered = new WeakMap<EdgeContext, { registry: MetricsRegistry; prefix: string }>();

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

// The Prometheus instruments of auth.metrics() (metrics.ts registers them and feeds them): their names, help texts,
// label sets and buckets, made with the host's prom-client (an optional peer, loaded only when asked), every series
// at zero from the start.
import type { Counter, Histogram } from 'prom-client';
import { loadOptionalPeer } from '../primitives/optional-peer';
import type { EdgeMetrics } from './context';

/**
 * The part of a prom-client `Registry` that registerMetrics (metrics.ts) uses. Structural, so that this package's
 * types do not need prom-client installed; prom-client's default `register` and any `new Registry()` fit.
 */
export interface MetricsRegistry {
  registerMetric(metric: object): void;
  getSingleMetric(name: string): unknown;
}

type LoginOutcomeLabel = Parameters<EdgeMetrics['loginEnded']>[0];
type RefreshResultLabel = Parameters<EdgeMetrics['refreshEnded']>[0];

const LOGIN_OUTCOMES: readonly LoginOutcomeLabel[] = ['succeeded', 'challenged', 'failed', 'blocked', 'error'];
const REFRESH_RESULTS: readonly RefreshResultLabel[] = ['succeeded', 'refused', 'error'];
export const SECOND_FACTOR_METHODS = ['email', 'totp', 'recovery_code', 'other'] as const;
// A login's first step: a bcrypt comparison at cost 10-12 takes 50-300 ms, plus the stores.
const LOGIN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// The guard: microseconds from its caches, milliseconds when it asks a store (an API key, a cold session cache).
const GUARD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

type PromClient = typeof import('prom-client');

/** The host's prom-client, resolved from this package's place (where npm puts an optional peer), only when asked. */
function loadPromClient(): PromClient {
  return loadOptionalPeer<PromClient>('prom-client', 'auth.metrics()');
}

/** The metric names under `prefix`. */
export function metricNames(prefix: string) {
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

export type Instruments = ReturnType<typeof createInstruments>;

export function createInstruments(registry: MetricsRegistry, names: ReturnType<typeof metricNames>) {
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
export function zeroEverySeries({
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

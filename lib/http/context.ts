// What the HTTP edge of one auth instance works with: the core, the active preset, and the edge's own settings.
import type { AuthContext } from '../core/context';
import type { Logger } from '../logger';
import type { Request } from 'express';
import type { Preset, ReplyContext } from '../presets/types';
import type { Clock } from '../primitives/clock';

/** What the edge needs to know of the configuration: a slice of the resolved options. */
export interface EdgeSettings {
  clock: Clock;
  logger: Logger;
  /** Per-IP limits on credential routes, or false. */
  rateLimit: { credentials: { limit: number; windowSeconds: number }; maxProxyHops: number } | false;
  /** Where the guard reads API keys, or false when keys are refused. */
  apiKeys: { header: 'authorization' | 'x-api-key'; prefix: string } | false;
  /** The device cookie's name, or false when device cookies are off. */
  deviceCookie: { name: string } | false;
  /** The trusted-device cookie ("remember this browser"), or false when trusted devices are off. */
  trustedDevices: { cookieName: string; secure: boolean } | false;
  /** Reported by formatters: `forceTfa`, and bfore.ai's password expiry. */
  secondFactor: { force: boolean };
  passwords: { maxAgeSeconds: number | null };
  /** The browsers' cookie transport (refresh token, optionally the access token, in cookies), or false when off. */
  cookies: CookieTransportSettings | false;
}

/** The cookie transport as the edge uses it. */
export interface CookieTransportSettings {
  refreshCookieName: string;
  /** The access-token cookie's name, when the guard may read the access token from a cookie. */
  accessCookieName: string | undefined;
  sameSite: 'Strict' | 'Lax';
  /** False only with `insecureDevelopment` (plain http on a LAN address). */
  secure: boolean;
  /** Serialized origins a cookie-authenticated state-changing request may come from. */
  trustedOrigins: ReadonlySet<string>;
}

export interface EdgeContext {
  core: AuthContext;
  preset: Preset;
  settings: EdgeSettings;
  /** Facts about the request being answered, for the preset's formatters. */
  replyContext(req: Request): ReplyContext;
  /** Set by `auth.metrics()`; until then undefined, and the edge measures nothing. */
  metrics?: EdgeMetrics | undefined;
}

/** What the edge reports where no audit event says it (see `lib/http/metrics.ts`); start times from `performance.now()`. */
export interface EdgeMetrics {
  /** A password login's first step ended: with a session, a challenge, a refusal or an error. */
  loginEnded(outcome: 'succeeded' | 'challenged' | 'failed' | 'blocked' | 'error', startedAt: number): void;
  /** A refresh token was exchanged, refused, or could not be checked (an outage). */
  refreshEnded(result: 'succeeded' | 'refused' | 'error'): void;
  /** The guard admitted a request (on an API key or a token) or refused it. */
  guardEnded(admitted: boolean, apiKey: boolean, startedAt: number): void;
}

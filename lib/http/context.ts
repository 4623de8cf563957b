// What the HTTP edge of one auth instance works with: the core, the active preset, and the edge's own settings.
import type { AuthContext } from '../core/context';
import type { Logger } from '../logger';
import type { Request } from 'express';
import type { Preset, ReplyContext } from '../presets/types';
import type { Clock } from '../primitives/clock';

export interface EdgeSettings {
  clock: Clock;
  logger: Logger;
  /** Per-IP limits on credential routes, or false. */
  rateLimit: { credentials: { limit: number; windowSeconds: number }; maxProxyHops: number } | false;
  /** Where the guard reads API keys, or false when keys are refused. */
  apiKeys: { header: 'authorization' | 'x-api-key'; prefix: string } | false;
  /** The device cookie's name, or false when device cookies are off. */
  deviceCookie: { name: string } | false;
  /** Reported by formatters: `forceTfa`, and bfore.ai's password expiry. */
  forceSecondFactor: boolean;
  passwordMaxAgeSeconds: number | null;
}

export interface EdgeContext {
  core: AuthContext;
  preset: Preset;
  settings: EdgeSettings;
  /** Facts about the request being answered, for the preset's formatters. */
  replyContext(req: Request): ReplyContext;
}

// The services and settings one auth instance's core shares, built once from the resolved options. Narrow on
// purpose: the core sees what its flows use, never the whole configuration, and nothing of HTTP or presets.
import type { Logger } from '../logger';
import type { Mailer } from '../mailers/types';
import type { PasswordHasher } from '../passwords/hasher';
import type { ResolvedPasswordPolicy } from '../passwords/policy';
import type { Clock } from '../primitives/clock';
import type { StateStore, UserStore } from '../stores/types';
import type { TokenService } from '../tokens/token-service';
import type { EventSink } from './events';
import type { ExternalIdentityVerifier } from './external-identity';
import type { LoginThrottle } from './lockout';
import type { RegistrationSettings } from './registration-types';
import type { SessionVersions } from './session-versions';

/** The tokens' settings (the `tokens` option, resolved); durations in seconds. */
export interface TokenSettings {
  issuer: string | undefined;
  audience: string | undefined;
  accessTtlSeconds: number;
  rememberMeTtlSeconds: number;
  refreshTtlSeconds: number;
  clockSkewSeconds: number;
  /** The longest lifetime an access token asked for with a lifetime may have (bfore.ai's `user/token`). */
  maxLifetimeSeconds: number;
  /** The longest any token of this instance lives, plus the skew: retired keys and ended sessions are kept this long. */
  longestLifetimeSeconds: number;
  /** What access tokens carry as `sub`: the user's id, or (UTMStack, datarhei) the login, with the id in `uid`. */
  subjectClaim: 'id' | 'login';
  /** Access tokens leave out `usefor`, `exi`, `jti`, an initial `sv` and an `auth_time` equal to `iat` (the default preset's). */
  leanAccessTokens: boolean;
}

/** The passwords' settings (the `passwords` option, resolved). */
export interface PasswordSettings {
  bcryptCost: number;
  policy: ResolvedPasswordPolicy;
  /** Lifetime of a newly set password, or null: never expires. */
  maxAgeSeconds: number | null;
  /** The longest a login waits for a bcrypt worker, or undefined: unbounded. */
  maxQueueWaitMs: number | undefined;
}

/** The sessions' settings (the `sessions` option, resolved). */
export interface SessionSettings {
  maxPerUser: number;
  cacheMs: number;
  /** `reuseGraceSeconds`: a rotated token presented again this soon, by the same client, gets its successor (0: strict). */
  refresh: { issue: boolean; rotate: boolean; reuseGraceSeconds: number };
  /** Whether each login keeps a session (that logout ends) even without refresh tokens: bfore.ai's. */
  accessTokenSessions: boolean;
}

/** What the core's flows need to know of the configuration (a slice of the resolved options); durations in seconds. */
export interface CoreSettings {
  clock: Clock;
  logger: Logger;
  mailer: Mailer | undefined;
  tokens: TokenSettings;
  passwords: PasswordSettings;
  sessions: SessionSettings;
  secondFactor: {
    force: boolean;
    codeTtlSeconds: number;
    maxAttempts: number;
    resendCooldownSeconds: number;
    totpIssuer: string;
    resendLimit: { limit: number; windowSeconds: number };
    /** Open challenges per account; a new one past it replaces the oldest. */
    maxOpenChallenges: number;
  };
  /** Password reset by email, or false when off (`passwordReset` not configured). */
  passwordReset: { urlTemplate: string; tokenTtlSeconds: number } | false;
  /** Sign-up with email verification, or false when off (`registration` not configured). */
  registration: RegistrationSettings | false;
  deviceCookie: { ttlSeconds: number } | false;
  /** Trusted devices ("remember this browser"), or false when off: how long a trust lasts, how many a user may hold. */
  trustedDevices: { lifetimeSeconds: number; maxPerUser: number } | false;
  /**
   * API keys, or false when off: the prefix of the keys this instance mints; whether a reset and "log out everywhere"
   * revoke them; the lifetime of a key created without one (null: none); how recent a login makes its token proof
   * enough to create a key without the password (false: never).
   */
  apiKeys:
    | {
        prefix: string;
        revokeOnReset: boolean;
        defaultLifetimeSeconds: number | null;
        recentLoginSeconds: number | false;
      }
    | false;
  /** The passkeys' relying party, or false when passkeys are off. */
  passkeys: { rpId: string; rpName: string; origins: readonly string[] } | false;
}

export interface AuthContext {
  config: CoreSettings;
  users: UserStore;
  /** The configured state store, wrapped so that an outage fails closed with a 503. */
  state: StateStore;
  tokens: TokenService;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  sessions: SessionVersions;
  externalIdentity: ExternalIdentityVerifier | undefined;
  /** Audit events to the host's `onEvent`; never blocks or fails a request. */
  events: EventSink;
}

// Login with an external identity provider's JWT (Auth0-style): keys only from its JWKS, issuer and audience exact.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { AuthError } from '../errors';
import type { User } from '../stores/types';
import { isActive } from './users';

/** The resolved provider settings the verifier works from. */
export interface IdpConfig {
  issuer: string;
  audience: string;
  jwksUri: string;
  algorithms: readonly string[];
  allowedSubjects?: readonly string[] | undefined;
  mapUser?:
    | ((identity: {
        issuer: string;
        subject: string;
        claims: Record<string, unknown>;
      }) => User | null | Promise<User | null>)
    | undefined;
  authorities: readonly string[];
  timeoutMs: number;
  cooldownMs: number;
}

// The users made here for allowed subjects: they have no local record, whatever a local user's id may be.
const externalOnlyUsers = new WeakSet<User>();

/** True for a user that stands for an identity provider's subject and has no local record (see session-tokens). */
export function isExternalOnlyUser(user: User): boolean {
  return externalOnlyUsers.has(user);
}

/** Verifies provider tokens and maps their (`iss`, `sub`) to a local user. */
export class ExternalIdentityVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly config: IdpConfig,
    private readonly clock: () => number,
  ) {
    // jose fetches lazily, refetches on an unknown kid at most once per cooldown, and times out each fetch.
    this.jwks = createRemoteJWKSet(new URL(config.jwksUri), {
      timeoutDuration: config.timeoutMs,
      cooldownDuration: config.cooldownMs,
      cacheMaxAge: 10 * 60 * 1000,
    });
  }

  get issuer(): string {
    return this.config.issuer;
  }

  /** The local user a provider token stands for, or `invalid_credentials`; a JWKS outage is `unavailable`. */
  async userFor(token: string): Promise<User> {
    let claims: Record<string, unknown>;
    try {
      const result = await jwtVerify(token, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: [...this.config.algorithms],
        clockTolerance: 30,
        currentDate: new Date(this.clock()),
        requiredClaims: ['sub', 'exp'],
      });
      claims = result.payload as Record<string, unknown>;
    } catch (cause) {
      if (
        // Not a verdict on the token: a network failure (not `instanceof Error` when it comes from another realm,
        // as under jest, so none is required), a timeout, or a JWKS answer that is not a 200 with JSON, for which
        // jose throws its generic error.
        !(cause instanceof joseErrors.JOSEError) ||
        cause instanceof joseErrors.JWKSTimeout ||
        cause instanceof joseErrors.JWKSInvalid ||
        cause.code === 'ERR_JOSE_GENERIC'
      ) {
        // The provider's keys could not be had: fail closed, and say it is our side, not the credentials.
        throw new AuthError('unavailable', { cause });
      }
      throw new AuthError('invalid_credentials', { cause });
    }
    // The identity is (iss, sub); an email claim is never trusted to name a local account.
    const subject = claims.sub as string;
    const issuer = claims.iss as string;
    if (this.config.mapUser) {
      const user = await this.config.mapUser({ issuer, subject, claims });
      if (!isActive(user)) throw new AuthError('invalid_credentials');
      return user;
    }
    if (!this.config.allowedSubjects?.includes(subject)) throw new AuthError('invalid_credentials');
    const user: User = {
      id: subject,
      login: subject,
      // Informational only: no local account is ever found or named through it.
      email: typeof claims.email === 'string' ? claims.email : '',
      passwordHash: '',
      authorities: [...this.config.authorities],
      lastLoginAt: new Date(0),
    };
    externalOnlyUsers.add(user);
    return user;
  }
}

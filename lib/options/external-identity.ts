// The `externalIdentityProvider` group: login with an identity provider's JWT, verified against its JWKS.
import type { User } from '../stores/types';
import { optionalString, plainObject, positiveInteger, type KnownKeys } from './validate';

/** Login with an external identity provider's JWT (Auth0-style), verified against its JWKS. */
export interface ExternalIdentityProviderOptions {
  /** The provider's issuer; the token's `iss` must equal it exactly (e.g. `https://tenant.auth0.com/`). */
  issuer: string;
  /** The audience the token must be addressed to; always checked. */
  audience: string;
  /** Where the provider publishes its signing keys. */
  jwksUri: string;
  /** Signature algorithms accepted. @default ['RS256'] */
  algorithms?: ('RS256' | 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA')[];
  /** Subjects (`sub`) allowed to log in. Either this or `mapUser` is required. */
  allowedSubjects?: readonly string[];
  /** Authorities given to an allowed subject that has no local user. @default ['ROLE_USER'] */
  authorities?: readonly string[];
  /** Maps a verified identity (`iss`, `sub`, the claims) to a local user, or null to refuse it. */
  mapUser?: (identity: {
    issuer: string;
    subject: string;
    claims: Record<string, unknown>;
  }) => User | null | Promise<User | null>;
  /** How long to wait for the JWKS, in ms; past it the login fails closed. @default 5000 */
  timeoutMs?: number;
  /** The least time between JWKS fetches, e.g. on unknown `kid`s, in ms. @default 30000 */
  cooldownMs?: number;
}

/** The external identity provider, resolved. Internal. */
export type ResolvedExternalIdentityProvider = Required<
  Omit<ExternalIdentityProviderOptions, 'allowedSubjects' | 'mapUser'>
> &
  Pick<ExternalIdentityProviderOptions, 'allowedSubjects' | 'mapUser'>;

const EXTERNAL_IDP_KEYS: KnownKeys<ExternalIdentityProviderOptions> = {
  issuer: true,
  audience: true,
  jwksUri: true,
  algorithms: true,
  allowedSubjects: true,
  authorities: true,
  mapUser: true,
  timeoutMs: true,
  cooldownMs: true,
};

export function resolveExternalIdp(value: unknown): ResolvedExternalIdentityProvider | undefined {
  if (value === undefined) return undefined;
  const input = plainObject(value, 'externalIdentityProvider', EXTERNAL_IDP_KEYS);
  const issuer = optionalString(input.issuer, 'externalIdentityProvider.issuer');
  const audience = optionalString(input.audience, 'externalIdentityProvider.audience');
  const jwksUri = optionalString(input.jwksUri, 'externalIdentityProvider.jwksUri');
  if (!issuer || !audience || !jwksUri) {
    throw new TypeError('"externalIdentityProvider" needs "issuer", "audience" and "jwksUri".');
  }
  checkJwksUri(jwksUri);
  const allowedSubjects = input.allowedSubjects as readonly string[] | undefined;
  const mapUser = input.mapUser as ExternalIdentityProviderOptions['mapUser'];
  if (allowedSubjects === undefined && mapUser === undefined) {
    throw new TypeError(
      '"externalIdentityProvider" needs "allowedSubjects" or "mapUser": otherwise anyone with an account at the provider could log in.',
    );
  }
  if (
    allowedSubjects !== undefined &&
    (!Array.isArray(allowedSubjects) || allowedSubjects.some((s) => typeof s !== 'string' || s.length === 0))
  ) {
    throw new TypeError('"externalIdentityProvider.allowedSubjects" must be an array of non-empty strings.');
  }
  if (mapUser !== undefined && typeof mapUser !== 'function')
    throw new TypeError('"externalIdentityProvider.mapUser" must be a function.');
  const algorithms = (input.algorithms as ExternalIdentityProviderOptions['algorithms']) ?? ['RS256'];
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    algorithms.some((a) => typeof a !== 'string' || a.startsWith('HS') || (a as string) === 'none')
  ) {
    throw new TypeError(
      '"externalIdentityProvider.algorithms" must list asymmetric algorithms such as "RS256" (never HS* or none).',
    );
  }
  return {
    issuer,
    audience,
    jwksUri,
    algorithms,
    allowedSubjects,
    mapUser,
    authorities: (input.authorities as readonly string[] | undefined) ?? ['ROLE_USER'],
    timeoutMs: positiveInteger(input.timeoutMs, 5000, 'externalIdentityProvider.timeoutMs', 60_000),
    cooldownMs: positiveInteger(input.cooldownMs, 30_000, 'externalIdentityProvider.cooldownMs', 3_600_000),
  };
}

function checkJwksUri(jwksUri: string): void {
  try {
    const url = new URL(jwksUri);
    // Whoever can answer the JWKS request can mint identity-provider logins (RFC 8725 §3.10): https only, except
    // on loopback (a local test or sidecar).
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new Error('scheme');
  } catch {
    throw new TypeError('"externalIdentityProvider.jwksUri" must be an https URL (http only on localhost).');
  }
}

// The claims our tokens carry, by kind: access (the guard's), refresh, the second-factor challenge, and the device cookie.

/** What a token may be used for; the guard accepts only `access`. */
export type TokenUse = 'access' | 'refresh' | 'tfa' | 'device';

/** The claims every token we issue carries; an access token may leave out `jti`, `exi` and `usefor` (see AccessClaims). */
export interface BaseClaims {
  sub: string;
  iat: number;
  exp: number;
  /** The token's unique id. */
  jti: string;
  /** The lifetime in seconds (datarhei's `exi`). */
  exi: number;
  usefor: TokenUse;
  iss?: string;
  aud?: string;
  /** The session version current when the token was issued; "log out everywhere" changes it. */
  sv?: string;
}

/**
 * An access token's claims. Its kind is in its `typ: at+jwt` header, so `jti`, `exi` and `usefor` are written only
 * for presets whose clients read them (datarhei's, and the other products' as their tokens always had them).
 */
export interface AccessClaims extends Omit<BaseClaims, 'jti' | 'exi' | 'usefor'> {
  jti?: string;
  exi?: number;
  usefor?: 'access';
  /** The user's authorities, comma-separated (the JHipster/UTMStack `auth` claim). */
  auth: string;
  /** The refresh-token family this access token was issued with, if any (logout ends the family). */
  fam?: string;
  /** Set when the login asked to be remembered. */
  rme?: boolean;
  /** The issuer of an external identity provider's token this session was opened with. */
  idp?: string;
  /** The user's id, where `sub` holds the login (UTMStack, datarhei): sessions stay keyed by the stable id. */
  uid?: string;
  /**
   * When the user authenticated, in seconds (OIDC's `auth_time`): the login's time, which refreshed and renewed tokens
   * carry over unchanged, unlike `iat`. Step-up checks read it ("a login at most N minutes old").
   */
  auth_time?: number;
}

/**
 * When the user behind an access token authenticated, in seconds: its `auth_time`, or, for a lean access token (no
 * `usefor`: the verifier admits that only for a token typed at+jwt), its `iat`, since a lean token leaves `auth_time`
 * out exactly when it equals `iat`. A token of before `auth_time` existed has neither: undefined (never recent).
 */
export function loginTime(claims: AccessClaims): number | undefined {
  if (claims.auth_time !== undefined) return claims.auth_time;
  return claims.usefor === undefined ? claims.iat : undefined;
}

export interface RefreshClaims extends BaseClaims {
  usefor: 'refresh';
  fam: string;
  /** The user's id, where `sub` holds the login. */
  uid?: string;
  rme?: boolean;
}

export interface ChallengeClaims extends BaseClaims {
  usefor: 'tfa';
  /** The second-factor challenge this token stands for. */
  cid: string;
}

/** A device cookie's token: proof that this client once completed a login of `sub` (OWASP device cookies). */
export interface DeviceClaims extends BaseClaims {
  usefor: 'device';
  /** The device's id: its failures are counted under it instead of the account's. */
  did: string;
}

export type ClaimsFor<U extends TokenUse> = U extends 'access'
  ? AccessClaims
  : U extends 'refresh'
    ? RefreshClaims
    : U extends 'tfa'
      ? ChallengeClaims
      : DeviceClaims;

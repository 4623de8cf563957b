// Fixtures of the token-layer suites (tokens/*): a TokenService with the tests' defaults, key sets closed after each
// test, and the error code a call throws. Imports only the token layer and its errors, never the whole library.
import { AuthError, type AuthErrorCode } from '../../lib/errors';
import type { KeySet } from '../../lib/tokens/key-set';
import { TokenService, type TokenServiceConfig } from '../../lib/tokens/token-service';

export { createFakeClock, type FakeClock } from './clock';

/**
 * A TokenService over `keys` on `clock`, with no issuer or audience, a 30-second clock skew and room for 100 verified
 * tokens unless the test says otherwise.
 */
export function testTokenService(
  config: Pick<TokenServiceConfig, 'keys' | 'clock'> & Partial<TokenServiceConfig>,
): TokenService {
  return new TokenService({
    issuer: undefined,
    audience: undefined,
    clockSkewSeconds: 30,
    verifiedCacheSize: 100,
    ...config,
  });
}

/**
 * Registers an afterEach that closes every key set handed to the returned function during the test (their reload
 * timers would keep jest waiting); the function returns the set it was given. Call at the suite's top level.
 */
export function keySetsClosedAfterEach(): <T extends KeySet>(set: T) => T {
  const sets: KeySet[] = [];
  afterEach(() => {
    for (const set of sets.splice(0)) set.close();
  });
  return (set) => {
    sets.push(set);
    return set;
  };
}

/** The code of the AuthError `fn` throws; undefined when it throws nothing, the text of any other error. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof AuthError ? error.code : String(error);
  }
}

/** The code of the AuthError `fn` must throw: the test fails when it throws nothing or something else. */
export function authErrorCode(fn: () => unknown): AuthErrorCode {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return (error as AuthError).code;
  }
  throw new Error('expected an AuthError');
}

// OWASP device cookies: a client that completed a login of an account is counted and locked per device on later
// attempts, so a stranger's failed guesses lock out the stranger, not the owner.
import { newTokenId } from '../primitives/random';
import type { User } from '../stores/types';
import type { IssuedToken } from '../tokens/token-service';
import type { AuthContext } from './context';
import { lockoutIdentity } from './lockout';

/** The device id a presented device token proves for `userId`, or undefined (none, forged, expired, or another user's). */
function trustedDevice(context: AuthContext, deviceToken: string | undefined, userId: string): string | undefined {
  if (deviceToken === undefined || context.config.deviceCookie === false) return undefined;
  try {
    const claims = context.tokens.verify(deviceToken, 'device');
    return claims.sub === userId ? claims.did : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The identity an attempt is counted and locked under: the device, when the client shows a device token of this very
 * account; else the account (or, for a name that matched nobody, the name).
 */
export function attemptIdentity(
  context: AuthContext,
  user: User | null,
  attemptedName: string,
  deviceToken: string | undefined,
): string {
  const device = user ? trustedDevice(context, deviceToken, user.id) : undefined;
  return device !== undefined ? `d:${device}` : lockoutIdentity(user, attemptedName);
}

/** A device token for a client that just completed a login of `userId`; a device it already proved keeps its id. */
export function issueDeviceToken(
  context: AuthContext,
  userId: string,
  presented: string | undefined,
): IssuedToken | undefined {
  const settings = context.config.deviceCookie;
  if (settings === false) return undefined;
  const did = trustedDevice(context, presented, userId) ?? newTokenId();
  return context.tokens.sign('device', { sub: userId, did }, settings.ttlSeconds);
}

// The typed `req.auth` the guard sets, and its declaration on Express's Request.
import type { AccessClaims } from '../tokens/claims';

/** Who made the request, as the guard established it. */
export interface AuthInfo {
  /** The user's id (the token's `sub`, or the API key's owner). */
  userId: string;
  /** The authorities this request may use: the token's, or the key's subset of its owner's current roles. */
  authorities: readonly string[];
  /** How the request authenticated. */
  method: 'token' | 'apiKey';
  /** The access token's claims, when `method` is `token`. */
  claims: AccessClaims | undefined;
  /** The API key's id, when `method` is `apiKey`. */
  apiKeyId: string | undefined;
}

// A distinct name: inside `namespace Express`, "AuthInfo" would resolve to passport's Express.AuthInfo.
type ExpressAuthKitAuthInfo = AuthInfo;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireAuth()` on requests it lets through. */
      auth?: ExpressAuthKitAuthInfo;
    }
  }
}

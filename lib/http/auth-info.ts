// The typed `req.auth` the guard sets: its declaration on Express's Request.
import type { AuthInfo } from '../core/results';

export type { AuthInfo } from '../core/results';

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

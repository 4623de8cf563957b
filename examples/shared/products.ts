// The routes of the products themselves that their own clients call beside the authentication routes: the examples
// serve them so that bfore.ai's published samples and datarhei's SDKs run against them unmodified.
import { randomUUID } from 'node:crypto';
import type { Express, RequestHandler } from 'express';
import type { Auth, UserStore } from '../../lib';

/**
 * bfore.ai's test services (mikey-p-codes/rtd-bforeai, docs/source/pythonAPI/test_secure.py and test_unsecure.py):
 * `GET /test/secure` checks the token (sent bare, without `Bearer `) and greets its user by name;
 * `GET /test/unsecure` greets anyone.
 */
export function bforeaiTestRoutes(app: Express, auth: Auth, users: UserStore): void {
  app.get('/test/secure', auth.requireAuth(), async (req, res, next) => {
    try {
      const user = await users.findById(req.auth!.userId);
      const username = user?.login ?? req.auth!.userId;
      res.json({ message: `Hello ${username}, your token is valid.`, Username: username });
    } catch (error) {
      next(error);
    }
  });
  app.get('/test/unsecure', (_req, res) => {
    res.json({ message: 'Hello, the service is up.' });
  });
}

/** The datarhei Core API version the about route reports: the SDKs require major 16 (core-client-go: ^16.7.2). */
export const DATARHEI_CORE_VERSION = '16.16.0';

/**
 * datarhei Core's "about", `GET /api`, which both SDKs call before they log in (core-client-python `Client.login`,
 * core-client-go `New`): `app` must be "datarhei-core", `auths` must list "localjwt", `version.number` must be a
 * 16.x semver. Without a token the answer has no `id` (the Go SDK then logs in); with a valid access token it adds
 * the instance's `id`, `name`, `created_at` and `uptime_seconds` (the Go SDK checks `id` after its login). A token
 * that is sent but invalid answers 401 in the preset's error shape, which both SDKs read as "log in again".
 */
export function datarheiAboutRoute(app: Express, auth: Auth): void {
  const id = randomUUID();
  const startedAt = new Date();
  const guard = auth.requireAuth();
  const optionalGuard: RequestHandler = (req, res, next) =>
    req.headers.authorization === undefined ? next() : guard(req, res, next);
  app.get('/api', optionalGuard, (req, res) => {
    const about = { app: 'datarhei-core', auths: ['localjwt'], version: { number: DATARHEI_CORE_VERSION } };
    if (!req.auth) {
      res.json(about);
      return;
    }
    res.json({
      ...about,
      id,
      name: 'express-auth-kit',
      created_at: startedAt.toISOString(),
      uptime_seconds: Math.floor((Date.now() - startedAt.getTime()) / 1000),
    });
  });
}

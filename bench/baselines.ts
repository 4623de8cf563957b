// The comparison servers: bare Express, express-jwt and passport-jwt as their READMEs configure them,
// and the two single-threaded bcrypt login baselines. Harness-owned.
import express from 'express';
import { expressjwt } from 'express-jwt';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import bcrypt from 'bcryptjs';
import { createVerifier } from 'fast-jwt';
import jwt from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';
import { BCRYPT_COST, BENCH_LOGIN, BENCH_PASSWORD, BENCH_SECRET, BENCH_USER_ID } from './fixtures';

/** The protected handler every guard subject ends in. */
export const pong: express.RequestHandler = (_req, res) => {
  res.json({ ok: true });
};

/** Turns auth errors into a bare 401 so preflight can tell "rejected" from "crashed". */
const authErrorHandler: express.ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = (err as { status?: number }).status;
  const name = (err as { name?: string }).name;
  if (name === 'UnauthorizedError' || status === 401) {
    res.status(401).json({ error: 'unauthorized' });
    return;
  }
  res.status(500).json({ error: 'internal' });
};

export function buildBareApp(): express.Express {
  const app = express();
  app.get('/ping', pong);
  return app;
}

/**
 * Bare Express with one middleware that only calls next(): what any guard pays to be a middleware at all (Express's
 * router dispatch), the floor no guard can go under.
 */
export function buildNoopMiddlewareApp(): express.Express {
  const app = express();
  app.get(
    '/ping',
    (_req, _res, next) => {
      next();
    },
    pong,
  );
  return app;
}

/** express-jwt as its README shows: `expressjwt({ secret, algorithms: ['HS256'] })`. */
export function buildExpressJwtApp(secret: string | KeyObject): express.Express {
  const app = express();
  app.get('/ping', expressjwt({ secret, algorithms: ['HS256'] }), pong);
  app.use(authErrorHandler);
  return app;
}

/**
 * fast-jwt's synchronous verifier as its README shows (`createVerifier({ key, algorithms, cache })`), in the smallest
 * middleware that reads `Authorization: Bearer`: no session or role check, only the signature and the claims.
 * `cache: true` keeps up to 1,000 verified tokens (keyed by a SHA-256 of the token, computed on every request).
 */
export function buildFastJwtApp(cache: boolean): express.Express {
  const verify = createVerifier({ key: BENCH_SECRET, algorithms: ['HS256'], cache });
  const app = express();
  app.get(
    '/ping',
    (req, res, next) => {
      const header = req.headers.authorization;
      if (header === undefined || !header.startsWith('Bearer ')) {
        res.status(401).json({ error: 'unauthorized' });
        return;
      }
      try {
        res.locals.auth = verify(header.slice(7)) as unknown;
      } catch {
        res.status(401).json({ error: 'unauthorized' });
        return;
      }
      next();
    },
    pong,
  );
  return app;
}

/**
 * passport-jwt as its README shows (the verify callback accepts the payload instead of a DB lookup).
 * A KeyObject is accepted: passport-jwt hands `secretOrKey` unchanged to `jsonwebtoken.verify`
 * (lib/verify_jwt.js), which takes KeyObjects; only @types/passport-jwt narrows it to string | Buffer,
 * hence the cast. Preflight proves it by requiring 200 for the right key and 401 for a wrong one.
 */
export function buildPassportJwtApp(secretOrKey: string | KeyObject): express.Express {
  passport.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: secretOrKey as string | Buffer,
      },
      (payload: unknown, done: (err: unknown, user?: unknown) => void) => done(null, payload),
    ),
  );
  const app = express();
  app.get('/ping', passport.authenticate('jwt', { session: false }), pong);
  app.use(authErrorHandler);
  return app;
}

/**
 * Login baselines on the main thread. 'sync' = bcryptjs.compareSync (blocks the event loop for the whole hash);
 * 'async' = await bcryptjs.compare (cooperative chunks, still the one main thread).
 */
export async function buildBcryptLoginApp(mode: 'sync' | 'async'): Promise<express.Express> {
  const hash = await bcrypt.hash(BENCH_PASSWORD, BCRYPT_COST);
  const app = express();
  app.use(express.json());
  app.post('/login', async (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof body.username !== 'string' || typeof body.password !== 'string') {
      res.status(400).json({ error: 'bad_request' });
      return;
    }
    const known = body.username.toLowerCase() === BENCH_LOGIN;
    const ok = mode === 'sync' ? bcrypt.compareSync(body.password, hash) : await bcrypt.compare(body.password, hash);
    if (!known || !ok) {
      res.status(401).json({ error: 'invalid_credentials' });
      return;
    }
    const idToken = jwt.sign({ sub: BENCH_USER_ID }, BENCH_SECRET, { algorithm: 'HS256', expiresIn: '15m' });
    res.json({ id_token: idToken });
  });
  return app;
}

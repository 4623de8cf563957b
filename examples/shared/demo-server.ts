// What every example shares: environment variables, the four demo users, stores and mailer from the environment,
// the guarded demo route, and the `listening on` line. See "Examples" in docs/demo.md.
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint } from 'jose';
import express, { type Express, type RequestHandler } from 'express';
import {
  AuthError,
  createAuth,
  generateKeyPair,
  hashPassword,
  MemoryStateStore,
  MemoryUserStore,
  NodemailerMailer,
  PostgresUserStore,
  presets,
  RedisStateStore,
  type Auth,
  type AuthOptions,
  type Mailer,
  type PresetName,
  type SecretOption,
  type StateStore,
  type User,
  type UserStore,
} from '../../lib';

/** The demo users' passwords come from the environment, with these defaults (documented in docs/demo.md). */
export const DEMO_PASSWORDS = {
  admin: process.env.ADMIN_PASSWORD || 'admin-password',
  user: process.env.USER_PASSWORD || 'user-password',
  guest: process.env.GUEST_PASSWORD || 'guest-password',
  expired: process.env.EXPIRED_PASSWORD || 'expired-password',
};

export interface ExampleOptions {
  preset: PresetName;
  /**
   * The product's guarded demo route(s), relative to the app root. A wildcard is a RegExp: Express 4's `/x/*` and
   * Express 5's `/x/{*path}` have no string form in common.
   */
  guardedRoute: string | RegExp;
  /** The methods the guarded route answers. @default ['get'] */
  guardedMethods?: readonly ('get' | 'post')[];
  /** Path and query of the mailed reset link, `{token}` standing for the reset token. @default '/reset-password?token={token}' */
  resetLink?: string;
  /** Extra options for createAuth (the identity provider, for datarhei). */
  extraOptions?: Partial<AuthOptions>;
  /** Where audit events go. @default one JSON line each on stdout */
  onEvent?: AuthOptions['onEvent'];
  /** Demo users' extra fields. */
  userExtras?: Partial<User>;
  /**
   * Builds the user store, state store and mailer, given the demo users to seed, instead of the defaults here
   * (DATABASE_URL, REDIS_URL and SMTP_URL when set, else memory and the console). The production example wires its own.
   */
  services?: (demoUsers: Array<Omit<User, 'id'>>) => Promise<ExampleServices>;
  /** The product's own host routes beside the guarded one (bfore.ai's `/test/secure`, datarhei's `GET /api`). */
  productRoutes?: (app: Express, auth: Auth, users: UserStore) => void;
  /** A folder of static files served at `/` (the browser demo page: basic only), with a strict Content-Security-Policy. */
  page?: string;
  /** The host's own routes, added before the auth router (the production example's `GET /metrics`). */
  hostRoutes?: (app: Express, auth: Auth) => void;
}

/** What {@link ExampleOptions.services} builds. */
export interface ExampleServices {
  users: UserStore;
  stateStore: StateStore;
  mailer: Mailer;
}

/**
 * With JWT_ALGORITHM=EdDSA|ES256|RS256, a key pair: from JWT_PRIVATE_KEY_FILE (PEM) when set, else generated for this
 * run with a warning; its kid is the public key's RFC 7638 thumbprint, cut to 8 characters. Otherwise the HMAC key from JWT_SECRET.
 */
async function tokenSecret(): Promise<SecretOption> {
  const algorithm = process.env.JWT_ALGORITHM;
  if (!algorithm || /^HS(256|384|512)$/.test(algorithm)) return jwtSecret();
  if (algorithm !== 'EdDSA' && algorithm !== 'ES256' && algorithm !== 'RS256') {
    throw new TypeError(`JWT_ALGORITHM must be EdDSA, ES256, RS256 or HS256/384/512; got "${algorithm}".`);
  }
  const file = process.env.JWT_PRIVATE_KEY_FILE;
  if (!file) {
    console.warn(
      `JWT_PRIVATE_KEY_FILE is not set: using a ${algorithm} key generated for this run, so tokens stop working when the server restarts.`,
    );
    const pair = generateKeyPair(algorithm);
    return { algorithm, privateKey: pair.privateKeyPem, publicKey: pair.publicKeyPem, kid: pair.kid };
  }
  const privateKey = createPrivateKey(readFileSync(file));
  const publicKey = createPublicKey(privateKey);
  // As generate-keys names it (its jwks.json): the first 8 characters of the RFC 7638 thumbprint.
  const kid = (
    await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as Parameters<typeof calculateJwkThumbprint>[0])
  ).slice(0, 8);
  return { algorithm, privateKey, publicKey, kid };
}

/** The HMAC key from JWT_SECRET as-is (UTF-8); unset or empty means a random key for this run, with a warning. */
function jwtSecret(): string {
  const secret = process.env.JWT_SECRET;
  if (secret) return secret;
  console.warn('JWT_SECRET is not set: using a random key, so tokens stop working when the server restarts.');
  return randomBytes(64).toString('base64url');
}

async function demoUsers(extras: Partial<User>): Promise<Array<Omit<User, 'id'>>> {
  const [admin, user, guest, expired, disabled] = await Promise.all([
    hashPassword(DEMO_PASSWORDS.admin),
    hashPassword(DEMO_PASSWORDS.user),
    hashPassword(DEMO_PASSWORDS.guest),
    hashPassword(DEMO_PASSWORDS.expired),
    hashPassword('disabled-password'),
  ]);
  const common = { lastLoginAt: null, createdAt: new Date(), ...extras };
  return [
    {
      ...common,
      login: 'admin',
      email: 'admin@example.com',
      passwordHash: admin,
      authorities: ['ROLE_ADMIN', 'ROLE_USER'],
      firstName: 'Admin',
      lastName: 'User',
    },
    {
      ...common,
      login: 'user',
      email: 'user@example.com',
      passwordHash: user,
      authorities: ['ROLE_USER'],
      secondFactor: 'EMAIL',
      firstName: 'Demo',
      lastName: 'User',
    },
    {
      ...common,
      login: 'guest',
      email: 'guest@example.com',
      passwordHash: guest,
      authorities: ['ROLE_USER'],
      firstName: 'Guest',
      lastName: 'User',
    },
    {
      ...common,
      login: 'expired',
      email: 'expired@example.com',
      passwordHash: expired,
      authorities: ['ROLE_USER'],
      passwordExpiresAt: new Date(Date.now() - 86400_000),
    },
    // DESIGN's demo users include a disabled one: its right password answers exactly like a wrong one.
    {
      ...common,
      login: 'disabled',
      email: 'disabled@example.com',
      passwordHash: disabled,
      authorities: ['ROLE_USER'],
      disabled: true,
    },
  ];
}

async function userStore(seeds: Array<Omit<User, 'id'>>): Promise<UserStore> {
  if (!process.env.DATABASE_URL) return new MemoryUserStore(seeds);
  const { Pool } = await import('pg');
  const store = new PostgresUserStore({ pool: new Pool({ connectionString: process.env.DATABASE_URL }) });
  await store.migrate();
  for (const seed of seeds) if (!(await store.findByLogin(seed.login))) await store.addUser(seed);
  return store;
}

async function stateStore(): Promise<StateStore> {
  if (!process.env.REDIS_URL) return new MemoryStateStore();
  const { createClient } = await import('redis');
  // Fail fast while disconnected (503s), instead of requests waiting in the offline queue until Redis returns.
  const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
  client.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  await client.connect();
  return new RedisStateStore({ sendCommand: (...args: string[]) => client.sendCommand(args) });
}

/** Mail through SMTP_URL when set, else printed to the console (a demo convenience, never for production). */
function mailer(): Mailer {
  if (process.env.SMTP_URL)
    return new NodemailerMailer({ transport: process.env.SMTP_URL, from: 'express-auth-kit <no-reply@example.com>' });
  // Without SMTP_URL, mail goes to the console: a demo has no mailbox.
  return {
    async sendSecondFactorCode(mail) {
      console.log(`[mail] to ${mail.to}: your verification code is ${mail.code} (valid ${mail.expiresInSeconds}s)`);
    },
    async sendPasswordResetLink(mail) {
      console.log(
        `[mail] to ${mail.to}: reset your password at ${mail.url} (valid ${mail.expiresInSeconds}s); POST its token with a newPassword to the reset route`,
      );
    },
    async sendRecoveryCodeUsed(mail) {
      console.log(`[mail] to ${mail.to}: a recovery code was used to sign in; ${mail.remaining} left`);
    },
    async sendVerificationLink(mail) {
      console.log(
        `[mail] to ${mail.to}: confirm the address of "${mail.login}" at ${mail.url} (valid ${mail.expiresInSeconds}s); POST its token to the register/verify route`,
      );
    },
    async sendRegistrationNotice(mail) {
      console.log(
        `[mail] to ${mail.to}: someone tried to sign up with this address, which already belongs to "${mail.login}"`,
      );
    },
  };
}

/** The demo page's static files: only this origin's scripts, styles and fetches; never framed; no referrer sent. */
function pageFiles(folder: string): RequestHandler {
  return express.static(folder, {
    index: 'index.html',
    setHeaders(res) {
      res.setHeader(
        'Content-Security-Policy',
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
      );
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cache-Control', 'no-cache');
    },
  });
}

/** A JSON answer for whatever the routes above did not handle, and never a stack trace. */
function notFound(auth: Auth): RequestHandler {
  return (_req, res) => {
    const reply = auth.preset.error.format(new AuthError('not_found'));
    res.status(404).json(reply.body);
  };
}

/** The host's last error handler: a 4xx the request caused keeps its status (a malformed URL is a 400), never a stack. */
function hostErrorHandler(auth: Auth): express.ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const status = typeof error === 'object' && error !== null ? Number((error as { status?: unknown }).status) : NaN;
    if (status >= 400 && status < 500) {
      const reply = auth.preset.error.format(new AuthError('invalid_request'));
      res.status(400).json(reply.body);
      return;
    }
    console.error(`unhandled error: ${error instanceof Error ? error.message : String(error)}`);
    res.status(500).json(auth.preset.error.format(new AuthError('internal')).body);
  };
}

export async function buildExampleApp(options: ExampleOptions): Promise<{ app: Express; auth: Auth }> {
  // JHipster (UTMStack) numbers its users and its clients read `id` as a number; elsewhere the store assigns UUIDs.
  const seeds = (await demoUsers(options.userExtras ?? {})).map((seed, index) =>
    options.preset === 'utmstack' ? { ...seed, id: String(index + 1) } : seed,
  );
  const services = options.services
    ? await options.services(seeds)
    : { users: await userStore(seeds), stateStore: await stateStore(), mailer: mailer() };
  const secret = await tokenSecret();
  const auth = createAuth({
    secret,
    preset: options.preset,
    ...services,
    // Every audit event as one JSON line on stdout (DESIGN): pipe it to your log shipper.
    onEvent: options.onEvent ?? ((event) => void process.stdout.write(`${JSON.stringify(event)}\n`)),
    // Account recovery: the mailed link points at this server (PUBLIC_URL behind a proxy); the page can read ?token=.
    passwordReset: {
      urlTemplate: `${process.env.PUBLIC_URL ?? `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? '3000'}`}${options.resetLink ?? '/reset-password?token={token}'}`,
    },
    // Sign-up, where the preset has its routes (the default one): the mailed link points at this server too.
    ...(presets[options.preset].routes.register !== null
      ? {
          registration: {
            urlTemplate: `${process.env.PUBLIC_URL ?? `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? '3000'}`}/verify-email?token={token}`,
          },
        }
      : {}),
    // "Remember this browser" at the code step: a login from it with the right password then skips the code for 30 days.
    trustedDevices: { lifetime: '30d' },
    ...options.extraOptions,
  });
  const app = express();
  app.disable('x-powered-by');
  if (process.env.TRUST_PROXY) app.set('trust proxy', Number(process.env.TRUST_PROXY));
  // The OpenAPI 3.1 document of exactly the routes mounted here.
  app.get('/openapi.json', (_req, res) => {
    res.json(auth.openapi({ basePath: auth.preset.mountPath }));
  });
  if (typeof secret === 'object' && !Buffer.isBuffer(secret) && !Array.isArray(secret)) {
    // The public keys, for resource servers that verify our tokens with only this URL (jose's createRemoteJWKSet).
    app.get('/.well-known/jwks.json', (_req, res) => {
      res.set('Cache-Control', auth.jwksCacheControl()).json(auth.jwks());
    });
  }
  options.hostRoutes?.(app, auth);
  app.use(auth.preset.mountPath, auth.router);
  for (const method of options.guardedMethods ?? ['get']) {
    app[method](options.guardedRoute, auth.requireAuth(), (req, res) => {
      res.json({
        message: 'You are authenticated.',
        user: req.auth?.userId,
        authorities: req.auth?.authorities,
        method: req.auth?.method,
      });
    });
  }
  options.productRoutes?.(app, auth, services.users);
  if (options.page) app.use(pageFiles(options.page));
  app.use(notFound(auth));
  app.use(hostErrorHandler(auth));
  return { app, auth };
}

/** Builds the example and listens on HOST:PORT; a bad option stops it with the option's name. */
export async function runExample(options: ExampleOptions): Promise<void> {
  const host = process.env.HOST || '127.0.0.1';
  const port = Number(process.env.PORT || 3000);
  let built: { app: Express };
  try {
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new TypeError(`PORT must be a port number from 0 to 65535; got "${process.env.PORT}".`);
    built = await buildExampleApp(options);
  } catch (error) {
    console.error(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const server = built.app.listen(port, host);
  // 'listening', not listen's callback: Express 5 also calls that callback when listening failed.
  server.once('listening', () => {
    // With PORT=0 the system picks the port: print the real one. IPv6 hosts go in brackets in a URL.
    const address = server.address();
    const shownHost = host.includes(':') ? `[${host}]` : host;
    console.log(`listening on http://${shownHost}:${typeof address === 'object' && address ? address.port : port}`);
  });
  server.on('error', (error) => {
    console.error(`cannot listen: ${error.message}`);
    process.exit(1);
  });
}

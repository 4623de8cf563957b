// Options: every option's start-up validation (a TypeError naming it), the resolved defaults, and the caller's object left untouched.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createAuth, MemoryStateStore, MemoryUserStore, silentLogger, type Auth, type AuthOptions } from '../../lib';
import type { TokensOptions } from '../../lib';
import { resolveOptions } from '../../lib/options';
import type { KnownKeys } from '../../lib/options/validate';
import { presets } from '../../lib/presets';
import { createRecordingLogger, TEST_SECRET } from '../helpers/create-app';

const SECRET_32 = 'a'.repeat(32);
const SECRET_48 = 'a'.repeat(48);
const SECRET_64 = 'a'.repeat(64);

let stateStore: MemoryStateStore;
let users: MemoryUserStore;
const created: Auth[] = [];

beforeEach(() => {
  stateStore = new MemoryStateStore();
  users = new MemoryUserStore([]);
});

afterEach(async () => {
  await Promise.all(created.splice(0).map((auth) => auth.shutdown()));
  await stateStore.shutdown();
});

function base(overrides: Record<string, unknown> = {}): AuthOptions {
  return {
    secret: TEST_SECRET,
    users,
    stateStore,
    logger: silentLogger,
    passwords: { bcryptCost: 4 },
    ...overrides,
  } as AuthOptions;
}

function build(overrides: Record<string, unknown> = {}): Auth {
  const auth = createAuth(base(overrides));
  created.push(auth);
  return auth;
}

/** The error `build(overrides)` throws; fails the test when it does not throw. */
function startUpError(overrides: Record<string, unknown>): Error {
  try {
    build(overrides);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`createAuth() accepted ${JSON.stringify(Object.keys(overrides))}`);
}

function expectOptionError(overrides: Record<string, unknown>, names: RegExp): void {
  const error = startUpError(overrides);
  expect(error).toBeInstanceOf(TypeError);
  expect(error.message).toMatch(names);
}

describe('secret', () => {
  it('is required', () => {
    expectOptionError({ secret: undefined }, /"secret" is required/);
    expectOptionError({ secret: 42 }, /"secret"/);
    expectOptionError({ secret: {} }, /"secret"/);
  });

  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const)('%s needs at least %d bytes of HMAC key', (algorithm, bytes) => {
    const error = startUpError({ tokens: { algorithm }, secret: 'k'.repeat(bytes - 1) });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(`"secret" must be at least ${bytes} bytes for ${algorithm}; it has ${bytes - 1}.`);
    expect(build({ tokens: { algorithm }, secret: 'k'.repeat(bytes) }).requireAuth()).toEqual(expect.any(Function));
  });

  it('counts bytes, not characters: UTF-8 strings and Buffers', () => {
    // 16 two-byte characters are 32 bytes: enough for HS256; 15 are not.
    expect(() => build({ tokens: { algorithm: 'HS256' }, secret: 'é'.repeat(16) })).not.toThrow();
    expectOptionError(
      { tokens: { algorithm: 'HS256' }, secret: 'é'.repeat(15) },
      /"secret" must be at least 32 bytes for HS256; it has 30/,
    );
    expect(() => build({ tokens: { algorithm: 'HS256' }, secret: Buffer.alloc(32, 7) })).not.toThrow();
    expectOptionError(
      { tokens: { algorithm: 'HS256' }, secret: Buffer.alloc(31, 7) },
      /"secret" must be at least 32 bytes/,
    );
  });

  it("uses the preset's algorithm for the length check: utmstack is HS512", () => {
    expectOptionError({ preset: 'utmstack', secret: SECRET_48 }, /"secret" must be at least 64 bytes for HS512/);
    expect(() => build({ preset: 'utmstack', secret: SECRET_64 })).not.toThrow();
    expect(() => build({ preset: 'utmstack', tokens: { algorithm: 'HS256' }, secret: SECRET_32 })).not.toThrow();
  });
});

describe('algorithm', () => {
  it.each(['HS1024', 'none', 'RS256', 'hs256', '', 256])('refuses %p with an HMAC secret', (algorithm) => {
    expectOptionError(
      { tokens: { algorithm }, secret: SECRET_64 },
      /^"tokens.algorithm" must be one of HS256, HS384, HS512/,
    );
  });
});

describe('key pairs', () => {
  let rsa: { privateKey: KeyObject; publicKey: KeyObject };
  let otherRsa: { privateKey: KeyObject; publicKey: KeyObject };
  let ec: { privateKey: KeyObject; publicKey: KeyObject };

  beforeAll(() => {
    rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  });

  it('accepts RS256 and ES256 pairs with a kid, as KeyObjects or PEM', () => {
    expect(() => build({ secret: { algorithm: 'RS256', ...rsa, kid: 'rsa-1' } })).not.toThrow();
    expect(() => build({ secret: { algorithm: 'ES256', ...ec, kid: 'ec-1' } })).not.toThrow();
    const pem = {
      privateKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      publicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }),
    };
    expect(() => build({ secret: { algorithm: 'RS256', ...pem, kid: 'rsa-pem' } })).not.toThrow();
  });

  it.each([undefined, '', 7])('refuses an RS256 or ES256 pair whose kid is %p', (kid) => {
    expectOptionError({ secret: { algorithm: 'RS256', ...rsa, kid } }, /^"secret.kid" must be a non-empty string/);
    expectOptionError({ secret: { algorithm: 'ES256', ...ec, kid } }, /^"secret.kid" must be a non-empty string/);
  });

  it('refuses keys of the wrong type, size or curve, unreadable keys, and halves of different pairs', () => {
    expectOptionError(
      { secret: { algorithm: 'PS256', ...rsa, kid: 'k' } },
      /^"secret.algorithm" must be "RS256" or "ES256"/,
    );
    expectOptionError({ secret: { algorithm: 'RS256', ...ec, kid: 'k' } }, /^"secret" keys must be RSA keys for RS256/);
    expectOptionError({ secret: { algorithm: 'ES256', ...rsa, kid: 'k' } }, /^"secret" keys must be EC keys for ES256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expectOptionError({ secret: { algorithm: 'ES256', ...p384, kid: 'k' } }, /P-256/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expectOptionError(
      { secret: { algorithm: 'RS256', ...weak, kid: 'k' } },
      /^"secret.privateKey" must be an RSA key of at least 2048 bits/,
    );
    expectOptionError(
      { secret: { algorithm: 'RS256', privateKey: 'not a key', publicKey: rsa.publicKey, kid: 'k' } },
      /^"secret.privateKey" is not a readable/,
    );
    expectOptionError(
      { secret: { algorithm: 'RS256', privateKey: rsa.privateKey, publicKey: 'not a key', kid: 'k' } },
      /^"secret.publicKey" is not a readable/,
    );
    expectOptionError(
      { secret: { algorithm: 'RS256', publicKey: rsa.publicKey, kid: 'k' } },
      /^"secret.privateKey" is not a readable/,
    );
    expectOptionError(
      { secret: { algorithm: 'RS256', privateKey: rsa.publicKey, publicKey: rsa.publicKey, kid: 'k' } },
      /^"secret.privateKey" must be a private key/,
    );
    expectOptionError(
      { secret: { algorithm: 'RS256', privateKey: rsa.privateKey, publicKey: otherRsa.publicKey, kid: 'k' } },
      /not the two halves of one key pair/,
    );
  });

  it('refuses an HMAC "algorithm" beside a key pair instead of ignoring it', () => {
    expectOptionError(
      { tokens: { algorithm: 'HS256' }, secret: { algorithm: 'RS256', ...rsa, kid: 'k' } },
      /^"tokens.algorithm" applies to an HMAC secret only/,
    );
  });
});

describe('issuer and audience', () => {
  it.each(['issuer', 'audience'])('%s must be a non-empty string', (name) => {
    expectOptionError({ tokens: { [name]: '' } }, new RegExp(`^"tokens.${name}" must be a non-empty string`));
    expectOptionError({ tokens: { [name]: 42 } }, new RegExp(`^"tokens.${name}"`));
    expectOptionError({ tokens: { [name]: ['a'] } }, new RegExp(`^"tokens.${name}"`));
  });
});

describe('token lifetimes', () => {
  it.each(['accessTtl', 'rememberMeTtl', 'refreshTtl'])(
    'tokens.%s refuses what does not parse to positive whole seconds',
    (name) => {
      for (const value of [
        '24 hours',
        '1w',
        '',
        '15',
        '-5m',
        '1.5h',
        '0s',
        0,
        -5,
        1.5,
        Number.NaN,
        Infinity,
        {},
        [],
        true,
      ]) {
        expectOptionError(
          { tokens: { [name]: value } },
          new RegExp(`^"tokens.${name}" must be a positive whole number of seconds or a string like`),
        );
      }
    },
  );

  it('parses seconds and s/m/h/d strings', () => {
    const { tokens } = resolveOptions(base({ tokens: { accessTtl: '900s', rememberMeTtl: '30d', refreshTtl: '24h' } }));
    expect([tokens.accessTtlSeconds, tokens.rememberMeTtlSeconds, tokens.refreshTtlSeconds]).toEqual([
      900,
      30 * 86400,
      86400,
    ]);
    expect(resolveOptions(base({ tokens: { accessTtl: 3600 } })).tokens.accessTtlSeconds).toBe(3600);
    expect(resolveOptions(base({ tokens: { accessTtl: '15m' } })).tokens.accessTtlSeconds).toBe(900);
  });
});

describe('tokens.clockSkewSeconds', () => {
  it('allows at most 60 seconds', () => {
    expect(resolveOptions(base({ tokens: { clockSkewSeconds: 60 } })).tokens.clockSkewSeconds).toBe(60);
    expect(resolveOptions(base({ tokens: { clockSkewSeconds: 0 } })).tokens.clockSkewSeconds).toBe(0);
    for (const value of [61, 3600, -1, 1.5, '30']) {
      expectOptionError(
        { tokens: { clockSkewSeconds: value } },
        /^"tokens.clockSkewSeconds" must be an integer from 0 to 60/,
      );
    }
  });
});

describe('preset', () => {
  it('refuses an unknown name, listing the known ones', () => {
    expectOptionError(
      { preset: 'jhipster' },
      /^"preset" must be one of default, utmstack, storm, bforeai, datarhei or a preset object; got "jhipster"/,
    );
    // Not a lookup on Object.prototype either.
    expectOptionError({ preset: 'toString' }, /^"preset" must be one of/);
  });

  it('refuses a preset object missing what a preset needs', () => {
    expectOptionError({ preset: { name: 'mine' } }, /^preset "mine": "mountPath" must be a string/);
    // Every answer is needed: a preset built by spreading another and deleting one is refused by name.
    const { tfaResent: _omitted, ...incomplete } = presets.default.answers;
    expectOptionError(
      { preset: { ...presets.default, answers: incomplete, name: 'mine' } },
      /^preset "mine": "answers.tfaResent" is missing/,
    );
    expectOptionError({ preset: 42 }, /^"preset" must be an object/);
  });
});

describe('adapters (duck-typed)', () => {
  it('users must look like a UserStore', () => {
    expectOptionError(
      { users: undefined },
      /^"users" must be an object with findByLogin, findById, recordLogin, updatePassword/,
    );
    const { updatePassword: _omit, ...partial } = {
      findByLogin: () => null,
      findById: () => null,
      recordLogin: () => undefined,
      updatePassword: () => undefined,
    };
    expectOptionError(
      { users: partial },
      /^"users.updatePassword" must be a function: "users" does not look like a UserStore/,
    );
  });

  it('stateStore must look like a StateStore', () => {
    expectOptionError({ stateStore: 'redis://localhost' }, /^"stateStore" must be an object/);
    const store = { get: jest.fn(), set: jest.fn(), delete: jest.fn(), increment: jest.fn() };
    expectOptionError(
      { stateStore: store },
      /^"stateStore.take" must be a function: "stateStore" does not look like a StateStore/,
    );
    // The optional compare-and-set, when present, must be a function too (a value there would be taken for one).
    expectOptionError(
      { stateStore: { ...store, take: jest.fn(), compareAndSet: true } },
      /^"stateStore.compareAndSet" must be a function/,
    );
  });

  it('mailer must look like a Mailer', () => {
    expectOptionError(
      { mailer: { send: jest.fn() } },
      /^"mailer.sendSecondFactorCode" must be a function: "mailer" does not look like a Mailer/,
    );
    expectOptionError({ mailer: null }, /^"mailer" must be an object/);
  });

  it('logger needs warn and error; clock must be a function', () => {
    expectOptionError({ logger: { warn: jest.fn() } }, /^"logger" must have warn\(message\) and error\(message\)/);
    expectOptionError({ clock: 1_700_000_000_000 }, /^"clock" must be a function/);
  });
});

describe('passwords.bcryptCost', () => {
  it.each([3, 16, 10.5, '10'])('refuses %p', (bcryptCost) => {
    expectOptionError({ passwords: { bcryptCost } }, /^"passwords.bcryptCost" must be an integer from 4 to 15/);
  });

  it('warns with a code below 10, and not at 10', () => {
    const low = createRecordingLogger();
    build({ logger: low, passwords: { bcryptCost: 4 } });
    expect(low.warnings).toEqual([expect.stringContaining('WEAK_BCRYPT_COST')]);
    const ok = createRecordingLogger();
    build({ logger: ok, passwords: { bcryptCost: 10 } });
    expect(ok.warnings).toEqual([]);
  });
});

it('refuses an unknown option by name (a typo must not silently fall back to a default)', () => {
  expectOptionError({ accesTokenTtl: '1h' }, /^Unknown option "accesTokenTtl" \(known: secret, users, preset, /);
  expectOptionError(
    { tokens: { acessTtl: '1h' } },
    /^Unknown option "tokens.acessTtl" \(known: algorithm, issuer, audience, accessTtl, /,
  );
});

it('refuses options that are not an object', () => {
  expect(() => createAuth(null as unknown as AuthOptions)).toThrow(new TypeError('"options" must be an object.'));
});

describe('defaults', () => {
  it('default preset: HS256, 15 minutes, 30 days remembered, 30 s skew, cost 10, no issuer or audience', () => {
    const config = resolveOptions({ secret: SECRET_32, users });
    expect(config.keys.algorithm).toBe('HS256');
    expect(config.preset.name).toBe('default');
    expect(config).toMatchObject({
      tokens: {
        accessTtlSeconds: 900,
        rememberMeTtlSeconds: 30 * 86400,
        clockSkewSeconds: 30,
        issuer: undefined,
        audience: undefined,
      },
      passwords: { bcryptCost: 10, maxAgeSeconds: null, maxQueueWaitMs: 2000 },
      sessions: { maxPerUser: 20, cacheMs: 2000, refresh: { issue: true, rotate: true, reuseGraceSeconds: 30 } },
    });
  });

  it('utmstack preset: HS512, 24 hours, 30 days remembered; explicit options win over the preset', () => {
    const config = resolveOptions({ secret: SECRET_64, users, preset: 'utmstack' });
    expect(config.keys.algorithm).toBe('HS512');
    expect(config.tokens).toMatchObject({ accessTtlSeconds: 86400, rememberMeTtlSeconds: 30 * 86400 });
    const overridden = resolveOptions({
      secret: SECRET_64,
      users,
      preset: 'utmstack',
      tokens: { accessTtl: '1h', algorithm: 'HS384', issuer: 'me' },
    });
    expect(overridden.keys.algorithm).toBe('HS384');
    expect(overridden.tokens).toMatchObject({ accessTtlSeconds: 3600, issuer: 'me' });
  });
});

describe("the caller's object", () => {
  function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      Object.values(value).forEach(deepFreeze);
      Object.freeze(value);
    }
    return value;
  }

  /** A copy of the plain-object tree; adapters and functions are kept by reference (toEqual then compares identity). */
  function snapshot(value: unknown): unknown {
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, snapshot(child)]));
  }

  function callerOptions(): AuthOptions {
    return {
      secret: SECRET_64,
      users,
      stateStore,
      logger: silentLogger,
      preset: 'utmstack',
      passwords: { bcryptCost: 4, policy: { minLength: 10 } },
      tokens: { accessTtl: '1h' },
      lockout: { maxFailures: 3 },
      rateLimit: { credentials: { limit: 5, window: '1m' } },
      secondFactor: { codeTtl: '2m' },
      sessions: { refresh: { issue: true } },
    };
  }

  it('resolves deeply frozen options (in strict mode any write to them would throw)', () => {
    const options = deepFreeze(callerOptions());
    const auth = build(options as unknown as Record<string, unknown>);
    expect(auth.preset.name).toBe('utmstack');
  });

  it('leaves every field and nested object as it was: no defaults written back', () => {
    const options = callerOptions();
    const before = snapshot(options);
    const keys = Object.keys(options);
    const config = resolveOptions(options);
    build(options as unknown as Record<string, unknown>);
    expect(snapshot(options)).toEqual(before);
    expect(Object.keys(options)).toEqual(keys);
    expect(options.users).toBe(users);
    expect(options.stateStore).toBe(stateStore);
    // The resolved config holds its own objects, never the caller's.
    expect(config.lockout).not.toBe(options.lockout);
    expect(config.secondFactor).not.toBe(options.secondFactor);
  });

  it('keeps no reference to it: edits after start-up do not reach the running instance', () => {
    const options = callerOptions();
    const config = resolveOptions(options);
    (options.tokens as { accessTtl: string }).accessTtl = '5m';
    options.preset = 'storm';
    (options.lockout as { maxFailures: number }).maxFailures = 99;
    expect(config.tokens.accessTtlSeconds).toBe(3600);
    expect(config.preset.name).toBe('utmstack');
    expect(config.lockout).toMatchObject({ maxFailures: 3 });
  });
});

describe('secondFactor.force with a preset that cannot finish a second factor', () => {
  it('is a TypeError naming the option', async () => {
    const { createAuth, MemoryUserStore, MemoryMailer, presets } = await import('../../lib');
    const preset = { ...presets.default, name: 'no-tfa', routes: { ...presets.default.routes, tfaVerify: null } };
    expect(() =>
      createAuth({
        secret: 'x'.repeat(32),
        users: new MemoryUserStore([]),
        mailer: new MemoryMailer(),
        preset,
        secondFactor: { force: true },
      }),
    ).toThrow(/"secondFactor.force".*no-tfa/);
  });
});

describe('nested options are checked like top-level ones', () => {
  it.each([
    [{ lockout: { maxFailure: 3 } }, 'lockout.maxFailure'],
    [{ secondFactor: { codeTTL: '1m' } }, 'secondFactor.codeTTL'],
    [{ rateLimit: { credentials: { limits: 5 } } }, 'rateLimit.credentials.limits'],
    [{ sessions: { refresh: { rotation: true } } }, 'sessions.refresh.rotation'],
    [{ tokens: { accessTokenTtl: '1h' } }, 'tokens.accessTokenTtl'],
    [{ passwords: { cost: 12 } }, 'passwords.cost'],
    [{ sessions: { max: 3 } }, 'sessions.max'],
    [{ cookies: { trustedOrigins: ['https://a.example'], sameSites: 'lax' } }, 'cookies.sameSites'],
    [{ trustedDevices: { ttl: '1d' } }, 'trustedDevices.ttl'],
    [
      { passkeys: { rpId: 'example.com', rpName: 'E', origins: ['https://example.com'], timeout: 1 } },
      'passkeys.timeout',
    ],
    [{ apiKeys: { headers: 'x-api-key' } }, 'apiKeys.headers'],
    [{ passwords: { policy: { minlength: 12 } } }, 'passwords.policy.minlength'],
    [{ deviceCookie: { maxAge: '1d' } }, 'deviceCookie.maxAge'],
    [{ secondFactor: { resendLimit: { max: 3 } } }, 'secondFactor.resendLimit.max'],
  ])('refuses a misspelt nested option, naming it: %j', (options, name) => {
    expect(() => resolveOptions({ secret: 'x'.repeat(32), users: new MemoryUserStore(), ...options } as never)).toThrow(
      new RegExp(`^Unknown option "${name.replace(/\./g, '\\.')}"`),
    );
  });
});

describe('options that moved into a group (issue 19)', () => {
  it.each([
    ['algorithm', 'tokens.algorithm', 'HS256'],
    ['issuer', 'tokens.issuer', 'me'],
    ['audience', 'tokens.audience', 'api'],
    ['accessTokenTtl', 'tokens.accessTtl', '1h'],
    ['rememberMeTtl', 'tokens.rememberMeTtl', '7d'],
    ['refreshTokenTtl', 'tokens.refreshTtl', '7d'],
    ['clockSkewSeconds', 'tokens.clockSkewSeconds', 10],
    ['maxTokenLifetime', 'tokens.maxLifetime', '7d'],
    ['bcryptCost', 'passwords.bcryptCost', 12],
    ['passwordPolicy', 'passwords.policy', { minLength: 12 }],
    ['passwordMaxAge', 'passwords.maxAge', '90d'],
    ['bcryptMaxQueueWaitMs', 'passwords.maxQueueWaitMs', 1000],
    ['maxSessionsPerUser', 'sessions.maxPerUser', 5],
    ['sessionCacheMs', 'sessions.cacheMs', 0],
    ['refresh', 'sessions.refresh', { rotate: false }],
  ])('%s at the top level is refused, naming %s', (old, now, value) => {
    expect(() => resolveOptions(base({ [old]: value }))).toThrow(
      new TypeError(`Option "${old}" has moved: use ${now}.`),
    );
  });

  it('the new place takes the same value', () => {
    const config = resolveOptions(
      base({
        tokens: { issuer: 'me', audience: 'api', refreshTtl: '7d', maxLifetime: '7d' },
        passwords: { bcryptCost: 12, policy: { minLength: 12 }, maxAge: '90d', maxQueueWaitMs: 1000 },
        sessions: { maxPerUser: 5, cacheMs: 0, refresh: { rotate: false, reuseGrace: 0 } },
      }),
    );
    expect(config.tokens).toMatchObject({
      issuer: 'me',
      audience: 'api',
      refreshTtlSeconds: 7 * 86400,
      maxLifetimeSeconds: 7 * 86400,
    });
    expect(config.passwords).toMatchObject({
      bcryptCost: 12,
      maxAgeSeconds: 90 * 86400,
      maxQueueWaitMs: 1000,
      policy: { minLength: 12 },
    });
    expect(config.sessions).toMatchObject({
      maxPerUser: 5,
      cacheMs: 0,
      refresh: { rotate: false, reuseGraceSeconds: 0 },
    });
  });

  it.each(['tokens', 'passwords', 'sessions'])('%s must be an object', (group) => {
    expectOptionError({ [group]: 'yes' }, new RegExp(`^"${group}" must be an object`));
  });
});

test("each group's known-key record is held to the group's type by the compiler (a new field must be listed)", () => {
  // @ts-expect-error a field of TokensOptions is missing from the record
  const missing: KnownKeys<TokensOptions> = { algorithm: true };
  // @ts-expect-error a key the type does not have
  const extra: KnownKeys<{ a?: number }> = { a: true, b: true };
  expect([missing, extra]).toHaveLength(2);
});

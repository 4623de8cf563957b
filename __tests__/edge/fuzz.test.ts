// Property-based fuzz of every route of every preset: random methods, paths, Authorization shapes, content types and
// bodies. Properties: no 5xx, no stack or file path, no echoed secret, 4xx in the preset's error shape, a request
// refused as malformed writes nothing, Object.prototype is never polluted. FUZZ_RUNS (runs per preset, default 150)
// and FUZZ_SEED (default fixed) tune it; `npm run fuzz` is the long run.
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { MemoryStateStore, presets, type PresetName, type User } from '../../lib';
import { createFakeClock, createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { listenRaw, type RawRequest, type RawResponse, type RawServer } from '../helpers/raw-http';
import { RecordingStateStore, type StateWrite } from '../helpers/recording-state-store';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED === undefined ? 11_2026 : Number(process.env.FUZZ_SEED);
const PRESET_NAMES: readonly PresetName[] = ['default', 'utmstack', 'storm', 'bforeai', 'datarhei'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;
const BODY_LIMIT = 16 * 1024;

// ---- credentials: generated as names, resolved per request, because successful requests revoke them ----

const CRED_NAMES = [
  'access',
  'refresh',
  'challenge',
  'apiKey',
  'apiKeyId',
  'noneAlg',
  'otherSecret',
  'adminPassword',
  'userPassword',
  'expiredPassword',
  'tfaCode',
] as const;
type CredName = (typeof CRED_NAMES)[number];
type Credentials = Record<CredName, string>;
/** Credentials whose text must never come back: all but the API key's id and the 6-digit code. */
const SECRET_CREDS: readonly CredName[] = CRED_NAMES.filter((name) => name !== 'apiKeyId' && name !== 'tfaCode');

/** A JSON-ish value: objects are entry lists (so `__proto__` and duplicate keys survive), plus credentials and raw text. */
type J = null | boolean | number | string | J[] | { $obj: [string, J][] } | { $cred: CredName } | { $raw: string };

type AuthShape =
  | { kind: 'none' }
  | { kind: 'literal'; value: string }
  | { kind: 'cred'; scheme: string; cred: CredName }
  | { kind: 'latin1'; text: string };

type BodyShape =
  | { kind: 'none' }
  | { kind: 'json'; value: J }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: readonly number[] }
  | { kind: 'big'; field: string; size: number }
  | { kind: 'deep'; depth: number; open: '[' | '{"a":' }
  | { kind: 'multipart'; field: string; value: J };

interface Case {
  method: string;
  route: RouteEntry;
  pathVariant: PathVariant;
  auth: AuthShape;
  contentType: string | undefined;
  body: BodyShape;
}

// ---- routes ----

interface RouteEntry {
  /** The preset's route name, or `host:<path>` for the test app's guarded routes. */
  name: string;
  /** The full path, `:id` left in. */
  path: string;
  /** The method the route answers. */
  method: string;
  /** Fields a well-formed body carries. */
  fields: readonly string[];
}

const FIELDS: Record<string, readonly string[]> = {
  login: ['username', 'password', 'rememberMe'],
  tfaVerify: ['code', 'recoveryCode', 'rememberDevice'],
  passwordForgot: ['email'],
  passwordReset: ['token', 'key', 'newPassword', 'code', 'recoveryCode'],
  recoveryCodes: ['password', 'code'],
  totpEnroll: ['password', 'currentCode'],
  totpConfirm: ['code', 'emailCode'],
  changePassword: ['username', 'currentPassword', 'newPassword'],
  passwordChangeByLogin: ['username', 'old', 'new', 'confirm'],
  refresh: ['refreshToken'],
  logout: ['refreshToken'],
  apiKeyCreate: ['name', 'expiresIn', 'roles'],
  apiKeyDeleteByText: ['text'],
  register: ['username', 'email', 'password', 'profile'],
  registerVerify: ['token'],
  registerResend: ['email'],
  passkeyRegisterOptions: ['password', 'code'],
  passkeyRegister: ['id', 'rawId', 'type', 'response', 'name'],
  passkeyRename: ['name'],
  passkeyLogin: ['id', 'rawId', 'type', 'response'],
};

const GET_ROUTES = new Set([
  'loginStatus',
  'account',
  'apiKeyList',
  'sessions',
  'logoutToken',
  'tokenRenew',
  'tokenIssue',
  'passkeyList',
  'trustedDevices',
]);
// UTMStack's frontends verify with ?code= and resend by GET.
for (const key of ['tfaVerifyByQuery', 'tfaResendByGet']) GET_ROUTES.add(key);
const DELETE_ROUTES = new Set(['apiKeyDeleteById', 'sessionEnd', 'passkeyDelete']);
const PATCH_ROUTES = new Set(['passkeyRename']);

function routeTable(name: PresetName): RouteEntry[] {
  const preset = presets[name];
  const base = preset.mountPath === '/' ? '' : preset.mountPath;
  const entries: RouteEntry[] = [];
  for (const [key, path] of Object.entries(preset.routes)) {
    if (key === 'refreshMethod' || typeof path !== 'string') continue;
    const method =
      key === 'refresh'
        ? preset.routes.refreshMethod.toUpperCase()
        : DELETE_ROUTES.has(key)
          ? 'DELETE'
          : GET_ROUTES.has(key)
            ? 'GET'
            : PATCH_ROUTES.has(key)
              ? 'PATCH'
              : 'POST';
    entries.push({ name: key, path: `${base}${path}`, method, fields: FIELDS[key] ?? [] });
  }
  for (const path of ['/api/protected', '/api/admin', '/api/tokens-only'])
    entries.push({ name: `host:${path}`, path, method: 'GET', fields: [] });
  return entries;
}

type PathVariant =
  | { kind: 'exact' }
  | { kind: 'trailing-slash' }
  | { kind: 'double-slash' }
  | { kind: 'upper-case' }
  | { kind: 'dot-segment'; encoded: string }
  | { kind: 'query'; query: string; cred?: CredName }
  | { kind: 'sub-path'; suffix: string };

const ID_SEGMENTS = ['1', 'nonexistent', '%2e%2e', '__proto__', 'constructor', '$APIKEYID$', 'x'.repeat(300)];

const pathVariantArb: fc.Arbitrary<PathVariant> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'exact' as const }) },
  fc.constant({ kind: 'trailing-slash' as const }),
  fc.constant({ kind: 'double-slash' as const }),
  fc.constant({ kind: 'upper-case' as const }),
  fc.record({
    kind: fc.constant('dot-segment' as const),
    encoded: fc.constantFrom('%2e', '%2e%2e', '%2E%2e/x', '.%2e', '%2e%2e%2f'),
  }),
  fc.record(
    {
      kind: fc.constant('query' as const),
      query: fc.constantFrom(
        'a=b',
        '__proto__[polluted]=1',
        'constructor[prototype][polluted]=1',
        'access_token=',
        'token=',
        'x=%00%ff',
        '',
        // bfore.ai's token lifetime: minutes, days, above the cap, both, arrays.
        'm=90',
        'd=400',
        'm=int&d=int',
        'd[x]=1',
      ),
      cred: fc.constantFrom<CredName>('access', 'refresh', 'apiKey'),
    },
    { requiredKeys: ['kind', 'query'] },
  ),
  fc.record({
    kind: fc.constant('sub-path' as const),
    suffix: fc.constantFrom('/x', '/../login', '/%2e%2e/admin', '/unknown/deeper', ';a=b', '/1/2'),
  }),
);

function buildPath(route: RouteEntry, variant: PathVariant, creds: Credentials, idSegment: string): string {
  const path = route.path.replace(':id', idSegment.replace('$APIKEYID$', creds.apiKeyId));
  switch (variant.kind) {
    case 'exact':
      return path;
    case 'trailing-slash':
      return `${path}/`;
    case 'double-slash':
      return path.replace(/\/([^/]*)$/, '//$1');
    case 'upper-case':
      return path.toUpperCase();
    case 'dot-segment':
      return path.replace(/\/([^/]*)$/, `/${variant.encoded}/$1`);
    case 'query':
      return `${path}?${variant.query}${variant.cred && variant.query.endsWith('=') ? encodeURIComponent(creds[variant.cred]) : ''}`;
    case 'sub-path':
      return `${path}${variant.suffix}`;
  }
}

// ---- arbitraries ----

const credArb = fc.constantFrom(...CRED_NAMES).map((cred): J => ({ $cred: cred }));

const oddStringArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'admin\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    'x\ud800y',
    'ADMIN',
    'Admin@Example.com',
    'admin ',
    '\u212a',
    'at Object.<anonymous> (x.ts:1:1)',
  ),
  fc.integer({ min: 1, max: 5000 }).map((n) => 'x'.repeat(n)),
);

const numberArb: fc.Arbitrary<J> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 2 ** 53 + 1, Number.MAX_VALUE, 1e21, 0.5),
  fc
    .constantFrom('1e309', '-1e309', '9'.repeat(400), '1e-400', '-0', '123456789012345678901234567890')
    .map((raw): J => ({ $raw: raw })),
);

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'];

const jsonArb: fc.Arbitrary<J> = fc.letrec<{ value: J }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    numberArb,
    oddStringArb,
    credArb,
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(...POLLUTION_KEYS, 'polluted', 'isAdmin', 'authorities'),
            fc.string({ maxLength: 8 }),
          ),
          tie('value'),
        ),
        { maxLength: 4 },
      )
      .map((entries): J => ({ $obj: entries })),
  ),
})).value;

/** A value a field usually wants (the demo names, passwords, tokens) or anything at all. */
const fieldValueArb: fc.Arbitrary<J> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<J>(
      'admin',
      'user',
      'guest',
      'expired',
      'disabled',
      'admin@example.com',
      'nobody',
      'ROLE_USER',
      ['ROLE_USER'],
      true,
      3600,
    ),
  },
  { weight: 3, arbitrary: credArb },
  { weight: 2, arbitrary: oddStringArb },
  { weight: 2, arbitrary: jsonArb },
  { weight: 1, arbitrary: fc.constantFrom<J>('a-new-long-passphrase', 'short', PASSWORDS.guest, 'admin') },
);

const pollutionArb: fc.Arbitrary<[string, J]> = fc.tuple(
  fc.constantFrom(...POLLUTION_KEYS),
  fc.constantFrom<J>(
    {
      $obj: [
        ['polluted', 'yes'],
        ['isAdmin', true],
        ['authorities', ['ROLE_ADMIN']],
      ],
    },
    { $obj: [['prototype', { $obj: [['polluted', 'yes']] }]] },
    'yes',
    null,
  ),
);

function routeBodyArb(route: RouteEntry): fc.Arbitrary<J> {
  return fc
    .tuple(
      fc.tuple(
        ...route.fields.map((field) => fc.option(fieldValueArb, { freq: 5 }).map((value) => [field, value] as const)),
      ),
      fc.array(pollutionArb, { maxLength: 2 }),
      fc.boolean(),
    )
    .map(([fields, extras, pollutionFirst]): J => {
      const present: [string, J][] = fields
        .filter((entry): entry is readonly [string, J] => entry[1] !== null)
        .map(([k, v]) => [k, v]);
      return { $obj: pollutionFirst ? [...extras, ...present] : [...present, ...extras] };
    });
}

/** Bodies a client following the documentation sends, so runs get past validation into the flows. */
function wellFormedBodyArb(route: RouteEntry): fc.Arbitrary<J> {
  const newPassword = fc.constantFrom<J>('a-new-long-passphrase', 'short', 'x'.repeat(73), 'admin', {
    $cred: 'adminPassword',
  });
  const obj = (...entries: fc.Arbitrary<[string, J]>[]) => fc.tuple(...entries).map((list): J => ({ $obj: list }));
  const entry = (key: string, value: fc.Arbitrary<J>) => value.map((v): [string, J] => [key, v]);
  switch (route.name) {
    case 'login':
      return fc
        .constantFrom<[string, J]>(
          ['admin', { $cred: 'adminPassword' }],
          ['user', { $cred: 'userPassword' }],
          ['expired', { $cred: 'expiredPassword' }],
          ['guest', PASSWORDS.guest],
          ['disabled', PASSWORDS.disabled],
          ['admin', 'wrong-password-guess'],
        )
        .chain(([username, password]) =>
          obj(
            entry('username', fc.constant(username)),
            entry('password', fc.constant(password)),
            entry('rememberMe', fc.boolean()),
          ),
        );
    case 'tfaVerify':
    case 'totpConfirm':
      return obj(entry('code', fc.constantFrom<J>({ $cred: 'tfaCode' }, '123456', '000000')));
    case 'totpEnroll':
      return obj(entry('password', fc.constantFrom<J>({ $cred: 'adminPassword' }, 'wrong-password-guess')));
    case 'changePassword':
      return fc.oneof(
        obj(
          entry('currentPassword', fc.constantFrom<J>({ $cred: 'adminPassword' }, 'wrong-password-guess')),
          entry('newPassword', newPassword),
        ),
        obj(
          entry('username', fc.constant('expired')),
          entry('currentPassword', fc.constant<J>({ $cred: 'expiredPassword' })),
          entry('newPassword', newPassword),
        ),
      );
    case 'refresh':
    case 'logout':
      return obj(entry('refreshToken', fc.constantFrom<J>({ $cred: 'refresh' }, { $cred: 'access' })));
    case 'apiKeyCreate':
      return obj(
        entry('name', fc.constantFrom<J>('ci', 'ci', 'ci', 'x'.repeat(101))),
        entry('expiresIn', fc.constantFrom<J>(3600, 3600, null, 0, 1e21)),
        entry('roles', fc.constantFrom<J>(['ROLE_USER'], null, null, ['ROLE_ROOT'])),
      );
    case 'apiKeyDeleteByText':
      return obj(entry('text', fc.constantFrom<J>({ $cred: 'apiKey' }, { $cred: 'apiKeyId' }, 'eak_unknown')));
    default:
      return fc.constant({ $obj: [] });
  }
}

function bodyArb(route: RouteEntry): fc.Arbitrary<BodyShape> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<BodyShape>({ kind: 'none' }) },
    { weight: 6, arbitrary: wellFormedBodyArb(route).map((value): BodyShape => ({ kind: 'json', value })) },
    { weight: 8, arbitrary: routeBodyArb(route).map((value): BodyShape => ({ kind: 'json', value })) },
    { weight: 2, arbitrary: jsonArb.map((value): BodyShape => ({ kind: 'json', value })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<J>(
          [],
          [
            {
              $obj: [
                ['username', 'admin'],
                ['password', { $cred: 'adminPassword' }],
              ],
            },
          ],
          'admin',
          42,
          null,
          true,
        )
        .map((value): BodyShape => ({ kind: 'json', value })),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            '{',
            '{"username": "admin", "password": "admin-pa',
            "{'a':1}",
            '{"a":1,}',
            'username=admin&password=admin-password',
            '',
            ' ',
            'null',
            '{"a":NaN}',
            '{"a":undefined}',
            '\u0000',
            '{"a":"\\ud800"}',
            '{"a":"\\u0000"}',
            '\ufeff{}',
          ),
          fc.string({ maxLength: 60 }),
        )
        .map((text): BodyShape => ({ kind: 'text', text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom([0xff, 0xfe, 0x7b, 0x7d], [0xc3, 0x28], [0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d])
        .map((bytes): BodyShape => ({ kind: 'bytes', bytes })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          field: fc.constantFrom(...route.fields, 'username', 'x'),
          size: fc.oneof(
            fc.integer({ min: BODY_LIMIT - 200, max: BODY_LIMIT + 200 }),
            fc.constantFrom(BODY_LIMIT * 4, 1025, 4097),
          ),
        })
        .map(({ field, size }): BodyShape => ({ kind: 'big', field, size })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ depth: fc.integer({ min: 100, max: 8000 }), open: fc.constantFrom<'[' | '{"a":'>('[', '{"a":') })
        .map((deep): BodyShape => ({ kind: 'deep', ...deep })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ field: fc.constantFrom(...route.fields, 'username'), value: fieldValueArb })
        .map((part): BodyShape => ({ kind: 'multipart', ...part })),
    },
  );
}

const authArb: fc.Arbitrary<AuthShape> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<AuthShape>({ kind: 'none' }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          '',
          'Bearer',
          'Bearer ',
          'bearer  x',
          'Bearer  ',
          'Basic YWRtaW46YWRtaW4tcGFzc3dvcmQ=',
          'Bearer null',
          'Bearer eak_',
          'eak_',
          'Bearer a.b.c',
          'Bearer ..',
          'Token abc',
          'Bearer eyJhbGciOiJub25lIn0.e30.',
        ),
        fc.stringMatching(/^[!-~]{1,40}$/),
        fc.stringMatching(/^[!-~]{1,40}$/).map((value) => `Bearer ${value}`),
        fc.integer({ min: 1000, max: 12_000 }).map((n) => `Bearer ${'A'.repeat(n)}`),
      )
      .map((value): AuthShape => ({ kind: 'literal', value })),
  },
  {
    weight: 5,
    arbitrary: fc
      .record({
        scheme: fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', '', 'Bearer  ', 'Basic '),
        cred: fc.constantFrom(...CRED_NAMES),
      })
      .map(({ scheme, cred }): AuthShape => ({ kind: 'cred', scheme, cred })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('Bearer ünïcödé', 'Bearer 令牌', 'Bearer \u{1f511}', 'ключ')
      .map((text): AuthShape => ({ kind: 'latin1', text })),
  },
);

const contentTypeArb: fc.Arbitrary<string | undefined> = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  undefined,
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=FUZZBOUNDARY',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=bogus',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/jsonx',
  '',
);

/** The credential a route documents, so runs get past the guard. */
function naturalCreds(route: RouteEntry): CredName[] {
  if (route.name === 'tfaVerify' || route.name === 'tfaResend') return ['challenge'];
  if (route.name === 'refresh' || route.name === 'logout') return ['refresh', 'access'];
  if (route.name.startsWith('host:') || route.name === 'account' || route.name === 'loginStatus')
    return ['access', 'apiKey'];
  if (route.name === 'login') return ['access', 'challenge'];
  return ['access'];
}

function caseArb(routes: readonly RouteEntry[]): fc.Arbitrary<Case & { idSegment: string }> {
  return fc.constantFrom(...routes).chain((route) =>
    fc.record({
      method: fc.oneof(
        { weight: 3, arbitrary: fc.constant(route.method) },
        { weight: 2, arbitrary: fc.constantFrom(...METHODS) },
      ),
      route: fc.constant(route),
      pathVariant: pathVariantArb,
      idSegment: fc.constantFrom(...ID_SEGMENTS),
      auth: fc.oneof(
        authArb,
        fc.constantFrom(...naturalCreds(route)).map((cred): AuthShape => ({ kind: 'cred', scheme: 'Bearer ', cred })),
      ),
      contentType: fc.oneof(
        { weight: 2, arbitrary: fc.constant('application/json') },
        { weight: 3, arbitrary: contentTypeArb },
      ),
      body: bodyArb(route),
    }),
  );
}

// ---- building the request ----

function serialize(value: J, creds: Credentials, secrets: Set<string>, key?: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value) ?? 'null';
  if (typeof value === 'string') {
    if (key !== undefined && /password|token|text/i.test(key)) secrets.add(value);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => serialize(item, creds, secrets)).join(',')}]`;
  if ('$obj' in value)
    return `{${value.$obj.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v, creds, secrets, k)}`).join(',')}}`;
  if ('$cred' in value) {
    if (SECRET_CREDS.includes(value.$cred)) secrets.add(creds[value.$cred]);
    return JSON.stringify(creds[value.$cred]);
  }
  return value.$raw;
}

function buildBody(shape: BodyShape, creds: Credentials, secrets: Set<string>): Buffer | undefined {
  switch (shape.kind) {
    case 'none':
      return undefined;
    case 'json':
      return Buffer.from(serialize(shape.value, creds, secrets), 'utf8');
    case 'text':
      return Buffer.from(shape.text, 'utf8');
    case 'bytes':
      return Buffer.from(shape.bytes);
    case 'big':
      return Buffer.from(`{${JSON.stringify(shape.field)}:"${'x'.repeat(shape.size)}"}`, 'utf8');
    case 'deep':
      return Buffer.from(
        `${shape.open.repeat(shape.depth)}1${(shape.open === '[' ? ']' : '}').repeat(shape.depth)}`,
        'utf8',
      );
    case 'multipart':
      return Buffer.from(
        `--FUZZBOUNDARY\r\nContent-Disposition: form-data; name=${JSON.stringify(shape.field)}\r\n\r\n${serialize(shape.value, creds, secrets, shape.field)}\r\n--FUZZBOUNDARY--\r\n`,
        'utf8',
      );
  }
}

function buildAuthorization(shape: AuthShape, creds: Credentials, secrets: Set<string>): string | undefined {
  switch (shape.kind) {
    case 'none':
      return undefined;
    case 'literal':
      secrets.add(shape.value.replace(/^\S+\s+/, ''));
      return shape.value;
    case 'cred':
      if (SECRET_CREDS.includes(shape.cred)) secrets.add(creds[shape.cred]);
      return `${shape.scheme}${creds[shape.cred]}`;
    case 'latin1':
      // UTF-8 bytes on the wire, as a client that does not encode headers would send them.
      secrets.add(shape.text.replace(/^\S+\s+/, ''));
      return Buffer.from(shape.text, 'utf8').toString('latin1');
  }
}

// ---- the fuzz harness: one app per preset, its credentials re-minted after anything that may revoke them ----

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeJwt(token: string): { header: { alg: string }; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
  };
}

function signHmac(header: { alg: string }, payload: Record<string, unknown>, secret: string): string {
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[header.alg] ?? 'sha256';
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

function pick(body: unknown, ...paths: string[][]): string | undefined {
  for (const path of paths) {
    let value: unknown = body;
    for (const key of path)
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'string') return value;
  }
  return undefined;
}

const USER_FIELDS = [
  'passwordHash',
  'passwordExpiresAt',
  'secondFactor',
  'totpSecret',
  'disabled',
  'lastLoginAt',
] as const;

class Harness {
  private constructor(
    readonly name: PresetName,
    readonly t: TestApp,
    readonly state: RecordingStateStore,
    readonly server: RawServer,
    private readonly originals: User[],
  ) {}

  creds: Credentials | undefined;
  requestsSinceMint = 0;

  static async create(name: PresetName): Promise<Harness> {
    const clock = createFakeClock();
    const state = new RecordingStateStore(new MemoryStateStore({ clock }));
    // Rate limits off: they would answer 429 to most of a run (storm allows 5 logins a minute). The per-IP counters
    // live in express-rate-limit's own memory store, not in the state store, so they never show in the write log.
    const t = await createTestApp({
      preset: name,
      clock,
      stateStore: state,
      rateLimit: false,
      passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' },
      trustedDevices: true,
      // Sign-up is served by the default preset only.
      ...(presets[name].routes.register !== null
        ? { registration: { urlTemplate: 'https://app.example/verify-email?token={token}' } }
        : {}),
      passkeys: { rpId: 'app.example', rpName: 'Fuzz', origins: ['https://app.example'] },
    });
    const originals = [];
    for (const id of ['1', '2', '3', '4', '5']) originals.push(t.users.findById(id) as User);
    return new Harness(name, t, state, await listenRaw(t.app), originals);
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.t.close();
    await this.state.shutdown();
  }

  /** Users and API keys, as a comparable string. */
  userSnapshot(): string {
    return JSON.stringify(
      ['1', '2', '3', '4', '5', '6'].map((id) => [this.t.users.findById(id), this.t.users.listApiKeys(id)]),
    );
  }

  /** Fresh credentials: the demo users restored, lockouts and cooldowns expired, a new login, challenge and key. */
  async mint(): Promise<Credentials> {
    const { t } = this;
    t.clock.advance(21 * 60 * 1000);
    for (const original of this.originals) {
      const changes: Record<string, unknown> = {};
      for (const field of USER_FIELDS) changes[field] = original[field] ?? null;
      t.users.update(original.id, changes);
    }
    const login = async (username: string, password: string): Promise<RawResponse> => {
      const res = await this.server.send({
        method: 'POST',
        path: `${t.base}${presets[this.name].routes.login}`,
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from(JSON.stringify({ username, password })),
      });
      if (res.status !== 200)
        throw new Error(`${this.name}: minting a login for ${username} answered ${res.status} ${res.text}`);
      return res;
    };
    const adminBody: unknown = JSON.parse((await login('admin', PASSWORDS.admin)).text);
    const access = pick(adminBody, ['accessToken'], ['token'], ['data', 'accessToken'], ['Token'], ['access_token']);
    const challenge = pick(
      JSON.parse((await login('user', PASSWORDS.user)).text),
      ['challengeToken'],
      ['token'],
      ['data', 'challengeToken'],
    );
    if (!access || !challenge) throw new Error(`${this.name}: no access or challenge token in the login answers`);
    const { header, payload } = decodeJwt(access);
    const refresh =
      pick(adminBody, ['refreshToken'], ['refresh_token']) ??
      signHmac(
        header,
        { ...payload, usefor: 'refresh' },
        'test-secret-that-is-long-enough-for-hs512-test-secret-0123456789',
      );
    const apiKey = `eak_fuzz${createHmac('sha256', 'k').update(String(t.clock())).digest('base64url')}`;
    const apiKeyId = `fuzz-${t.clock()}`;
    t.users.createApiKey({
      id: apiKeyId,
      ownerId: '1',
      name: 'fuzz',
      keyHash: createHash('sha256').update(apiKey).digest('hex'),
      prefix: apiKey.slice(0, 12),
      roles: null,
      createdAt: new Date(t.clock()),
      expiresAt: null,
      lastUsedAt: null,
    });
    this.requestsSinceMint = 0;
    this.creds = {
      access,
      refresh,
      challenge,
      apiKey,
      apiKeyId,
      noneAlg: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`,
      otherSecret: signHmac(header, payload, 'another-presets-secret-which-is-also-long-enough-for-hs512-0123456789'),
      adminPassword: PASSWORDS.admin,
      userPassword: PASSWORDS.user,
      expiredPassword: PASSWORDS.expired,
      tfaCode: t.mailer.last('user@example.com')?.code ?? '000000',
    };
    return this.creds;
  }
}

// ---- the properties ----

/** The preset's documented error body, or a reason it is not. */
function errorShapeProblem(name: PresetName, status: number, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body is not a JSON object';
  const record = body as Record<string, unknown>;
  const keys = Object.keys(record).sort().join(',');
  switch (name) {
    case 'default':
    case 'utmstack':
      return keys === 'error,message' && typeof record.error === 'string' && typeof record.message === 'string'
        ? undefined
        : `keys ${keys}`;
    case 'storm':
    case 'bforeai':
      return keys === 'message' && typeof record.message === 'string' ? undefined : `keys ${keys}`;
    case 'datarhei':
      return keys === 'code,details,message' &&
        record.code === status &&
        Array.isArray(record.details) &&
        typeof record.message === 'string'
        ? undefined
        : `keys ${keys}`;
  }
}

/** Express's own 404 for a path no route matched (the host's fallback, not a library answer). */
function isExpressFallback404(method: string, res: RawResponse): boolean {
  return (
    res.status === 404 && (method === 'HEAD' || /^<!DOCTYPE html>[\s\S]*<pre>Cannot [A-Z]+ [^<]*<\/pre>/.test(res.text))
  );
}

/** FUZZ_STATS=1 prints how often each route answered each status, to see how deep the run reached. */
const stats: Record<string, number> | undefined = process.env.FUZZ_STATS ? {} : undefined;
/** `weak_password` in any preset's body: the code (default, utmstack, datarhei) or the policy's rule (storm, bforeai). */
function isWeakPasswordRefusal(text: string): boolean {
  return /"weak_password"|\(rule: [a-z_]+\)/.test(text);
}

/** The writes left once each increment later deleted (a reserved attempt given back) is dropped with its delete. */
function unreleasedWrites(writes: readonly StateWrite[]): StateWrite[] {
  const left = [...writes];
  for (let i = 0; i < left.length; i += 1) {
    const write = left[i] as StateWrite;
    const release = left.findIndex(
      (later, j) => j > i && later.key === write.key && (later.op === 'delete' || later.op === 'take'),
    );
    if (write.op === 'increment' && release !== -1) {
      left.splice(release, 1);
      left.splice(i, 1);
      i -= 1;
    }
  }
  return left;
}

const MALFORMED = new Set([400, 404, 405, 413, 415]);
const prototypeBaseline = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

interface Observation {
  preset: PresetName;
  method: string;
  path: string;
  status: number;
}
/** Paths that matched a route under another method and still got Express's 404 (no 405 with Allow). */
const fallbackOnKnownPaths: Observation[] = [];

async function checkOne(h: Harness, c: Case & { idSegment: string }): Promise<void> {
  if (h.creds === undefined || h.requestsSinceMint >= 40) await h.mint();
  const creds = h.creds as Credentials;
  h.requestsSinceMint += 1;
  const secrets = new Set<string>();
  const path = buildPath(c.route, c.pathVariant, creds, c.idSegment);
  if (c.pathVariant.kind === 'query' && c.pathVariant.cred && c.pathVariant.query.endsWith('='))
    secrets.add(creds[c.pathVariant.cred]);
  const headers: Record<string, string> = {};
  const authorization = buildAuthorization(c.auth, creds, secrets);
  if (authorization !== undefined) headers.Authorization = authorization;
  if (c.contentType !== undefined) headers['Content-Type'] = c.contentType;
  const request: RawRequest = { method: c.method, path, headers, body: buildBody(c.body, creds, secrets) };

  const usersBefore = h.userSnapshot();
  h.state.writes.length = 0;
  h.t.logger.errors.length = 0;
  const res = await h.server.send(request);
  // Let anything the handler left running (a touch, a record) land before looking at the stores.
  await new Promise((resolve) => setImmediate(resolve));
  const usersAfter = h.userSnapshot();
  if (stats)
    stats[`${h.name} ${c.route.name} ${c.method === c.route.method ? 'right' : 'other'}-method ${res.status}`] =
      (stats[`${h.name} ${c.route.name} ${c.method === c.route.method ? 'right' : 'other'}-method ${res.status}`] ??
        0) + 1;
  const where = `${h.name} ${c.method} ${path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;

  // 1. No 5xx, and nothing logged as an unexpected error.
  expect({ where, status: res.status < 500 }).toEqual({ where, status: true });
  expect({ where, errors: h.t.logger.errors }).toEqual({ where, errors: [] });

  // 2. No stack trace or internal path.
  expect({
    where,
    leak: /\bat \S+ \(|\bat [\w./<>]+:\d+|\.ts:\d|\.js:\d|node_modules|\/work\/|\/lib\//.exec(res.text)?.[0],
  }).toEqual({ where, leak: undefined });

  // 3. No secret the request carried comes back, in the body or a header.
  const headerText = Object.values(res.headers).flat().join('\n');
  for (const secret of secrets) {
    if (secret.length < 12) continue;
    const echoed =
      res.text.includes(secret) ||
      headerText.includes(secret) ||
      headerText.includes(Buffer.from(secret, 'utf8').toString('latin1'));
    expect({ where, echoed: echoed ? secret.slice(0, 60) : undefined }).toEqual({ where, echoed: undefined });
  }

  // 4. Every 4xx is the preset's error shape; Express's own 404 only where no route matched.
  if (res.status >= 400 && res.status < 500) {
    const known =
      c.pathVariant.kind === 'exact' ||
      c.pathVariant.kind === 'trailing-slash' ||
      c.pathVariant.kind === 'upper-case' ||
      c.pathVariant.kind === 'query';
    if (isExpressFallback404(c.method, res)) {
      if (known && c.method !== c.route.method && !c.route.name.startsWith('host:'))
        fallbackOnKnownPaths.push({ preset: h.name, method: c.method, path, status: res.status });
      // The library owns its paths: any method on a known path is ours to answer (a 405 with Allow at worst). A path
      // with an :id segment the fuzz filled with something unroutable is not known.
      expect({
        where,
        known:
          known &&
          (!c.route.name.startsWith('host:') || c.method === c.route.method) &&
          !DELETE_ROUTES.has(c.route.name),
      }).toEqual({ where, known: false });
    } else {
      if (res.status === 405) {
        // 405 names what the path serves; on the route's own path, that includes the route's method.
        const allow = String(res.headers.allow ?? '').split(/,\s*/);
        expect({ where, allow: allow.length > 0 && allow.every((method) => /^[A-Z]+$/.test(method)) }).toEqual({
          where,
          allow: true,
        });
        if (known && !DELETE_ROUTES.has(c.route.name))
          expect({ where, allow: allow.includes(c.route.method) }).toEqual({ where, allow: true });
        expect({ where, headers: [res.headers['cache-control'], res.headers['x-content-type-options']] }).toEqual({
          where,
          headers: ['no-store', 'nosniff'],
        });
      }
      expect({ where, contentType: res.headers['content-type'] ?? '' }).toEqual({
        where,
        contentType: expect.stringMatching(/^application\/json/),
      });
      if (c.method !== 'HEAD') {
        let body: unknown;
        try {
          body = JSON.parse(res.text);
        } catch {
          body = undefined;
        }
        expect({ where, problem: errorShapeProblem(h.name, res.status, body) }).toEqual({ where, problem: undefined });
      }
    }
  }

  // 5. A request refused as malformed changes nothing in either store. A weak new password is a 400 too, but only
  // after the current password was checked: that may reserve a lockout attempt, which the right password must give
  // back (an increment, then a delete of the same key), or ten policy refusals lock a user out with a right password.
  if (MALFORMED.has(res.status)) {
    const writes = isWeakPasswordRefusal(res.text) ? unreleasedWrites(h.state.writes) : h.state.writes;
    expect({ where, stateWrites: writes }).toEqual({ where, stateWrites: [] });
    expect({ where, usersChanged: usersAfter !== usersBefore }).toEqual({ where, usersChanged: false });
  }

  // 6. Object.prototype is untouched.
  expect({
    where,
    prototype: Object.getOwnPropertyNames(Object.prototype).sort().join(','),
    polluted: ({} as Record<string, unknown>).polluted,
  }).toEqual({
    where,
    prototype: prototypeBaseline,
    polluted: undefined,
  });

  // Anything that succeeded with a write, or changed a user, may have revoked the credentials: mint new ones.
  // bfore.ai's logout is a GET that ends the session.
  if (
    usersAfter !== usersBefore ||
    (res.status < 300 && (!['GET', 'HEAD', 'OPTIONS'].includes(c.method) || c.route.name === 'logoutToken'))
  )
    h.creds = undefined;
}

describe.each(PRESET_NAMES)('fuzz: the %s preset', (name) => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.create(name);
  });

  afterAll(async () => {
    await h.close();
  });

  it(`answers ${RUNS} random requests without a 5xx, a leak, an echoed secret, a stray shape or a write on refusal`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(routeTable(name)), (c) => checkOne(h, c)),
      { numRuns: RUNS, seed: SEED },
    );
  }, 600_000);
});

afterAll(() => {
  if (stats)
    console.info(
      Object.entries(stats)
        .sort()
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    );
  if (fallbackOnKnownPaths.length > 0) {
    const sample = fallbackOnKnownPaths.slice(0, 5).map((o) => `${o.preset} ${o.method} ${o.path}`);
    console.info(
      `fuzz: ${fallbackOnKnownPaths.length} requests with another method on a route's path got Express's HTML 404 (no 405), e.g. ${sample.join('; ')}`,
    );
  }
});

// Presets: every answer of every built-in preset replies with its record's status and a body valid against its
// schema, every error body fits the error schema, definePreset refuses an incomplete preset, and nothing is inherited.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { AUTH_ERROR_CATALOGUE, AuthError, type AuthErrorCode } from '../../lib/errors';
import type { ApiKeyRecord, AuthInfo, IssuedToken, User } from '../../lib/core/results';
import { presets, type PresetName } from '../../lib/presets';
import {
  definePreset,
  formatAnswer,
  formatError,
  type AnswerName,
  type AnswerResult,
  type Preset,
  type Reply,
  type ReplyContext,
} from '../../lib/presets/types';

// ---- formats: TypeBox checks a `format` only through the registry ----

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const FORMATS: Record<string, (value: string) => boolean> = {
  'date-time': (value) => ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
  email: (value) => /^[^\s@]+@[^\s@]+$/.test(value),
  uri: (value) => {
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return false;
    try {
      new URL(value);
      return true;
    } catch {
      return false;
    }
  },
};
for (const [name, check] of Object.entries(FORMATS)) if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

/** The body's schema errors, as readable lines (empty when valid). */
function schemaErrors(schema: TSchema, body: unknown): string[] {
  return [...checker(schema).Errors(body)].map(
    (error) => `${error.path || '/'}: ${error.message} (got ${JSON.stringify(error.value)})`,
  );
}

// ---- realistic core results ----

const ANSWERS: readonly AnswerName[] = [
  'login',
  'challenge',
  'refreshed',
  'loginStatus',
  'account',
  'passwordChanged',
  'loggedOut',
  'tfaResent',
  'totpEnrolment',
  'totpConfirmed',
  'apiKeyCreated',
  'apiKeyList',
  'apiKeyDeleted',
  'sessionList',
  'sessionEnded',
  'passwordResetRequested',
  'passwordReset',
  'recoveryCodes',
  'registrationAccepted',
  'registrationVerified',
  'trustedDeviceList',
  'trustedDevicesEnded',
];
const PRESET_NAMES = Object.keys(presets) as PresetName[];

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const UUID = '3f2c1a9e-7b4d-4c2a-9e1f-0a1b2c3d4e5f';
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function issued(use: string, lifetime: number): IssuedToken {
  const issuedAt = Math.floor(NOW / 1000);
  const payload = { sub: '1', usefor: use, iat: issuedAt, exp: issuedAt + lifetime, exi: lifetime, jti: UUID };
  return {
    token: `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.${Buffer.from(`signature-${use}`).toString('base64url')}`,
    jti: UUID,
    issuedAt,
    expiresAt: issuedAt + lifetime,
    lifetime,
  };
}

const USERS: Record<string, User> = {
  'a full user with a numeric id': {
    id: '1',
    login: 'admin',
    email: 'admin@example.com',
    passwordHash: '$2b$04$abcdefghijklmnopqrstuuN3t6QW0XxWGSl7dq7kTsBOvPdFp3VqK',
    authorities: ['ROLE_ADMIN', 'ROLE_USER'],
    firstName: 'Admin',
    lastName: 'User',
    imageUrl: 'https://example.com/admin.png',
    langKey: 'fr',
    disabled: false,
    secondFactor: 'EMAIL',
    totpSecret: null,
    passwordExpiresAt: new Date(NOW + 90 * 86_400_000),
    lastLoginAt: new Date(NOW - 60_000),
    createdAt: new Date(NOW - 86_400_000),
  },
  'a minimal user with a UUID id': {
    id: UUID,
    login: 'guest',
    email: 'guest@example.com',
    passwordHash: '$2b$04$abcdefghijklmnopqrstuuN3t6QW0XxWGSl7dq7kTsBOvPdFp3VqK',
    authorities: [],
  },
  'a user with every optional field null': {
    id: '42',
    login: 'nulls',
    email: 'nulls@example.com',
    passwordHash: '$2b$04$abcdefghijklmnopqrstuuN3t6QW0XxWGSl7dq7kTsBOvPdFp3VqK',
    authorities: ['ROLE_USER'],
    firstName: null,
    lastName: null,
    imageUrl: null,
    langKey: null,
    secondFactor: null,
    totpSecret: null,
    passwordExpiresAt: null,
    lastLoginAt: null,
    createdAt: null,
  },
  'a disabled TOTP user with a non-numeric id': {
    id: 'user-7',
    login: 'totp.user',
    email: 'totp.user@example.com',
    passwordHash: '$2b$04$abcdefghijklmnopqrstuuN3t6QW0XxWGSl7dq7kTsBOvPdFp3VqK',
    authorities: ['ROLE_USER'],
    disabled: true,
    secondFactor: 'TOTP',
    totpSecret: 'JBSWY3DPEHPK3PXP',
  },
};
const users = Object.values(USERS);

const CONTEXTS: ReplyContext[] = [
  { startedAt: NOW - 9, now: NOW, forceSecondFactor: false, passwordMaxAgeSeconds: null },
  { startedAt: NOW, now: NOW, forceSecondFactor: true, passwordMaxAgeSeconds: 90 * 86_400 },
];

function apiKey(overrides: Partial<ApiKeyRecord>): ApiKeyRecord {
  return {
    id: UUID,
    ownerId: '1',
    name: 'production-api-key',
    keyHash: 'a'.repeat(64),
    prefix: 'eak_AbCdEfGh',
    roles: null,
    createdAt: new Date(NOW - 3_600_000),
    expiresAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}
const API_KEYS: ApiKeyRecord[] = [
  apiKey({}),
  apiKey({
    id: '17',
    name: 'ci',
    roles: ['ROLE_USER'],
    expiresAt: new Date(NOW + 86_400_000),
    lastUsedAt: new Date(NOW - 1000),
  }),
  apiKey({ id: '18', name: 'no roles', roles: [] }),
];
const KEY_TEXT = 'eak_AbCdEfGhIjKlMnOpQrStUvWxYz012345';

const AUTH_INFOS: AuthInfo[] = [
  { userId: '1', authorities: ['ROLE_ADMIN', 'ROLE_USER'], method: 'token', claims: undefined, apiKeyId: undefined },
  { userId: UUID, authorities: [], method: 'apiKey', claims: undefined, apiKeyId: '17' },
];

/** The preset's reply of answer `name` to `result`, with the status its record gives. */
function say<N extends AnswerName>(
  preset: Preset,
  name: N,
  result: AnswerResult<N>,
  context: ReplyContext = CONTEXTS[0]!,
): Reply {
  return formatAnswer(preset, name, result, context);
}

/** Every way each answer is formatted from realistic results, with a label for failures. */
function samples(preset: Preset, name: AnswerName): { label: string; reply: Reply }[] {
  const out: { label: string; reply: Reply }[] = [];
  const add = (label: string, reply: Reply) => out.push({ label, reply });
  const access = issued('access', 900);
  switch (name) {
    case 'login':
      for (const [label, user] of Object.entries(USERS)) {
        for (const context of CONTEXTS) {
          for (const refresh of [issued('refresh', 1_209_600), undefined]) {
            const result = {
              user,
              access,
              refresh,
              firstLogin: user.lastLoginAt == null,
              rememberMe: refresh === undefined,
            };
            add(
              `${label}, ${refresh ? 'with' : 'without'} a refresh token, force=${context.forceSecondFactor}`,
              say(preset, 'login', result, context),
            );
          }
        }
      }
      break;
    case 'challenge':
      for (const [label, user] of Object.entries(USERS)) {
        for (const method of ['EMAIL', 'TOTP'] as const) {
          for (const context of CONTEXTS) {
            add(
              `${label}, ${method}`,
              say(
                preset,
                'challenge',
                { user, method, challenge: issued('tfa', 300), expiresInSeconds: 300, firstLogin: false },
                context,
              ),
            );
          }
        }
      }
      break;
    case 'refreshed':
      for (const refresh of [issued('refresh', 86_400), undefined]) {
        for (const context of CONTEXTS)
          add(
            `${refresh ? 'rotated' : 'not rotated'}`,
            say(preset, 'refreshed', { access: issued('access', 600), refresh }, context),
          );
      }
      break;
    case 'loginStatus':
      for (const [label, user] of Object.entries(USERS))
        for (const auth of AUTH_INFOS) add(`${label}, by ${auth.method}`, say(preset, 'loginStatus', { user, auth }));
      break;
    case 'account':
      for (const [label, user] of Object.entries(USERS)) add(label, say(preset, 'account', user));
      break;
    case 'passwordChanged':
      add('changed', say(preset, 'passwordChanged', undefined));
      break;
    case 'loggedOut':
      add('logged out', say(preset, 'loggedOut', undefined));
      break;
    case 'tfaResent':
      for (const expiresInSeconds of [270, 0])
        add(`${expiresInSeconds} s left`, say(preset, 'tfaResent', { expiresInSeconds }));
      break;
    case 'totpEnrolment':
      for (const emailCodeSent of [true, false]) {
        add(
          `emailCodeSent=${emailCodeSent}`,
          say(preset, 'totpEnrolment', {
            secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
            uri: 'otpauth://totp/express-auth-kit:admin%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=express-auth-kit&algorithm=SHA1&digits=6&period=30',
            emailCodeSent,
          }),
        );
      }
      break;
    case 'totpConfirmed':
      add('confirmed', say(preset, 'totpConfirmed', undefined));
      break;
    case 'apiKeyCreated':
      for (const record of API_KEYS) add(`key ${record.id}`, say(preset, 'apiKeyCreated', { record, key: KEY_TEXT }));
      break;
    case 'apiKeyList':
      add('no keys', say(preset, 'apiKeyList', []));
      add('several keys', say(preset, 'apiKeyList', API_KEYS));
      break;
    case 'apiKeyDeleted':
      add('deleted', say(preset, 'apiKeyDeleted', undefined));
      break;
    case 'sessionList':
      add('no sessions', say(preset, 'sessionList', []));
      add(
        'two sessions',
        say(preset, 'sessionList', [
          {
            id: UUID,
            createdAt: new Date(NOW - 86_400_000),
            lastUsedAt: new Date(NOW),
            client: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', network: '203.0.113.0/24' },
            current: true,
          },
          {
            id: 'b1c2',
            createdAt: new Date(NOW - 1000),
            lastUsedAt: new Date(NOW - 1000),
            client: { userAgent: null, network: null },
            current: false,
          },
        ]),
      );
      break;
    case 'sessionEnded':
      add('ended', say(preset, 'sessionEnded', undefined));
      break;
    case 'passwordResetRequested':
      add('requested', say(preset, 'passwordResetRequested', undefined));
      break;
    case 'passwordReset':
      add('reset', say(preset, 'passwordReset', undefined));
      break;
    case 'recoveryCodes':
      add(
        'ten codes',
        say(preset, 'recoveryCodes', {
          codes: Array.from({ length: 10 }, (_, i) => `ABCD-EFGH-${String(i).padStart(4, '0')}`),
        }),
      );
      break;
    case 'trustedDeviceList':
      add('none', say(preset, 'trustedDeviceList', []));
      add(
        'two devices',
        say(preset, 'trustedDeviceList', [
          {
            id: UUID,
            createdAt: new Date(NOW - 86_400_000),
            lastUsedAt: new Date(NOW),
            expiresAt: new Date(NOW + 86_400_000),
            client: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', network: '203.0.113.0/24' },
            current: true,
          },
          {
            id: 'b1c2',
            createdAt: new Date(NOW - 1000),
            lastUsedAt: new Date(NOW - 1000),
            expiresAt: new Date(NOW + 1000),
            client: { userAgent: null, network: null },
            current: false,
          },
        ]),
      );
      break;
    case 'trustedDevicesEnded':
      add('ended', say(preset, 'trustedDevicesEnded', undefined));
      break;
    case 'registrationAccepted':
      add('accepted', say(preset, 'registrationAccepted', undefined));
      break;
    case 'registrationVerified':
      add('verified', say(preset, 'registrationVerified', undefined));
      break;
  }
  return out;
}

describe.each(PRESET_NAMES)('the %s preset', (presetName) => {
  const preset: Preset = presets[presetName];

  it('gives an answer spec for exactly the answers there are', () => {
    expect(Object.keys(preset.answers).sort()).toEqual([...ANSWERS].sort());
  });

  it.each(ANSWERS)("%s: every reply has the spec's status and a body its schema accepts", (name) => {
    const spec = preset.answers[name];
    const replies = samples(preset, name);
    expect(replies.length).toBeGreaterThan(0);
    for (const { label, reply } of replies) {
      const where = `${presetName}.${name} (${label})`;
      expect({ where, status: reply.status ?? 200 }).toEqual({ where, status: spec.status });
      if (spec.schema === null) {
        expect({ where, body: reply.body ?? null }).toEqual({ where, body: null });
        continue;
      }
      expect({ where, errors: schemaErrors(spec.schema, reply.body) }).toEqual({ where, errors: [] });
      // A string body is sent as text, anything else as JSON: the spec's content type must say which.
      expect({ where, text: typeof reply.body === 'string' }).toEqual({
        where,
        text: spec.contentType === 'text/plain',
      });
    }
  });

  it.each(Object.keys(AUTH_ERROR_CATALOGUE) as AuthErrorCode[])(
    "error(%s) has the error's status and a body the error schema accepts",
    (code) => {
      for (const error of [
        new AuthError(code),
        new AuthError(code, { message: 'A more precise message.', retryAfterSeconds: 30 }),
      ]) {
        const reply = formatError(preset, error);
        expect(reply.status).toBe(error.status);
        expect(schemaErrors(preset.error.schema, reply.body)).toEqual([]);
      }
    },
  );

  it('has every example in its schemas valid against the schema that gives it', () => {
    const invalid: string[] = [];
    const visit = (schema: unknown, path: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const node = schema as Record<string, unknown>;
      if (Array.isArray(node.examples)) {
        for (const example of node.examples) {
          const errors = schemaErrors(node as TSchema, example);
          if (errors.length > 0) invalid.push(`${path}: ${JSON.stringify(example)}: ${errors.join('; ')}`);
        }
      }
      for (const [key, value] of Object.entries(node.properties ?? {})) visit(value, `${path}.${key}`);
      if (node.items) visit(node.items, `${path}[]`);
      if (Array.isArray(node.anyOf)) node.anyOf.forEach((branch, index) => visit(branch, `${path}|${index}`));
    };
    for (const name of ANSWERS) visit(preset.answers[name].schema, `${presetName}.${name}`);
    visit(preset.error.schema, `${presetName}.error`);
    expect(invalid).toEqual([]);
  });

  it('uses only standard JSON Schema keywords (the OpenAPI 3.1 document embeds the schemas as they are)', () => {
    const STANDARD = new Set([
      'type',
      'properties',
      'required',
      'additionalProperties',
      'items',
      'anyOf',
      'const',
      'enum',
      'format',
      'pattern',
      'minimum',
      'maximum',
      'minItems',
      'maxItems',
      'minLength',
      'maxLength',
      'description',
      'examples',
      'title',
    ]);
    const unknown: string[] = [];
    const visit = (schema: unknown, path: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const node = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>; // TypeBox's symbols are not emitted
      for (const key of Object.keys(node)) if (!STANDARD.has(key)) unknown.push(`${path}: ${key}`);
      for (const [key, value] of Object.entries(node.properties ?? {})) visit(value, `${path}.${key}`);
      if (node.items) visit(node.items, `${path}[]`);
      if (Array.isArray(node.anyOf)) node.anyOf.forEach((branch, index) => visit(branch, `${path}|${index}`));
    };
    for (const name of ANSWERS) visit(preset.answers[name].schema, `${presetName}.${name}`);
    visit(preset.error.schema, `${presetName}.error`);
    expect(unknown).toEqual([]);
  });

  it('answers a resent code and a confirmed authenticator app as the router did before the formatters existed', () => {
    expect(say(preset, 'tfaResent', { expiresInSeconds: 270 })).toEqual({
      status: 200,
      body: { sent: true, tfaExpiresInSeconds: 270 },
    });
    expect(say(preset, 'totpConfirmed', undefined)).toEqual({ status: 200, body: { secondFactor: 'TOTP' } });
  });
});

describe('wire details the schemas alone do not pin', () => {
  it('bforeai: PasswordExpiration is the stored expiry as ISO, else null, whatever passwordMaxAge is', () => {
    const [context] = CONTEXTS.slice(1);
    const full = USERS['a full user with a numeric id']!;
    const bare = USERS['a minimal user with a UUID id']!;
    const login = (user: User) =>
      say(
        presets.bforeai,
        'login',
        { user, access: issued('access', 3600), refresh: undefined, firstLogin: false, rememberMe: false },
        context!,
      );
    expect(login(full).body).toMatchObject({ PasswordExpiration: full.passwordExpiresAt!.toISOString() });
    expect(login(bare).body).toMatchObject({ PasswordExpiration: null });
    expect(say(presets.bforeai, 'account', bare).body).toMatchObject({ PasswordExpiration: null });
  });

  it('utmstack: numeric ids are numbers, others stay strings; the login status is the login as text', () => {
    expect(say(presets.utmstack, 'account', USERS['a full user with a numeric id']!).body).toMatchObject({
      id: 1,
      langKey: 'fr',
    });
    expect(say(presets.utmstack, 'account', USERS['a minimal user with a UUID id']!).body).toMatchObject({
      id: UUID,
      langKey: 'en',
    });
    expect(say(presets.utmstack, 'loginStatus', { user: users[0]!, auth: AUTH_INFOS[0]! })).toEqual({
      status: 200,
      body: 'admin',
    });
    expect(presets.utmstack.answers.loginStatus.contentType).toBe('text/plain');
  });

  it('datarhei: the refresh answer carries refresh_token only when rotating', () => {
    const [context] = CONTEXTS;
    expect(
      Object.keys(
        say(presets.datarhei, 'refreshed', { access: issued('access', 600), refresh: undefined }, context!)
          .body as object,
      ),
    ).toEqual(['access_token']);
    expect(
      Object.keys(
        say(
          presets.datarhei,
          'refreshed',
          { access: issued('access', 600), refresh: issued('refresh', 86_400) },
          context!,
        ).body as object,
      ),
    ).toEqual(['access_token', 'refresh_token']);
  });
});

describe('definePreset', () => {
  const complete = (): Record<string, unknown> & {
    answers: Record<string, Record<string, unknown>>;
    error: Record<string, unknown>;
  } => ({
    ...presets.default,
    name: 'mine',
    answers: Object.fromEntries(Object.entries(presets.default.answers).map(([name, answer]) => [name, { ...answer }])),
    error: { ...presets.default.error },
  });

  it('accepts a complete preset and returns it', () => {
    const preset = complete() as unknown as Preset;
    expect(definePreset(preset)).toBe(preset);
  });

  it.each(ANSWERS)('refuses a preset without the %s formatter, naming it', (name) => {
    const preset = complete();
    delete preset.answers[name]!.format;
    expect(() => definePreset(preset as unknown as Preset)).toThrow(TypeError);
    expect(() => definePreset(preset as unknown as Preset)).toThrow(
      new RegExp(`preset "mine": "answers.${name}" must have a formatter`),
    );
  });

  it('refuses a preset without the error formatter, naming it', () => {
    const preset = complete();
    delete preset.error.format;
    expect(() => definePreset(preset as unknown as Preset)).toThrow(TypeError);
    expect(() => definePreset(preset as unknown as Preset)).toThrow(
      /preset "mine": "error.format" must be a formatter/,
    );
  });

  it.each(ANSWERS)('refuses a preset without the answer spec of %s, naming it', (name) => {
    const preset = complete();
    delete preset.answers[name];
    expect(() => definePreset(preset as unknown as Preset)).toThrow(TypeError);
    expect(() => definePreset(preset as unknown as Preset)).toThrow(`"answers.${name}"`);
  });

  it('refuses an answer spec whose schema is left out (null, not undefined, means no body)', () => {
    const preset = complete();
    preset.answers.loggedOut = { status: 204, description: 'no schema', format: () => ({ body: null }) };
    expect(() => definePreset(preset as unknown as Preset)).toThrow('"answers.loggedOut"');
  });

  it('refuses a preset without its error schema', () => {
    const preset = complete();
    delete preset.error.schema;
    expect(() => definePreset(preset as unknown as Preset)).toThrow('"error.schema" is missing');
  });
});

describe('no silent inheritance among the built-in presets', () => {
  const dir = join(__dirname, '..', '..', 'lib', 'presets');
  const HELPERS = ['types.ts', 'index.ts', 'answers.ts', 'helpers.ts', 'schemas.ts'];
  const sources = readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !HELPERS.includes(file))
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));

  it('finds a source file for every built-in preset', () => {
    expect(sources.map(({ file }) => file.replace(/\.ts$/, '')).sort()).toEqual([...PRESET_NAMES].sort());
  });

  // A preset that answers something as the default preset does names that record (`defaultAnswers.sessionList`),
  // one line per answer: nothing comes in by spreading, so a new answer left out is a compile error.
  it.each(PRESET_NAMES)(
    '%s is made with definePreset, spreads no other preset or its answers, and imports only the default answers',
    (name) => {
      const { text } = sources.find(({ file }) => file === `${name}.ts`)!;
      expect(text).toMatch(/=\s*definePreset\(\{/);
      expect(text).not.toMatch(/\.\.\.\s*(?:\w*Preset\b|presets\b|\w*Answers\b)/);
      expect(text).not.toMatch(/from '\.\/(?:utmstack|storm|bforeai|datarhei)'/);
      for (const [, imported] of text.matchAll(/import \{([^}]*)\} from '\.\/default'/g)) {
        for (const part of imported!
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean))
          expect(['defaultAnswers', 'defaultError']).toContain(part);
      }
    },
  );

  it.each(PRESET_NAMES)('%s has every answer as its own record, with a formatter', (name) => {
    const answers: Record<string, unknown> = presets[name].answers;
    for (const answer of ANSWERS) {
      const record = answers[answer];
      const own =
        Object.hasOwn(answers, answer) &&
        typeof record === 'object' &&
        record !== null &&
        'format' in record &&
        typeof record.format === 'function';
      expect({ answer, own }).toEqual({ answer, own: true });
    }
  });
});

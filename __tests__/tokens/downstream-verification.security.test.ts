// Token confusion downstream: a service verifying our tokens exactly as the README shows (jose with the JWKS, or jose
// with the shared HMAC secret) accepts access tokens and refuses every other token the library issues — refresh,
// second-factor challenge, device cookie, reset token, API key.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { generateKeyPair, type AsymmetricAlgorithm } from '../../lib';
import {
  createTestApp,
  PASSWORDS,
  TEST_SECRET,
  type CreateTestAppOptions,
  type FakeClock,
  type TestApp,
} from '../helpers/create-app';

const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'https://api.example.com';
const DEVICE_COOKIE = '__Host-eak-device';

// jose checks exp against the real time: these apps run on it too.
const realClock = Object.assign(() => Date.now(), { advance: () => undefined, set: () => undefined }) as FakeClock;

let t: TestApp | undefined;
let server: Server | undefined;

afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  await t?.close();
  t = undefined;
});

interface CollectedToken {
  kind: string;
  token: string;
  /** Whether a downstream service may accept it. */
  access: boolean;
}

function deviceCookieOf(res: request.Response): string {
  const line = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((cookie) => cookie.startsWith(`${DEVICE_COOKIE}=`));
  expect(line).toBeDefined();
  return decodeURIComponent(line!.split(';')[0]!.slice(DEVICE_COOKIE.length + 1));
}

/** Every kind of token the library hands out, obtained over HTTP as a client would. */
async function collectTokens(app: TestApp): Promise<CollectedToken[]> {
  const collected: CollectedToken[] = [];
  const add = (kind: string, token: unknown, access: boolean): void => {
    expect(typeof token).toBe('string');
    collected.push({ kind, token: token as string, access });
  };

  const plain = await request(app.app)
    .post('/auth/login')
    .send({ username: 'admin', password: PASSWORDS.admin })
    .expect(200);
  add('access', plain.body.accessToken, true);
  add('refresh', plain.body.refreshToken, false);
  add('device cookie', deviceCookieOf(plain), false);

  const remembered = await request(app.app)
    .post('/auth/login')
    .send({ username: 'admin', password: PASSWORDS.admin, rememberMe: true })
    .expect(200);
  add('access (rememberMe)', remembered.body.accessToken, true);
  add('refresh (rememberMe)', remembered.body.refreshToken, false);

  const refreshed = await request(app.app)
    .post('/auth/token/refresh')
    .send({ refreshToken: plain.body.refreshToken })
    .expect(200);
  add('access (refreshed)', refreshed.body.accessToken, true);
  add('refresh (rotated)', refreshed.body.refreshToken, false);

  const challenged = await request(app.app)
    .post('/auth/login')
    .send({ username: 'user', password: PASSWORDS.user })
    .expect(200);
  add('second-factor challenge', challenged.body.challengeToken, false);
  const code = app.mailer.last('user@example.com')!.code;
  const verified = await request(app.app)
    .post('/auth/tfa/verify')
    .set('Authorization', `Bearer ${challenged.body.challengeToken}`)
    .send({ code })
    .expect(200);
  add('access (after the second factor)', verified.body.accessToken, true);
  add('refresh (after the second factor)', verified.body.refreshToken, false);
  add('device cookie (after the second factor)', deviceCookieOf(verified), false);

  await request(app.app).post('/auth/password/forgot').send({ email: 'guest@example.com' }).expect(202);
  add('password reset token', new URL(app.mailer.resetLinks.at(-1)!.url).searchParams.get('token'), false);

  const key = await request(app.app)
    .post('/auth/api-keys')
    .set('Authorization', `Bearer ${plain.body.accessToken as string}`)
    .send({ name: 'downstream', password: PASSWORDS.admin });
  expect(key.status).toBe(201);
  add('API key', key.body.key ?? key.body.apiKey ?? key.body.token, false);
  return collected;
}

/** The README's verifier for a key pair: jose with the JWKS (issuer and audience as configured). */
async function verifyWithJwks(
  token: string,
  url: string,
  algorithm: AsymmetricAlgorithm,
  issuer: string,
  audience: string,
): Promise<unknown> {
  const jwks = createRemoteJWKSet(new URL(url));
  const { payload } = await jwtVerify(token, jwks, { algorithms: [algorithm], typ: 'at+jwt', issuer, audience });
  return payload;
}

/** The README's verifier for a shared HMAC secret. */
async function verifyWithSecret(
  token: string,
  sharedSecret: string,
  issuer: string | undefined,
  audience: string | undefined,
): Promise<unknown> {
  const secret = new TextEncoder().encode(sharedSecret);
  const { payload } = await jwtVerify(token, secret, {
    algorithms: ['HS256'],
    typ: 'at+jwt',
    ...(issuer ? { issuer } : {}),
    ...(audience ? { audience } : {}),
  });
  return payload;
}

async function outcomes(
  tokens: CollectedToken[],
  verify: (token: string) => Promise<unknown>,
): Promise<Record<string, 'accepted' | 'refused'>> {
  const result: Record<string, 'accepted' | 'refused'> = {};
  for (const { kind, token } of tokens) {
    result[kind] = await verify(token).then(
      () => 'accepted' as const,
      () => 'refused' as const,
    );
  }
  return result;
}

function expected(tokens: CollectedToken[]): Record<string, 'accepted' | 'refused'> {
  return Object.fromEntries(tokens.map(({ kind, access }) => [kind, access ? 'accepted' : 'refused']));
}

const base: CreateTestAppOptions = {
  clock: realClock,
  rateLimit: false,
  apiKeys: {},
  passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' },
};

describe('a downstream service verifying as the README shows', () => {
  test.each([
    ['with issuer and audience', { issuer: ISSUER, audience: AUDIENCE }],
    ['without issuer or audience', {}],
  ])(
    'jose with the shared HMAC secret (%s) accepts access tokens only',
    async (_name, claims: { issuer?: string; audience?: string }) => {
      t = await createTestApp({ ...base, tokens: claims, secret: TEST_SECRET });
      const tokens = await collectTokens(t);
      expect(
        await outcomes(tokens, (token) => verifyWithSecret(token, TEST_SECRET, claims.issuer, claims.audience)),
      ).toEqual(expected(tokens));
    },
  );

  test.each(['EdDSA', 'RS256'] as AsymmetricAlgorithm[])(
    'jose with the JWKS (%s) accepts access tokens only',
    async (algorithm) => {
      const pair = generateKeyPair(algorithm);
      t = await createTestApp({
        ...base,
        tokens: { issuer: ISSUER, audience: AUDIENCE },
        secret: { algorithm, privateKey: pair.privateKeyPem, publicKey: pair.publicKeyPem, kid: pair.kid },
        configureApp: (app) => app.get('/.well-known/jwks.json', (_req, res) => res.json(t!.auth.jwks())),
      });
      server = t.app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
      const tokens = await collectTokens(t);
      expect(await outcomes(tokens, (token) => verifyWithJwks(token, url, algorithm, ISSUER, AUDIENCE))).toEqual(
        expected(tokens),
      );
      // The JWKS publishes the access tokens' key only: nothing the internal tokens are signed with.
      expect((await request(t.app).get('/.well-known/jwks.json').expect(200)).body.keys).toEqual([
        expect.objectContaining({ kid: pair.kid }),
      ]);
    },
  );

  test("docs/keys.md's snippets (the README's were moved there) are the verifiers above: typ 'at+jwt', issuer and audience, and a word on logout", () => {
    const readme = readFileSync(join(__dirname, '../../docs/keys.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((match) => match[1]!)
      .filter((block) => block.includes('jwtVerify('));
    const jwksSnippet = blocks.find((block) => block.includes('createRemoteJWKSet('));
    const secretSnippet = blocks.find((block) => block.includes('new TextEncoder().encode('));
    for (const snippet of [jwksSnippet, secretSnippet]) {
      expect(snippet).toBeDefined();
      expect(snippet).toContain("typ: 'at+jwt'");
      expect(snippet).toMatch(/issuer/);
      expect(snippet).toMatch(/audience/);
    }
    expect(readme).toMatch(/does not see (a )?logout/i);
  });
});

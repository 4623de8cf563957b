// The identity-provider login in the core (lib/core/login.ts's loginWithExternalIdentity), without Express: one core
// call verifies the provider's JWT, opens the session and emits the same audit events as a password login
// (`login.succeeded`; `login.failed` with the code answered, naming a user only once the token named a local one).
import type { JWTPayload } from 'jose';
import { loginWithExternalIdentity } from '../../lib/core/login';
import { createIdpKey, signIdpToken, startJwksServer, type IdpKey, type JwksServer } from '../helpers/jwks-server';
import { createTestCore, type CreateTestCoreOptions, errorCodeOf, type TestCore } from '../helpers/test-core';

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'https://api.example.com';
const ALICE = 'auth0|alice';

let key: IdpKey;
let impostor: IdpKey;
let jwks: JwksServer;
let t: TestCore;

beforeAll(async () => {
  [key, impostor] = await Promise.all([createIdpKey('key-a'), createIdpKey('key-a')]);
});

beforeEach(async () => {
  jwks = await startJwksServer([key]);
});

afterEach(async () => {
  await t.close();
  await jwks.close();
});

async function start(idp: Partial<NonNullable<CreateTestCoreOptions['externalIdentityProvider']>> = {}): Promise<void> {
  t = await createTestCore({
    externalIdentityProvider: {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: jwks.url,
      allowedSubjects: [ALICE],
      timeoutMs: 250,
      cooldownMs: 30_000,
      ...idp,
    },
  });
}

function idpToken(claims: JWTPayload = {}, signer: IdpKey = key): Promise<string> {
  const now = Math.floor(t.clock() / 1000);
  return signIdpToken(signer, { iss: ISSUER, aud: AUDIENCE, sub: ALICE, iat: now, exp: now + 3600, ...claims });
}

async function loginEvents(): Promise<{ event: string; userId?: string; reason?: string }[]> {
  await t.settle();
  return t.events
    .filter((event) => event.event.startsWith('login.'))
    .map(({ event, userId, reason }) => ({
      event,
      ...(userId === undefined ? {} : { userId }),
      ...(reason === undefined ? {} : { reason }),
    }));
}

test('an allowed subject gets a session whose access token verifies, and login.succeeded names the subject', async () => {
  await start();
  const success = await loginWithExternalIdentity(t.context, await idpToken());
  expect(success.user.id).toBe(ALICE);
  expect(t.context.tokens.verify(success.access.token, 'access')).toMatchObject({ sub: ALICE });
  expect(await loginEvents()).toEqual([{ event: 'login.succeeded', userId: ALICE }]);
});

test('a token signed by another key, or for a subject not allowed: invalid_credentials, and login.failed without a user id', async () => {
  await start();
  expect(await errorCodeOf(loginWithExternalIdentity(t.context, await idpToken({}, impostor)))).toBe(
    'invalid_credentials',
  );
  expect(await errorCodeOf(loginWithExternalIdentity(t.context, await idpToken({ sub: 'auth0|mallory' })))).toBe(
    'invalid_credentials',
  );
  expect(await loginEvents()).toEqual([
    { event: 'login.failed', reason: 'invalid_credentials' },
    { event: 'login.failed', reason: 'invalid_credentials' },
  ]);
});

test('a subject mapped to a local user logs in as that user; a disabled one is refused like a bad token', async () => {
  await start({
    allowedSubjects: undefined,
    mapUser: async ({ subject }) => (subject === ALICE ? t.user('3') : t.user('5')),
  });
  const success = await loginWithExternalIdentity(t.context, await idpToken());
  expect(success.user.id).toBe('3');
  expect(await errorCodeOf(loginWithExternalIdentity(t.context, await idpToken({ sub: 'auth0|disabled' })))).toBe(
    'invalid_credentials',
  );
  expect(await loginEvents()).toEqual([
    { event: 'login.succeeded', userId: '3' },
    { event: 'login.failed', reason: 'invalid_credentials' },
  ]);
});

test("the provider's keys out of reach: 503 unavailable, and login.failed says so", async () => {
  await start();
  jwks.setMode('error');
  expect(await errorCodeOf(loginWithExternalIdentity(t.context, await idpToken()))).toBe('unavailable');
  expect(await loginEvents()).toEqual([{ event: 'login.failed', reason: 'unavailable' }]);
});

test('without a provider configured: invalid_credentials, and login.failed', async () => {
  t = await createTestCore();
  expect(await errorCodeOf(loginWithExternalIdentity(t.context, 'anything'))).toBe('invalid_credentials');
  expect(await loginEvents()).toEqual([{ event: 'login.failed', reason: 'invalid_credentials' }]);
});

// The default preset's access tokens are lean (typ at+jwt, a short kid, no usefor/exi/jti, no initial sv), and they
// still do everything a token did: the guard admits them, and logging out everywhere ends them.
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { login, loginToken } from '../helpers/session';

let t: TestApp;

afterEach(async () => {
  await t.close();
});

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.') as [string, string];
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

const guarded = (token: string) => request(t.app).get('/api/protected').set('Authorization', `Bearer ${token}`);

// The guest (id "3", ROLE_USER) signed HS256: 417 characters before (a 25-character kid, UUIDs, usefor, exi, jti,
// sv "0" and auth_time equal to iat).
const MAX_DEFAULT_ACCESS_TOKEN_LENGTH = 256;

test('a default-preset HS256 access token is at most 256 characters, and the guard admits it', async () => {
  t = await createTestApp({ tokens: { algorithm: 'HS256' }, rateLimit: false });
  const token = await loginToken(t, 'guest');
  expect(token.length).toBeLessThanOrEqual(MAX_DEFAULT_ACCESS_TOKEN_LENGTH);
  const { header, payload } = decode(token);
  expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/) });
  expect(Object.keys(payload).sort()).toEqual(['auth', 'exp', 'fam', 'iat', 'sub']);
  await guarded(token).expect(200, { userId: '3', authorities: ['ROLE_USER'], method: 'token' });
});

test('after "log out everywhere" a token without sv is refused, and new tokens carry the new version', async () => {
  t = await createTestApp({ rateLimit: false });
  const before = await loginToken(t, 'guest');
  expect(decode(before).payload).not.toHaveProperty('sv');
  await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${before}`).expect(204);
  expect((await guarded(before)).status).toBe(401);

  const after = await loginToken(t, 'guest');
  expect(decode(after).payload.sv).toMatch(/^[A-Za-z0-9_-]{22}$/);
  await guarded(after).expect(200);
  // Ending every session again ends this one too.
  await request(t.app).post('/auth/logout/all').set('Authorization', `Bearer ${after}`).expect(204);
  expect((await guarded(after)).status).toBe(401);
});

test('a refreshed token keeps its login time in auth_time; a token straight from a login leaves it to iat', async () => {
  t = await createTestApp({ rateLimit: false });
  const { accessToken, refreshToken } = await login(t, 'guest');
  const loggedInAt = decode(accessToken).payload.iat as number;
  expect(decode(accessToken).payload).not.toHaveProperty('auth_time');
  t.clock.advance(60_000);
  const refreshed = (await request(t.app).post('/auth/token/refresh').send({ refreshToken }).expect(200)).body
    .accessToken as string;
  expect(decode(refreshed).payload).toMatchObject({ iat: loggedInAt + 60, auth_time: loggedInAt });
  await guarded(refreshed).expect(200);
});

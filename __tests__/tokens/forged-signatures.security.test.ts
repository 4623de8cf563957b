// The guard over HTTP against signatures that are not the canonical spelling of the right one: a forged admin token
// with a short made-up signature, and a real token whose signature is respelled (same bytes, stray bits set).
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { loginToken } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.close());

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

async function expectRefused(token: string): Promise<void> {
  const res = await request(t.app).get('/api/admin').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('token_invalid');
}

it('refuses a real header and payload under a made-up, non-canonical signature (no key needed to make one)', async () => {
  const [header, payload] = (await loginToken(t)).split('.') as [string, string, string];
  // "AB" decodes to one byte, which re-encodes as "AA"; "A" decodes to nothing.
  for (const signature of ['AB', 'A', 'AAB', '_x']) await expectRefused(`${header}.${payload}.${signature}`);
});

it('refuses a real token whose signature is respelled with its stray bits set, before and after the original is cached', async () => {
  const token = await loginToken(t);
  const last = B64URL.indexOf(token.at(-1)!);
  // HS256: 32 bytes in 43 characters, whose last two bits are unused.
  const respelled = `${token.slice(0, -1)}${B64URL[last | 1]}`;
  expect(respelled).not.toBe(token);
  await expectRefused(respelled);
  await request(t.app).get('/api/admin').set('Authorization', `Bearer ${token}`).expect(200);
  await expectRefused(respelled);
  await expectRefused(`${token}A`);
});

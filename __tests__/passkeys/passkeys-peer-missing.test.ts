// Without the optional peer @simplewebauthn/server installed, passkeys configured: the rest of the library works, a
// passkey route answers 503 `unavailable` and the log says once which package to install.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

jest.mock('@simplewebauthn/server', () => {
  throw new Error("Cannot find module '@simplewebauthn/server'");
});

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

test('a passkey route answers 503 naming nothing secret, the log names the package, and a password login still works', async () => {
  t = await createTestApp({ passkeys: { rpId: 'example.com', rpName: 'Example', origins: ['https://example.com'] } });
  const res = await request(t.app).post('/auth/passkeys/login/options').send({});
  expect(res.status).toBe(503);
  expect(res.body.error).toBe('unavailable');
  expect(t.logger.errors).toEqual([expect.stringContaining('npm install @simplewebauthn/server')]);
  await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin }).expect(200);
});
